"""Sealing at rest and key rotation: the first key seals, every listed key opens, `flask mfa-reseal` moves data on."""

from __future__ import annotations

import base64
import secrets

from app.mfa import sealing
from app.mfa.models import TotpFactor
from tests.mfa import MfaCase


def fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


class TestSealing(MfaCase):
    def keys(self, *keys: str) -> None:
        self.app.config["FIELD_ENCRYPTION_KEY"] = list(keys)

    def test_the_first_key_seals_and_every_listed_key_opens(self):
        old, new = fernet_key(), fernet_key()
        with self.app.app_context():
            self.keys(old)
            sealed = sealing.seal("a secret")
            self.keys(new, old)
            self.assertEqual(sealing.unseal(sealed), "a secret")
            resealed = sealing.reseal(sealed)
            self.keys(new)
            self.assertEqual(sealing.unseal(resealed), "a secret")
            with self.assertRaises(sealing.SealBroken):
                sealing.unseal(sealed)  # the old key is gone
            with self.assertRaises(sealing.SealBroken):
                sealing.unseal(resealed[:-4] + "AAAA")  # tampered
            self.assertNotIn("a secret", resealed)

    def test_rotating_the_key_keeps_every_factor_working(self):
        old, new = fernet_key(), fernet_key()
        self.keys(old)
        user, _, secret, recovery = self.user_with_factor()

        self.keys(new, old)  # step 1: the new key first, the old one still listed
        self.sign_in(user.email, self.code(secret))
        result = self.app.test_cli_runner().invoke(args=["mfa-reseal"])  # step 2: re-seal with the new key
        self.assertEqual(result.exit_code, 0, result.output)
        self.assertIn("re-sealed 1 factor(s); 0 open with no configured key", result.output)
        self.keys(new)  # step 3: the old key dropped

        self.later()
        self.sign_in(user.email, self.code(secret))
        self.assertEqual(self.sign_in(user.email, recovery[0])["tokenType"], "Bearer")

    def test_a_factor_no_listed_key_opens_is_a_500_and_the_command_says_so(self):
        self.keys(fernet_key())
        user, _, secret, _ = self.user_with_factor()
        self.keys(fernet_key())

        with self.assertLogs("app.mfa", "ERROR") as logs:
            body = self.assert_problem(
                self.second_step(self.first_step(user.email)["mfaToken"], self.code(secret)), 500
            )
        self.assertIn("operator", body["detail"])
        self.assertNotIn(secret, "\n".join(logs.output))
        result = self.app.test_cli_runner().invoke(args=["mfa-reseal"])
        self.assertEqual(result.exit_code, 1)
        self.assertIn("1 open with no configured key", result.output)
        with self.app.app_context():
            self.assertEqual(TotpFactor.objects.count(), 1)  # nothing is deleted: the operator may find the key


class TestOperatorRemoval(MfaCase):
    def test_the_operator_takes_the_factor_off_a_named_account(self):
        user, token, _, _ = self.user_with_factor()
        runner = self.app.test_cli_runner()

        result = runner.invoke(args=["mfa-remove", "--email", user.email.upper()])

        self.assertEqual(result.exit_code, 0, result.output)
        self.assertIn("accessToken", self.login_pair(user.email))
        self.assertIn("mfa_disabled", self.types(token)[-2:])  # the login after it may share its millisecond
        again = runner.invoke(args=["mfa-remove", "--email", user.email])
        self.assertIn("no second factor", again.output)
        self.assertIn("No account", runner.invoke(args=["mfa-remove", "--email", "nobody@example.com"]).output)
