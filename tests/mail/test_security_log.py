"""What the mailed flows write to the account's security log: a reset (one entry, not a change too), a new address."""

from __future__ import annotations

import uuid

from app.mail import links
from app.models import User, utcnow
from tests.views import PASSWORD, TCBase

NEW_PASSWORD = "a brand new passphrase"


class TestMailedFlowsInTheLog(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.user = self.make_user()

    def link(self, kind: str, **kwargs) -> str:
        """A live token of `kind`, as the mailed message would carry it (no mail is needed to follow it)."""
        with self.app.app_context():
            user = User.objects.get(id=self.user.id)
            return links.issue(kind, user, str(uuid.uuid4()), utcnow(), **kwargs)

    def types(self, password: str = PASSWORD) -> list[str]:
        token = self.login(self.user.email, password)
        items = self.request("GET", "me/security-events", token=token).get_json()["items"]
        return [entry["type"] for entry in reversed(items)]

    def test_a_reset_is_recorded_as_a_reset_only(self):
        token = self.link("password_reset")

        body = {"token": token, "newPassword": NEW_PASSWORD}
        response = self.request("POST", "auth/password-reset/confirm", json=body, headers={"User-Agent": "Mail/1"})

        self.assertEqual(response.status_code, 204, response.get_data(as_text=True))
        self.assertEqual(self.types(NEW_PASSWORD), ["password_reset", "signed_in"])

    def test_an_e_mail_change(self):
        token = self.link("email_change", new_email="moved@example.com")

        response = self.request("POST", "auth/confirm-email", json={"token": token})

        self.assertEqual(response.status_code, 204, response.get_data(as_text=True))
        self.user.email = "moved@example.com"
        self.assertEqual(self.types(), ["email_changed", "signed_in"])

    def test_a_refused_link_records_nothing(self):
        response = self.request(
            "POST", "auth/password-reset/confirm", json={"token": "x" * 43, "newPassword": NEW_PASSWORD}
        )

        self.assert_problem(response, 400)
        self.assertEqual(self.types(), ["signed_in"])
