"""Password reset: asking for a link (no enumeration, throttled), and setting a new password with it."""

from __future__ import annotations

import hashlib
import logging
import statistics
import time
from datetime import timedelta

from app.mail.job import SEND_FAILED
from app.mail.models import AccountToken, MailMessage
from app.mail.service import INVALID_LINK
from app.models import User, utcnow
from tests.mail import MailTCBase
from tests.views import PASSWORD, random_email

NEW_PASSWORD = "a brand new passphrase"
QUEUE_DOWN = "The job queue is unavailable; try again shortly"
ACCEPTED = {
    "message": "If an account uses this address, a link to choose a new password is on its way. It works for 30 "
    "minutes."
}


class ResetBase(MailTCBase):
    def ask(self, email: str, **kwargs):
        return self.request("POST", "auth/password-reset", json={"email": email}, **kwargs)

    def confirm(self, token: str, password: str = NEW_PASSWORD):
        return self.request("POST", "auth/password-reset/confirm", json={"token": token, "newPassword": password})

    def reset_token(self, email: str) -> str:
        """Ask for a reset of `email` and read the token from the message that arrives."""
        before = len(self.mailbox.to(email))
        self.assertEqual(self.ask(email).status_code, 202)
        self.run_jobs()
        self.mailbox.wait_for(len(self.mailbox.messages()) - len(self.mailbox.to(email)) + before + 1)
        return self.mailbox.token(self.mailbox.to(email)[-1])

    def login_status(self, email: str, password: str) -> int:
        return self.request("POST", "auth/login", json={"email": email, "password": password}).status_code


class TestRequest(ResetBase):
    def test_an_existing_address_gets_a_link_to_the_client_app(self):
        user = self.make_user()

        response = self.ask(user.email.upper())  # addresses are matched as they are stored
        [message] = self.deliver(1)

        self.assertEqual(response.status_code, 202)
        self.assertEqual(response.get_json(), ACCEPTED)
        self.assertEqual(message["X-Envelope-To"], user.email)
        self.assertEqual(message["Subject"], "Reset your password")
        self.assertRegex(self.mailbox.link(message), r"^https://app\.example\.com/reset-password\?token=[\w-]{43}$")
        self.assertIn("expires in 30 minutes", self.mailbox.text(message))

    def test_existing_and_unknown_addresses_are_answered_alike_and_only_one_gets_mail(self):
        user = self.make_user()
        unknown = random_email()

        known_reply, unknown_reply = self.ask(user.email), self.ask(unknown)
        self.run_jobs()

        # The window's reset is a moment, not a property of the address: the two may fall either side of a second.
        varying = ("X-Request-ID", "Date", "X-RateLimit-Reset")

        def shown(response) -> tuple:
            headers = {k: v for k, v in response.headers.items() if k not in varying}
            return response.status_code, response.get_data(), headers

        self.assertEqual(shown(known_reply), shown(unknown_reply))
        resets = [int(reply.headers["X-RateLimit-Reset"]) for reply in (known_reply, unknown_reply)]
        self.assertLessEqual(abs(resets[0] - resets[1]), 1)
        self.assertEqual([m["X-Envelope-To"] for m in self.mailbox.messages()], [user.email])
        self.assertEqual(sorted(job.return_value()["sent"] for job in self.jobs("finished")), [False, True])

    def test_existing_and_unknown_addresses_take_about_the_same_time(self):
        """Median of 15 alternating tries each: within 25 % or 50 ms (the request does the same work for both)."""
        known = [self.make_user().email for _ in range(15)]
        timings: dict[str, list[float]] = {"known": [], "unknown": []}
        for email in known:
            for label, address in (("known", email), ("unknown", random_email())):
                started = time.perf_counter()
                self.assertEqual(self.ask(address).status_code, 202)
                timings[label].append(time.perf_counter() - started)

        known_median, unknown_median = (statistics.median(timings[k]) for k in ("known", "unknown"))
        margin = max(0.25 * max(known_median, unknown_median), 0.050)
        self.assertLessEqual(abs(known_median - unknown_median), margin, timings)

    def test_a_string_that_is_no_address_is_answered_alike_too(self):
        reply = self.ask("not an address")
        self.run_jobs()

        self.assertEqual((reply.status_code, reply.get_json()), (202, ACCEPTED))
        self.assertEqual([job.return_value() for job in self.jobs("finished")], [{"sent": False}])

    def test_inactive_accounts_get_no_mail(self):
        user = self.make_user(active=False)

        self.assertEqual(self.ask(user.email).status_code, 202)
        self.run_jobs()

        self.assertEqual(self.mailbox.messages(), [])

    def test_the_body_must_hold_a_valid_address(self):
        self.assert_field_errors(self.request("POST", "auth/password-reset", json={}), "email")
        self.assert_field_errors(self.request("POST", "auth/password-reset", json={"email": ""}), "email")
        self.assert_field_errors(self.request("POST", "auth/password-reset", json={"email": "a@b.c", "x": 1}), "x")
        self.assert_problem(self.request("POST", "auth/password-reset", data="{}", content_type="text/plain"), 415)

    def test_the_cross_cutting_refusals_apply_406_and_413(self):
        html_only = self.ask(random_email(), headers={"Accept": "text/html"})
        too_big = self.request("POST", "auth/password-reset", json={"email": "a@example.com", "pad": "x" * 1_100_000})

        self.assert_problem(html_only, 406)
        self.assert_problem(too_big, 413)

    def test_the_queue_down_is_503_for_every_address(self):
        user = self.make_user()
        self.stop(self.redis_process)

        for address in (user.email, random_email()):
            with self.subTest(address=address):
                self.assertEqual(self.assert_problem(self.ask(address), 503)["detail"], QUEUE_DOWN)


