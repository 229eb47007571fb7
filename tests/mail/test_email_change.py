"""E-mail change: asked for with the password, confirmed from the new mailbox, announced to the old one."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from app.mail.models import AccountToken
from app.mail.service import INVALID_LINK
from app.models import User, utcnow
from tests.mail import MailTCBase
from tests.views import PASSWORD, random_email

ACCEPTED = {"message": "A link to confirm the new address is on its way to it; your current address stays until then."}


class ChangeBase(MailTCBase):
    def setUp(self) -> None:
        super().setUp()
        self.user = self.make_user()
        self.token = self.login(self.user.email)

    def change(self, email: str, password: str = PASSWORD, token: str | None = None):
        return self.request("PUT", "me/email", json={"email": email, "password": password}, token=token or self.token)

    def confirm(self, token: str):
        return self.request("POST", "auth/confirm-email", json={"token": token})

    def changed(self, email: str) -> str:
        """Ask to move to `email`; the token of the confirmation that arrives there."""
        self.assertEqual(self.change(email).status_code, 202)
        self.run_jobs()
        self.mailbox.wait_for(1)
        return self.mailbox.token(self.mailbox.to(email)[-1])

    def stored_email(self) -> str:
        with self.app.app_context():
            return User.objects.get(id=self.user.id).email


class TestRequestAndConfirm(ChangeBase):
    def test_confirmation_to_the_new_address_notice_to_the_old_and_no_change_until_confirmed(self):
        new = random_email()

        response = self.change(new)
        self.deliver(2)

        self.assertEqual(response.status_code, 202)
        self.assertEqual(response.get_json(), ACCEPTED)
        confirmation, notice = self.only_message_to(new), self.only_message_to(self.user.email)
        self.assertEqual(confirmation["Subject"], "Confirm your new e-mail address")
        self.assertRegex(self.mailbox.link(confirmation), r"^https://app\.example\.com/confirm-email\?token=[\w-]{43}$")
        self.assertEqual(notice["Subject"], "A change of your e-mail address was requested")
        self.assertIn(f"{new[0]}***@example.com", self.mailbox.text(notice))
        self.assertNotIn(new, self.mailbox.text(notice))
        self.assertNotIn("token=", self.mailbox.text(notice))
        self.assertEqual(self.stored_email(), self.user.email)

    def test_following_the_link_moves_the_account_and_verifies_the_new_address(self):
        new = random_email()
        token = self.changed(new)

        response = self.confirm(token)

        self.assertEqual(response.status_code, 204, response.get_data(as_text=True))
        profile = self.request("GET", "me", token=self.token).get_json()
        self.assertEqual((profile["email"], profile["emailVerified"]), (new, True))
        self.assertEqual(self.request("POST", "auth/login", json={"email": new, "password": PASSWORD}).status_code, 200)
        old_login = self.request("POST", "auth/login", json={"email": self.user.email, "password": PASSWORD})
        self.assertEqual(old_login.status_code, 401)

    def test_the_token_works_once_expires_and_dies_with_a_newer_request(self):
        first, second = random_email(), random_email()
        older = self.changed(first)
        newer = self.changed(second)
        with self.app.app_context():
            AccountToken.objects(token_hash=hashlib.sha256(newer.encode()).hexdigest()).update_one(
                set__expires_at=utcnow() - timedelta(seconds=1)
            )

        self.assertEqual(self.assert_problem(self.confirm(older), 400)["detail"], INVALID_LINK)
        self.assertEqual(self.assert_problem(self.confirm(newer), 400)["detail"], INVALID_LINK)
        third = self.changed(random_email())
        self.assertEqual(self.confirm(third).status_code, 204)
        self.assertEqual(self.assert_problem(self.confirm(third), 400)["detail"], INVALID_LINK)

    def test_reset_links_mailed_to_the_old_address_stop_working(self):
        self.request("POST", "auth/password-reset", json={"email": self.user.email})
        self.run_jobs()
        reset = self.mailbox.token(self.only_message_to(self.user.email))

        self.assertEqual(self.confirm(self.changed(random_email())).status_code, 204)

        refused = self.request("POST", "auth/password-reset/confirm", json={"token": reset, "newPassword": "x" * 12})
        self.assertEqual(self.assert_problem(refused, 400)["detail"], INVALID_LINK)


class TestConflicts(ChangeBase):
    def test_a_taken_address_is_accepted_at_first_and_refused_with_409_at_confirmation(self):
        taken = self.make_user().email

        token = self.changed(taken)  # the request does not tell whether the address is taken
        response = self.confirm(token)

        self.assert_problem(response, 409)
        self.assertEqual(self.stored_email(), self.user.email)

    def test_an_address_taken_between_request_and_confirmation_is_409(self):
        new = random_email()
        token = self.changed(new)
        self.make_user(email=new)

        self.assert_problem(self.confirm(token), 409)
        self.assertEqual(self.stored_email(), self.user.email)


class TestRefusals(ChangeBase):
    def test_the_wrong_password_is_403_and_sends_nothing(self):
        response = self.change(random_email(), password="wrong password")
        self.run_jobs()

        self.assertEqual(self.assert_problem(response, 403)["detail"], "The password is not correct")
        self.assertEqual(self.mailbox.messages(), [])

    def test_an_account_without_a_password_needs_a_fresh_sign_in(self):
        refreshed = self.request("POST", "auth/refresh", token=self.login_pair(self.user.email)["refreshToken"])
        with self.app.app_context():
            User.objects(id=self.user.id).update_one(unset__password_hash=True)
        stale = {"email": random_email()}

        refused = self.request("PUT", "me/email", json=stale, token=refreshed.get_json()["accessToken"])
        fresh = self.request("PUT", "me/email", json={"email": random_email()}, token=self.token)

        self.assertIn("sign in again", self.assert_problem(refused, 403)["detail"])
        self.assertEqual(fresh.status_code, 202)  # the token of a sign-in a moment ago is fresh

    def test_the_body_is_checked(self):
        self.assert_field_errors(self.change(self.user.email.upper()), "email")  # already yours
        self.assert_field_errors(self.change("not an address"), "email")
        missing = self.request("PUT", "me/email", json={"email": random_email()}, token=self.token)
        self.assertIn("needs your current password", self.assert_problem(missing, 403)["detail"])
        self.assert_problem(self.request("PUT", "me/email", data="x", content_type="text/plain", token=self.token), 415)
        self.assert_field_errors(self.request("POST", "auth/confirm-email", json={}), "token")

    def test_needs_a_token(self):
        self.assert_problem(self.request("PUT", "me/email", json={"email": random_email(), "password": PASSWORD}), 401)

    def test_five_requests_per_account_in_fifteen_minutes(self):
        statuses = [self.change(random_email()).status_code for _ in range(6)]

        self.assertEqual(statuses, [202] * 5 + [429])

    def test_three_confirmations_per_target_address_an_hour_across_accounts(self):
        target = random_email()
        accounts = [self.login(self.make_user().email) for _ in range(4)]
        spellings = [target, target.upper(), f"  {target} ", target]  # one address, however it is spelled

        statuses = [
            self.change(email, token=token).status_code for email, token in zip(spellings, accounts, strict=True)
        ]

        self.assertEqual(statuses, [202, 202, 202, 429])
        refused = self.change(target, token=accounts[3])
        problem = self.assert_problem(refused, 429)
        self.assertIn("this address", problem["detail"])
        self.assertTrue(3500 <= int(refused.headers["Retry-After"]) <= 3600, refused.headers["Retry-After"])
        self.assertEqual(self.change(random_email(), token=accounts[3]).status_code, 202)  # another address: fine
        self.run_jobs()
        self.assertEqual(len(self.mailbox.to(target)), 3)

    def test_wrong_passwords_do_not_spend_an_addresss_budget(self):
        target = random_email()
        for _ in range(3):
            self.assert_problem(self.change(target, password="wrong password!"), 403)

        self.assertEqual(self.change(target).status_code, 202)

    def test_the_queue_down_is_503(self):
        self.stop(self.redis_process)

        self.assert_problem(self.change(random_email()), 503)


class TestRecoveryVoidsPendingChanges(ChangeBase):
    """A pending e-mail change must not outlive a password reset or change: it was asked for with the old one."""

    def reset(self) -> None:
        self.assertEqual(self.request("POST", "auth/password-reset", json={"email": self.user.email}).status_code, 202)
        self.run_jobs()
        token = self.mailbox.token(self.mailbox.to(self.user.email)[-1])
        body = {"token": token, "newPassword": "a brand new passphrase"}
        self.assertEqual(self.request("POST", "auth/password-reset/confirm", json=body).status_code, 204)

    def test_a_link_issued_before_a_reset_no_longer_moves_the_account(self):
        new = random_email()
        token = self.changed(new)

        self.reset()

        self.assertEqual(self.assert_problem(self.confirm(token), 400)["detail"], INVALID_LINK)
        self.assertEqual(self.stored_email(), self.user.email)

    def test_a_link_issued_before_a_password_change_no_longer_moves_the_account(self):
        new = random_email()
        token = self.changed(new)
        body = {"currentPassword": PASSWORD, "newPassword": "a brand new passphrase"}

        self.assertEqual(self.request("PUT", "me/password", json=body, token=self.token).status_code, 204)

        self.assertEqual(self.assert_problem(self.confirm(token), 400)["detail"], INVALID_LINK)
        self.assertEqual(self.stored_email(), self.user.email)
        with self.app.app_context():
            self.assertEqual(AccountToken.objects(user=self.user.id, kind="email_change").count(), 0)

    def test_a_change_still_queued_when_the_password_changes_is_never_mailed(self):
        new = random_email()
        self.assertEqual(self.change(new).status_code, 202)  # queued; the worker has not run yet
        body = {"currentPassword": PASSWORD, "newPassword": "a brand new passphrase"}
        self.assertEqual(self.request("PUT", "me/password", json=body, token=self.token).status_code, 204)

        self.run_jobs()

        self.assertEqual(self.mailbox.to(new), [])
        with self.app.app_context():
            self.assertEqual(AccountToken.objects(user=self.user.id, kind="email_change").count(), 0)
