"""Notices for the second factor, received over SMTP: turned on, a recovery code used, turned off."""

from __future__ import annotations

import re

from tests.mail import MailTCBase
from tests.mfa import MfaCase
from tests.views import PASSWORD

WHEN = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


class TestMfaNotices(MfaCase, MailTCBase):
    def text_of(self, subject: str, to: str) -> str:
        [message] = [m for m in self.mailbox.to(to) if m["Subject"] == subject]
        return self.mailbox.text(message)

    def test_on_a_recovery_code_and_off_each_mail_the_owner(self):
        user = self.make_user()
        token = self.login(user.email)
        secret, recovery = self.enable(token)
        self.deliver(1)
        text = self.text_of("A second factor was turned on for your account", user.email)
        self.assertRegex(text, WHEN)
        self.assertIn("https://app.example.com/reset-password", text)

        self.sign_in(user.email, recovery[0])
        self.deliver(2)
        text = self.text_of("A recovery code of your account was used", user.email)
        self.assertIn("will not work again", text)
        for code in recovery:
            self.assertNotIn(code, text)

        body = {"password": PASSWORD, "code": self.code(secret)}
        self.assertEqual(self.request("DELETE", "me/mfa/totp", json=body, token=token).status_code, 204)
        self.deliver(3)
        text = self.text_of("The second factor of your account was turned off", user.email)
        self.assertIn("no longer work", text)
        self.assertEqual(len(self.mailbox.messages()), 3)
        for message in self.mailbox.messages():
            self.assertNotIn(secret, str(message))