class TestThrottling(ResetBase):
    def test_five_per_address_in_fifteen_minutes_whether_or_not_it_has_an_account(self):
        for address in (self.make_user().email, random_email()):
            with self.subTest(address=address):
                statuses = [self.ask(address).status_code for _ in range(6)]
                spelled_otherwise = self.ask(f"  {address.upper()} ")

                self.assertEqual(statuses, [202] * 5 + [429])
                self.assert_problem(spelled_otherwise, 429)  # the same address, however it is written
        self.assertEqual(self.ask(random_email()).status_code, 202)  # another address has its own budget


class TestThrottlingPerClient(ResetBase):
    settings = {"RATELIMIT_MAIL_PER_ADDRESS": "3 per 15 minutes"}

    def test_one_client_cannot_spray_many_addresses(self):
        statuses = [self.ask(random_email()).status_code for _ in range(4)]
        other_client = self.ask(random_email(), environ_base={"REMOTE_ADDR": "192.0.2.7"})

        self.assertEqual(statuses, [202, 202, 202, 429])
        self.assertEqual(other_client.status_code, 202)


class TestConfirm(ResetBase):
    def test_sets_the_password_revokes_every_session_and_mails_a_notice(self):
        user = self.make_user()
        old_pair, other_pair = self.login_pair(user.email), self.login_pair(user.email)
        token = self.reset_token(user.email)

        response = self.confirm(token)
        self.run_jobs()

        self.assertEqual(response.status_code, 204, response.get_data(as_text=True))
        for pair in (old_pair, other_pair):
            self.assert_problem(self.request("GET", "me", token=pair["accessToken"]), 401)
            self.assert_problem(self.request("POST", "auth/refresh", token=pair["refreshToken"]), 401)
        self.assertEqual(self.login_status(user.email, PASSWORD), 401)
        self.assertEqual(self.login_status(user.email, NEW_PASSWORD), 200)
        notice = self.mailbox.to(user.email)[-1]
        self.assertEqual(notice["Subject"], "Your password was changed")
        self.assertNotIn("token=", self.mailbox.text(notice))

    def test_clears_the_lock_out_and_proves_the_address(self):
        user = self.make_user()
        for _ in range(5):
            self.login_status(user.email, "wrong password")
        self.assertEqual(self.login_status(user.email, PASSWORD), 429)

        self.assertEqual(self.confirm(self.reset_token(user.email)).status_code, 204)

        self.assertEqual(self.login_status(user.email, NEW_PASSWORD), 200)
        with self.app.app_context():
            self.assertIs(User.objects.get(id=user.id).email_verified, True)

    def test_the_token_works_once(self):
        user = self.make_user()
        token = self.reset_token(user.email)

        first, second = self.confirm(token), self.confirm(token, "yet another passphrase")

        self.assertEqual(first.status_code, 204)
        self.assertEqual(self.assert_problem(second, 400)["detail"], INVALID_LINK)
        self.assertEqual(self.login_status(user.email, NEW_PASSWORD), 200)

    def test_the_token_expires_after_thirty_minutes(self):
        user = self.make_user()
        token = self.reset_token(user.email)
        with self.app.app_context():
            stored = AccountToken.objects.get(token_hash=hashlib.sha256(token.encode()).hexdigest())
            lifetime = stored.expires_at - stored.created_at
            stored.update(set__expires_at=utcnow() - timedelta(seconds=1))

        self.assertEqual(round(lifetime.total_seconds()), 1800)
        self.assertEqual(self.assert_problem(self.confirm(token), 400)["detail"], INVALID_LINK)

    def test_a_newer_request_kills_the_older_link(self):
        user = self.make_user()
        older = self.reset_token(user.email)
        newer = self.reset_token(user.email)

        self.assertEqual(self.assert_problem(self.confirm(older), 400)["detail"], INVALID_LINK)
        self.assertEqual(self.confirm(newer).status_code, 204)

    def test_a_password_change_kills_the_link(self):
        user = self.make_user()
        token = self.reset_token(user.email)
        changed = self.request(
            "PUT",
            "me/password",
            json={"currentPassword": PASSWORD, "newPassword": "changed by the owner"},
            token=self.login(user.email),
        )

        self.assertEqual(changed.status_code, 204)
        self.assertEqual(self.assert_problem(self.confirm(token), 400)["detail"], INVALID_LINK)

    def test_a_password_changed_by_any_route_kills_the_link(self):
        """The token keeps a stamp of the password hash, so even a change that forgets the tokens kills it."""
        user = self.make_user()
        token = self.reset_token(user.email)
        with self.app.app_context():
            from app.passwords import hash_password

            User.objects(id=user.id).update_one(set__password_hash=hash_password("set from the shell"))

        self.assertEqual(self.assert_problem(self.confirm(token), 400)["detail"], INVALID_LINK)

    def test_the_new_password_follows_the_signup_rules_and_a_refusal_spends_nothing(self):
        user = self.make_user()
        token = self.reset_token(user.email)

        self.assert_field_errors(self.confirm(token, "short"), "newPassword")
        self.assert_field_errors(
            self.request("POST", "auth/password-reset/confirm", json={"token": token}), "newPassword"
        )
        self.assertEqual(self.confirm(token).status_code, 204)

    def test_unknown_tokens_get_the_same_400(self):
        self.assertEqual(self.assert_problem(self.confirm("x" * 43), 400)["detail"], INVALID_LINK)

    def test_an_account_without_a_password_can_set_one(self):
        user = self.make_user()
        with self.app.app_context():  # as an account made by signing in with an identity provider
            User.objects(id=user.id).update_one(unset__password_hash=True)
        self.assertEqual(self.login_status(user.email, PASSWORD), 401)  # no password signs it in

        self.assertEqual(self.confirm(self.reset_token(user.email)).status_code, 204)

        self.assertEqual(self.login_status(user.email, NEW_PASSWORD), 200)


class TestSmtpDown(ResetBase):
    def test_the_api_still_answers_202_and_the_job_retries_then_fails_safely(self):
        user = self.make_user()
        self.stop(self.smtp_process)
        mail_log = logging.getLogger("app.mail")
        with self.assertLogs("app", level="INFO") as logs:
            self.addCleanup(mail_log.setLevel, mail_log.level)
            response = self.ask(user.email)
            self.run_jobs()

        self.assertEqual(response.status_code, 202)
        [job] = self.jobs("failed")
        self.assertEqual(job.meta["error"], SEND_FAILED)
        with self.app.app_context():
            self.assertEqual(MailMessage.objects.get(id=job.id).attempts, 3)  # the first try and MAIL_RETRIES=2
            token_hash = AccountToken.objects.get(user=user.id).token_hash
        failures = [line for line in logs.output if "not sent" in line]
        self.assertEqual(len(failures), 3)
        self.assertTrue(all(job.id in line for line in failures), failures)
        self.assertTrue(any(f'"jobId":"{job.id}"' in line and '"outcome":"failed"' in line for line in logs.output))
        self.assertNotIn(token_hash, "\n".join(logs.output))
        self.assertNotIn("token=", "\n".join(logs.output))
