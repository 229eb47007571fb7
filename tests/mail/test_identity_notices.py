"""Notices for provider links and unlinks, received over SMTP: the owner learns of every new way into the account.

The sign-ins run against the real OpenID provider process (tests/oidc), the queue on a real redis-server and the
mail through aiosmtpd, as in every mail test.
"""

from __future__ import annotations

import re

from tests.mail import MailTCBase
from tests.oidc.test_oidc import LinkCase, person

WHEN = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


class NoticeCase(LinkCase, MailTCBase):
    """A LinkCase whose app queues mail on a real Redis and sends it to the sink."""

    def text_of(self, subject: str, to: str) -> str:
        [message] = [m for m in self.mailbox.to(to) if m["Subject"] == subject]
        return self.mailbox.text(message)


class TestIdentityNotices(NoticeCase):
    def test_linking_mails_the_owner_which_provider_when_and_how_to_undo_it(self):
        user, token = self.verified_user()

        self.assertEqual(self.link(token, person()).status_code, 201)
        self.deliver(1)

        text = self.text_of("A sign-in provider was linked to your account", user.email)
        self.assertIn('"local"', text)
        self.assertRegex(text, WHEN)
        self.assertIn("https://app.example.com/reset-password", text)
        self.assertIn("unlink", text)

    def test_a_link_not_confirmed_sends_nothing(self):
        _, token = self.verified_user()
        self.link_code(token, person())

        self.run_jobs()

        self.assertEqual(self.mailbox.messages(), [])

    def test_unlinking_mails_the_owner(self):
        user, token = self.verified_user()
        self.link(token, person())

        self.assertEqual(self.unlink(token).status_code, 204)
        self.deliver(2)

        text = self.text_of("Sign-in providers were unlinked from your account", user.email)
        self.assertIn("local was unlinked", text)
        self.assertRegex(text, WHEN)
        self.assertIn("https://app.example.com/reset-password", text)

    def test_a_reset_unlinks_every_provider_and_the_notice_names_them(self):
        user, token = self.verified_user()
        self.link(token, person())
        self.deliver(1)

        self.assertEqual(self.request("POST", "auth/password-reset", json={"email": user.email}).status_code, 202)
        self.run_jobs()
        reset = self.mailbox.token(self.mailbox.wait_for(2)[-1])
        body = {"token": reset, "newPassword": "a brand new passphrase"}
        self.assertEqual(self.request("POST", "auth/password-reset/confirm", json=body).status_code, 204)
        self.deliver(4)  # the "password changed" notice and the unlink notice

        text = self.text_of("Sign-in providers were unlinked from your account", user.email)
        self.assertIn("was reset", text)
        self.assertIn(": local.", text)
        self.assertIn("link it again", text)
        self.assertEqual(
            self.request("GET", "me/identities", token=self.login(user.email, body["newPassword"])).get_json()["items"],
            [],
        )
