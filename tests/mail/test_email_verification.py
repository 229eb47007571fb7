"""E-mail verification: the signup message, following its link, asking for another, and what it unlocks."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from app.mail.models import AccountToken, MailMessage
from app.mail.service import INVALID_LINK
from app.models import User, utcnow
from tests.mail import MailTCBase
from tests.views import PASSWORD, random_email


class VerificationBase(MailTCBase):
    def signed_up(self) -> tuple[str, str]:
        """A new account (signed up through the API, its message delivered) and its verification token."""
        email = random_email()
        self.signup(email)
        self.deliver(1)
        return email, self.mailbox.token(self.only_message_to(email))

    def verify(self, token: str):
        return self.request("POST", "auth/verify-email", json={"token": token})

    def profile(self, email: str) -> dict:
        return self.request("GET", "me", token=self.login(email)).get_json()


class TestSignupMessage(VerificationBase):
    def test_signup_mails_a_link_to_the_client_app_with_text_and_html(self):
        email = random_email()
        self.signup(email, name="Ada <b>Lovelace</b>")
        [message] = self.deliver(1)

        self.assertEqual(message["X-Envelope-To"], email)
        self.assertEqual(message["To"], email)
        self.assertEqual(message["From"], "Test API <no-reply@example.com>")
        self.assertEqual(message["Subject"], "Verify your e-mail address")
        self.assertRegex(message["Message-ID"], r"^<[0-9a-f-]{36}@example\.com>$")
        link = self.mailbox.link(message)
        self.assertRegex(link, r"^https://app\.example\.com/verify-email\?token=[A-Za-z0-9_\-]{43}$")
        self.assertIn(link, self.mailbox.html(message))
        self.assertIn("Ada &lt;b&gt;Lovelace&lt;/b&gt;", self.mailbox.html(message))  # HTML bodies are escaped
        self.assertIn("expires in 48 hours", self.mailbox.text(message))

    def test_following_the_link_verifies_the_address(self):
        email, token = self.signed_up()
        self.assertIs(self.profile(email)["emailVerified"], False)

        response = self.verify(token)

        self.assertEqual(response.status_code, 204, response.get_data(as_text=True))
        self.assertIs(self.profile(email)["emailVerified"], True)

    def test_only_the_tokens_hash_is_stored_and_the_queue_never_holds_it(self):
        _, token = self.signed_up()

        with self.app.app_context():
            stored = AccountToken.objects.get(kind="verify_email")
            database = {
                name: list(stored._get_db()[name].find({})) for name in stored._get_db().list_collection_names()
            }
            connection = self.app.extensions["jobs"]["connection"]
            redis_dump = b"".join(connection.dump(key) or b"" for key in connection.keys("*"))
        # RQ compresses a job's arguments in Redis, so the jobs are also read back whole.
        jobs = str([(job.args, job.kwargs, job.meta, job.return_value()) for job in self.jobs()])
        self.assertEqual(stored.token_hash, hashlib.sha256(token.encode()).hexdigest())
        self.assertGreaterEqual(len(token), 43)  # 256 random bits, URL-safe
        self.assertNotIn(token, str(database))
        self.assertNotIn(token.encode(), redis_dump)
        self.assertNotIn(token, jobs)
        self.assertIn("'template': 'verify_email'", jobs)  # the job was read, so the check means something

    def test_signup_still_succeeds_when_the_queue_is_down(self):
        self.stop(self.redis_process)

        response = self.request(
            "POST", "auth/signup", json={"email": random_email(), "password": PASSWORD, "displayName": "No Queue"}
        )

        self.assertEqual(response.status_code, 201, response.get_data(as_text=True))
        self.assertIs(response.get_json()["emailVerified"], False)


class TestVerifyRefusals(VerificationBase):
    def test_a_used_unknown_or_expired_token_gets_one_generic_400(self):
        _, token = self.signed_up()
        self.assertEqual(self.verify(token).status_code, 204)
        _, expiring = self.signed_up()
        with self.app.app_context():
            AccountToken.objects(token_hash=hashlib.sha256(expiring.encode()).hexdigest()).update_one(
                set__expires_at=utcnow() - timedelta(seconds=1)
            )

        details = {
            self.assert_problem(self.verify(candidate), 400)["detail"] for candidate in (token, "not-a-token", expiring)
        }

        self.assertEqual(details, {INVALID_LINK})

    def test_a_token_of_another_kind_is_refused(self):
        _, token = self.signed_up()

        reset = self.request("POST", "auth/password-reset/confirm", json={"token": token, "newPassword": "x" * 12})
        change = self.request("POST", "auth/confirm-email", json={"token": token})

        self.assertEqual(self.assert_problem(reset, 400)["detail"], INVALID_LINK)
        self.assertEqual(self.assert_problem(change, 400)["detail"], INVALID_LINK)
        self.assertEqual(self.verify(token).status_code, 204)  # refusing it elsewhere did not spend it

    def test_a_link_for_an_earlier_address_does_not_verify_the_current_one(self):
        email, token = self.signed_up()
        with self.app.app_context():
            User.objects(email=email).update_one(set__email=random_email())

        self.assertEqual(self.assert_problem(self.verify(token), 400)["detail"], INVALID_LINK)

    def test_the_body_must_hold_just_a_token(self):
        self.assert_field_errors(self.request("POST", "auth/verify-email", json={}), "token")
        self.assert_field_errors(self.request("POST", "auth/verify-email", json={"token": "t", "x": 1}), "x")
        self.assert_field_errors(self.request("POST", "auth/verify-email", json={"token": ""}), "token")
        self.assert_problem(self.request("POST", "auth/verify-email", data="token", content_type="text/plain"), 415)


class TestResend(VerificationBase):
    def test_a_new_link_is_mailed_and_both_links_work_until_one_is_used(self):
        email, first = self.signed_up()
        token = self.login(email)

        response = self.request("POST", "me/verification-email", token=token)
        self.deliver(2)
        second = self.mailbox.token(self.mailbox.to(email)[1])

        self.assertEqual(response.status_code, 202)
        self.assertEqual(response.get_json(), {"message": "A new verification link is on its way to your address."})
        self.assertNotEqual(first, second)
        self.assertEqual(self.verify(second).status_code, 204)

    def test_at_least_three_in_fifteen_minutes_then_429(self):
        email, _ = self.signed_up()
        token = self.login(email)

        statuses = [self.request("POST", "me/verification-email", token=token).status_code for _ in range(6)]

        self.assertEqual(statuses, [202] * 5 + [429])
        self.assertTrue(self.request("POST", "me/verification-email", token=token).headers["Retry-After"])

    def test_a_verified_address_gets_409(self):
        email, token = self.signed_up()
        self.verify(token)

        self.assert_problem(self.request("POST", "me/verification-email", token=self.login(email)), 409)

    def test_needs_a_token(self):
        self.assert_problem(self.request("POST", "me/verification-email"), 401)

    def test_the_queue_down_is_503(self):
        email, _ = self.signed_up()
        token = self.login(email)
        self.stop(self.redis_process)

        response = self.request("POST", "me/verification-email", token=token)

        self.assertEqual(
            self.assert_problem(response, 503)["detail"], "The job queue is unavailable; try again shortly"
        )


class TestRequiredVerification(VerificationBase):
    settings = {"REQUIRE_VERIFIED_EMAIL": True}

    def login_response(self, email: str, password: str = PASSWORD):
        return self.request("POST", "auth/login", json={"email": email, "password": password})

    def test_an_unverified_account_cannot_sign_in_and_is_sent_a_new_link(self):
        email, _ = self.signed_up()

        refused = self.login_response(email)
        again = self.login_response(email)  # one went out at sign-in in the last five minutes: no third
        self.deliver(2)

        self.assertIn("Verify your e-mail address", self.assert_problem(refused, 403)["detail"])
        self.assert_problem(again, 403)
        self.assertEqual(len(self.mailbox.to(email)), 2)
        self.assertEqual(self.verify(self.mailbox.token(self.mailbox.to(email)[1])).status_code, 204)
        self.assertEqual(self.login_response(email).status_code, 200)

    def test_a_wrong_password_is_still_401_and_sends_nothing(self):
        email, _ = self.signed_up()

        self.assert_problem(self.login_response(email, "wrong password"), 401)
        self.run_jobs()

        self.assertEqual(len(self.mailbox.to(email)), 1)


# capability: posts
class UnverifiedPublishing(VerificationBase):
    def publish(self, token: str, status: str = "published"):
        return self.request("POST", "posts", json={"title": "t", "body": "b", "status": status}, token=token)


class TestPublishingWithinTheGracePeriod(UnverifiedPublishing):
    def test_a_new_unverified_account_may_publish(self):
        email, _ = self.signed_up()

        self.assertEqual(self.publish(self.login(email)).status_code, 201)


class TestPublishingAfterTheGracePeriod(UnverifiedPublishing):
    settings = {"UNVERIFIED_GRACE_HOURS": 0}

    def test_drafts_only_until_the_address_is_verified(self):
        email, verification = self.signed_up()
        token = self.login(email)

        refused = self.publish(token)
        draft = self.publish(token, status="draft")
        promoted = self.request("PATCH", f"posts/{draft.get_json()['id']}", json={"status": "published"}, token=token)
        self.verify(verification)
        allowed = self.publish(token)

        self.assertIn("Verify your e-mail address to publish", self.assert_problem(refused, 403)["detail"])
        self.assertEqual(draft.status_code, 201)
        self.assert_problem(promoted, 403)
        self.assertEqual(allowed.status_code, 201)

    def test_admins_are_not_held_back(self):
        _, token = self.auth(role="admin")

        self.assertEqual(self.publish(token).status_code, 201)


# end capability: posts
class TestAccountDeletion(VerificationBase):
    def test_deleting_the_account_deletes_its_tokens_and_outbox_entries(self):
        email, _ = self.signed_up()
        token = self.login(email)
        self.request("POST", "me/verification-email", token=token)
        self.run_jobs()
        with self.app.app_context():
            before = (AccountToken.objects.count(), MailMessage.objects.count())

        response = self.request("DELETE", "me", json={"password": PASSWORD}, token=token)

        self.assertEqual(response.status_code, 204)
        self.assertEqual(before, (2, 2))
        with self.app.app_context():
            self.assertEqual((AccountToken.objects.count(), MailMessage.objects.count()), (0, 0))


class TestTokenGuessing(VerificationBase):
    settings = {"RATELIMIT_AUTH": "2 per minute"}

    def test_every_endpoint_taking_a_token_is_throttled_per_client(self):
        bodies = {
            "auth/verify-email": {"token": "guess"},
            "auth/confirm-email": {"token": "guess"},
            "auth/password-reset/confirm": {"token": "guess", "newPassword": "a long enough passphrase"},
        }
        for path, body in bodies.items():
            with self.subTest(path=path):
                statuses = [self.request("POST", path, json=body).status_code for _ in range(3)]

                self.assertEqual(statuses, [400, 400, 429])
