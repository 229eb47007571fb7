"""STARTTLS to the mail server, with its certificate checked: a server the client cannot verify gets nothing."""

from __future__ import annotations

import datetime
import ipaddress
import os
from pathlib import Path
from unittest import mock

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.mail.job import SEND_FAILED
from tests.mail import MailTCBase
from tests.views import random_email


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class StartTlsBase(MailTCBase):
    settings = {"MAIL_USE_TLS": True}

    def setUp(self) -> None:
        self.smtp_tls = self_signed(self.temp_dir())
        super().setUp()


class TestTrustedServer(StartTlsBase):
    def test_the_message_is_sent_over_starttls(self):
        email = random_email()
        self.signup(email)
        # The test certificate is trusted the way an operator trusts a private CA: SSL_CERT_FILE.
        with mock.patch.dict(os.environ, {"SSL_CERT_FILE": str(self.smtp_tls[0])}):
            self.run_jobs()

        self.assertEqual(self.mailbox.wait_for(1)[0]["X-Envelope-To"], email)


class TestUntrustedServer(StartTlsBase):
    def test_a_certificate_that_does_not_verify_fails_the_job(self):
        self.signup(random_email())
        with self.assertLogs("app.mail", level="WARNING") as logs:
            self.run_jobs()

        [job] = self.jobs("failed")
        self.assertEqual(job.meta["error"], SEND_FAILED)
        self.assertIn("SSLCertVerificationError", "\n".join(logs.output))
        self.assertEqual(self.mailbox.messages(), [])
