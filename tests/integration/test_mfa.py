"""The second factor end to end: gunicorn in production config (a real FIELD_ENCRYPTION_KEY), a `flask worker`,
redis-server, nx-27017 and aiosmtpd, each its own process. Codes are computed with pyotp on the real clock."""

from __future__ import annotations

import time

import pyotp

from tests.integration.test_mail import PASSWORD, MailEndToEnd

STEP = 30


def wait_for_a_quiet_step() -> float:
    """Now, at least 10 seconds before the current time step ends: the codes below stay in their steps."""
    while time.time() % STEP > STEP - 10:
        time.sleep(0.5)
    return time.time()


class TestMfaEndToEnd(MailEndToEnd):
    def login(self, email: str) -> dict:
        reply = self.api("POST", "auth/login", {"email": email, "password": PASSWORD})
        self.assertEqual(reply.status, 200, reply.body)
        return reply.json()

    def second_step(self, email: str, code: str):
        return self.api("POST", "auth/login/mfa", {"mfaToken": self.login(email)["mfaToken"], "code": code})

    def test_enrol_confirm_sign_in_replay_recovery_code_and_the_three_notices(self):
        email = "ada@example.com"
        self.api("POST", "auth/signup", {"email": email, "password": PASSWORD, "displayName": "Ada"})
        token = self.login(email)["accessToken"]
        self.mailbox.wait_for(1)  # the verification link

        enrolment = self.api("POST", "me/mfa/totp", {"password": PASSWORD}, token)
        self.assertEqual(enrolment.status, 201, enrolment.body)
        secret = enrolment.json()["secret"]
        totp, now = pyotp.TOTP(secret), wait_for_a_quiet_step()
        confirmed = self.api("POST", "me/mfa/totp/confirm", {"code": totp.at(now - STEP)}, token)
        self.assertEqual(confirmed.status, 200, confirmed.body)
        recovery = confirmed.json()["recoveryCodes"]

        first = self.login(email)
        self.assertEqual(set(first), {"mfaRequired", "mfaToken", "expiresIn"})
        signed_in = self.api("POST", "auth/login/mfa", {"mfaToken": first["mfaToken"], "code": totp.at(now)})
        self.assertEqual(signed_in.status, 200, signed_in.body)
        self.assertEqual(self.api("GET", "me", token=signed_in.json()["accessToken"]).json()["email"], email)
        self.assertEqual(self.second_step(email, totp.at(now)).status, 401)  # replayed

        self.assertEqual(self.second_step(email, recovery[0]).status, 200)
        self.assertEqual(self.second_step(email, recovery[0]).status, 401)  # spent

        off = self.api("DELETE", "me/mfa/totp", {"password": PASSWORD, "code": totp.at(now + STEP)}, token)
        self.assertEqual(off.status, 204, off.body)
        self.assertIn("accessToken", self.login(email))

        self.mailbox.wait_for(4)
        subjects = [m["Subject"] for m in self.mailbox.to(email)][1:]
        self.assertEqual(
            subjects,
            [
                "A second factor was turned on for your account",
                "A recovery code of your account was used",
                "The second factor of your account was turned off",
            ],
        )
        for value in (secret, *recovery, totp.at(now)):
            self.assertNotIn(value, self.worker_log())
