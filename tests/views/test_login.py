"""POST /auth/login: the token pair, no user enumeration, the lock-out, and hash upgrades."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from argon2 import PasswordHasher

from app.accounts import authenticate
from app.lockout import count_guess
from app.models import LoginGuard, User, utcnow
from app.passwords import init_passwords
from tests.views import PASSWORD, TCBase, random_email

WRONG = "not the right password"


class LoginBase(TCBase):
    def attempt(self, email: str, password: str = PASSWORD):
        return self.request("POST", "auth/login", json={"email": email, "password": password})

    def fail(self, email: str):
        return self.attempt(email, WRONG)

    @property
    def max_failures(self) -> int:
        return self.app.config["LOGIN_MAX_FAILURES"]

    def stored_hash(self, user) -> str:
        with self.app.app_context():
            return User.objects.get(id=user.id).password_hash


class TestLogin(LoginBase):
    def test_answers_200_with_a_bearer_token_pair(self):
        user = self.make_user()

        response = self.attempt(user.email)

        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        self.assertEqual(response.mimetype, "application/json")
        pair = response.get_json()
        self.assertEqual(set(pair), {"accessToken", "refreshToken", "tokenType", "expiresIn"})
        self.assertEqual(pair["tokenType"], "Bearer")
        self.assertIsInstance(pair["expiresIn"], int)
        self.assertEqual(pair["expiresIn"], self.app.config["JWT_ACCESS_TOKEN_MINUTES"] * 60)
        for token in (pair["accessToken"], pair["refreshToken"]):
            self.assertEqual(len(token.split(".")), 3)
        self.assertNotEqual(pair["accessToken"], pair["refreshToken"])

    def test_the_access_token_opens_the_api(self):
        user = self.make_user()

        token = self.attempt(user.email).get_json()["accessToken"]

        self.assertEqual(self.request("GET", "me", token=token).get_json()["id"], str(user.id))

    def test_each_login_is_a_new_session_with_new_tokens(self):
        user = self.make_user()

        first, second = self.login_pair(user.email), self.login_pair(user.email)

        self.assertNotEqual(first["accessToken"], second["accessToken"])
        self.assertNotEqual(first["refreshToken"], second["refreshToken"])

    def test_email_is_matched_case_insensitively(self):
        user = self.make_user(email="case@example.com")

        response = self.attempt("  CASE@Example.com ")

        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        self.assertEqual(user.email, "case@example.com")

    def test_password_is_matched_exactly(self):
        user = self.make_user()

        for variant in (PASSWORD.upper(), f" {PASSWORD}", f"{PASSWORD} ", PASSWORD[:-1]):
            with self.subTest(variant=variant):
                self.assert_problem(self.attempt(user.email, variant), 401)

    def test_invalid_bodies_are_400_naming_the_field(self):
        self.assert_field_errors(self.request("POST", "auth/login", json={"email": "a@example.com"}), "password")
        self.assert_field_errors(self.request("POST", "auth/login", json={"password": PASSWORD}), "email")
        self.assert_field_errors(self.attempt("a@example.com", "x" * 129), "password")
        self.assert_field_errors(self.attempt("a@example.com", ""), "password")
        self.assert_field_errors(
            self.request("POST", "auth/login", json={"email": "a@example.com", "password": PASSWORD, "role": "x"}),
            "role",
        )
        self.assert_problem(
            self.request("POST", "auth/login", json={"email": {"$ne": None}, "password": PASSWORD}), 400
        )

    def test_login_response_holds_no_profile_or_secret(self):
        user = self.make_user()

        text = self.attempt(user.email).get_data(as_text=True)

        self.assertNotIn(user.email, text)
        self.assertNotIn(PASSWORD, text)
        self.assertNotIn("$argon2", text)


class TestNoEnumeration(LoginBase):
    def comparable(self, response) -> tuple[int, dict, str | None]:
        body = self.assert_problem(response, 401)
        body.pop("requestId")
        return response.status_code, body, response.headers.get("WWW-Authenticate")

    def test_unknown_email_and_wrong_password_get_the_same_answer(self):
        user = self.make_user()

        wrong_password = self.comparable(self.attempt(user.email, WRONG))
        unknown_email = self.comparable(self.attempt(random_email()))

        self.assertEqual(wrong_password, unknown_email)

    def test_malformed_email_and_inactive_account_get_that_same_answer(self):
        user, inactive = self.make_user(), self.make_user(active=False)
        reference = self.comparable(self.attempt(user.email, WRONG))

        for response in (self.attempt("nobody"), self.attempt(inactive.email)):
            with self.subTest(response=response):
                self.assertEqual(self.comparable(response), reference)

    def test_unknown_emails_are_checked_against_a_real_hash_of_the_same_cost(self):
        dummy = self.app.extensions["passwords"]["dummy"]
        user = self.make_user()

        self.assertEqual(dummy.split("$")[:4], self.stored_hash(user).split("$")[:4])

    def test_unknown_emails_are_counted_and_locked_like_real_ones(self):
        email = random_email()
        for _ in range(self.max_failures):
            self.assert_problem(self.fail(email), 401)

        self.assert_problem(self.fail(email), 429)


class TestLockout(LoginBase):
    def test_the_failure_that_reaches_the_limit_locks_and_the_right_password_then_gets_429(self):
        user = self.make_user()
        for _ in range(self.max_failures):
            self.assert_problem(self.fail(user.email), 401)

        locked = self.attempt(user.email)

        self.assert_problem(locked, 429)
        retry_after = int(locked.headers["Retry-After"])
        # the lock's own remaining time, not the rate limiter's one-minute window
        self.assertGreater(retry_after, self.app.config["LOGIN_LOCKOUT_SECONDS"] - 10)
        self.assertLessEqual(retry_after, self.app.config["LOGIN_LOCKOUT_SECONDS"])
        self.assertNotIn("accessToken", locked.get_data(as_text=True))

    def test_guesses_are_counted_before_they_are_checked(self):
        """Requests sent at once each take a place first: past the limit they are refused unchecked (429)."""
        user = self.make_user()
        with self.app.test_request_context():
            for _ in range(self.max_failures):  # guesses in flight, counted, not yet checked
                count_guess(user.email)

        self.assert_problem(self.attempt(user.email), 429)  # the right password, refused unchecked

    def test_a_right_password_is_no_failure(self):
        user = self.make_user()
        for _ in range(self.max_failures - 1):
            self.fail(user.email)
        with self.app.test_request_context():
            self.assertEqual(authenticate(user.email, PASSWORD).id, user.id)  # right, but no sign-in completed
        with self.app.app_context():
            self.assertEqual(LoginGuard.objects.get().failures, self.max_failures - 1)

        self.assert_problem(self.fail(user.email), 401)  # the fifth failure
        self.assert_problem(self.attempt(user.email), 429)

    def test_one_failure_fewer_does_not_lock(self):
        user = self.make_user()
        for _ in range(self.max_failures - 1):
            self.fail(user.email)

        self.assertEqual(self.attempt(user.email).status_code, 200)

    def test_a_locked_account_stays_locked_whatever_is_sent(self):
        user = self.make_user()
        for _ in range(self.max_failures):
            self.fail(user.email)

        for password in (PASSWORD, WRONG, PASSWORD):
            with self.subTest(password=password):
                self.assert_problem(self.attempt(user.email, password), 429)

    def test_failures_count_against_the_normalised_email(self):
        user = self.make_user(email="mixed@example.com")
        for spelling in ("mixed@example.com", "MIXED@example.com", " Mixed@Example.com "):
            self.fail(spelling)
        for _ in range(self.max_failures - 3):
            self.fail("mixed@EXAMPLE.com")

        self.assert_problem(self.attempt(user.email), 429)

    def test_success_resets_the_count(self):
        user = self.make_user()
        for _ in range(self.max_failures - 1):
            self.fail(user.email)

        self.assertEqual(self.attempt(user.email).status_code, 200)

        with self.app.app_context():
            self.assertEqual(LoginGuard.objects.count(), 0)
        for _ in range(self.max_failures - 1):
            self.assert_problem(self.fail(user.email), 401)
        self.assertEqual(self.attempt(user.email).status_code, 200)

    def test_the_lock_is_stored_in_mongodb_under_a_hash_of_the_email(self):
        user = self.make_user()
        for _ in range(self.max_failures):
            self.fail(user.email)

        with self.app.app_context():
            guard = LoginGuard.objects.get()
            raw = LoginGuard.collection().find_one()
        self.assertEqual(guard.key, hashlib.sha256(user.email.encode()).hexdigest())
        self.assertGreater(guard.locked_until, utcnow())
        self.assertIsNotNone(guard.expires_at)
        self.assertNotIn(user.email, str(raw))

    def test_the_lock_holds_for_another_client_and_lives_only_in_the_database(self):
        user = self.make_user()
        for _ in range(self.max_failures):
            self.fail(user.email)
        other_client = self.app.test_client()
        body = {"email": user.email, "password": PASSWORD}

        self.assertEqual(other_client.post("/api/v1/auth/login", json=body).status_code, 429)

        with self.app.app_context():
            LoginGuard.objects.delete()  # what a restart cannot do, clearing the store does
        self.assertEqual(other_client.post("/api/v1/auth/login", json=body).status_code, 200)

    def test_guards_expire_through_a_ttl_index(self):
        self.fail(random_email())

        with self.app.app_context():
            indexes = LoginGuard.collection().index_information()
            guard = LoginGuard.objects.get()
        ttl = [spec for spec in indexes.values() if "expireAfterSeconds" in spec]
        self.assertEqual([(spec["key"], spec["expireAfterSeconds"]) for spec in ttl], [([("expires_at", 1)], 0)])
        self.assertIsNotNone(guard.expires_at)

    def test_locking_one_account_leaves_others_alone(self):
        user, other = self.make_user(), self.make_user()
        for _ in range(self.max_failures):
            self.fail(user.email)

        self.assertEqual(self.attempt(other.email).status_code, 200)

    def test_the_lock_expires(self):
        user = self.make_user()
        for _ in range(self.max_failures):
            self.fail(user.email)
        with self.app.app_context():
            LoginGuard.objects.update(set__locked_until=utcnow() - timedelta(seconds=1))

        self.assertEqual(self.attempt(user.email).status_code, 200)

    def test_failures_outside_the_window_start_a_new_count(self):
        user = self.make_user()
        for _ in range(self.max_failures - 1):
            self.fail(user.email)
        with self.app.app_context():
            window = timedelta(seconds=self.app.config["LOGIN_WINDOW_SECONDS"] + 1)
            LoginGuard.objects.update(set__window_started=utcnow() - window)

        self.assert_problem(self.fail(user.email), 401)

        with self.app.app_context():
            self.assertEqual(LoginGuard.objects.get().failures, 1)
        self.assertEqual(self.attempt(user.email).status_code, 200)


class TestHashUpgrade(LoginBase):
    OLD = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=2)

    def make_user_with_old_hash(self):
        user = self.make_user()
        with self.app.app_context():
            User.objects(id=user.id).update_one(set__password_hash=self.OLD.hash(PASSWORD))
        return user

    def test_a_hash_made_with_other_parameters_is_upgraded_at_login(self):
        user = self.make_user_with_old_hash()
        old_hash = self.stored_hash(user)

        self.assertEqual(self.attempt(user.email).status_code, 200)

        new_hash = self.stored_hash(user)
        config = self.app.config
        self.assertNotEqual(new_hash, old_hash)
        self.assertIn(
            f"m={config['ARGON2_MEMORY_COST']},t={config['ARGON2_TIME_COST']},p={config['ARGON2_PARALLELISM']}",
            new_hash,
        )
        self.assertTrue(PasswordHasher().verify(new_hash, PASSWORD))
        self.assertEqual(self.attempt(user.email).status_code, 200)

    def test_raising_the_cost_upgrades_hashes_made_before(self):
        user = self.make_user()
        old_hash = self.stored_hash(user)
        self.app.config["ARGON2_TIME_COST"] += 1  # the operator raised the cost and restarted
        init_passwords(self.app)

        self.assertEqual(self.attempt(user.email).status_code, 200)

        new_hash = self.stored_hash(user)
        self.assertNotEqual(new_hash, old_hash)
        self.assertIn(f"t={self.app.config['ARGON2_TIME_COST']},", new_hash)
        self.assertTrue(PasswordHasher().verify(new_hash, PASSWORD))

    def test_a_failed_login_does_not_touch_the_hash(self):
        user = self.make_user_with_old_hash()
        old_hash = self.stored_hash(user)

        self.assert_problem(self.fail(user.email), 401)

        self.assertEqual(self.stored_hash(user), old_hash)

    def test_a_current_hash_is_left_alone(self):
        user = self.make_user()
        old_hash = self.stored_hash(user)

        self.attempt(user.email)

        self.assertEqual(self.stored_hash(user), old_hash)
