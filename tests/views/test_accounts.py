"""Signing up and logging in: validation, no mass assignment, no enumeration, lock-out, hash upgrades."""

from __future__ import annotations

import time

from app.models import LoginGuard, User
from app.passwords import init_passwords
from tests.views import PASSWORD, TCBase, random_email


class TestSignup(TCBase):
    def signup(self, **fields):
        body = {"email": random_email(), "password": PASSWORD, "displayName": "Ada", **fields}
        return self.request("POST", "auth/signup", json=body)

    def test_signup_returns_the_public_profile_and_location(self):
        response = self.signup(email="  Ada@Example.COM ")

        self.assertEqual(response.status_code, 201, response.get_data(as_text=True))
        self.assertEqual(response.headers["Location"], "/api/v1/me")
        profile = response.get_json()
        self.assertEqual(set(profile), {"id", "email", "displayName", "role", "active", "createdAt", "updatedAt"})
        self.assertEqual((profile["email"], profile["role"], profile["active"]), ("ada@example.com", "user", True))
        token = self.login("ada@example.com")
        self.assertEqual(self.request("GET", "me", token=token).get_json(), profile)

    def test_password_is_stored_as_an_argon2id_hash_only(self):
        self.signup(email="hash@example.com")

        with self.app.app_context():
            stored = User.objects.get(email="hash@example.com").password_hash
        self.assertTrue(stored.startswith("$argon2id$"))
        self.assertNotIn(PASSWORD, stored)

    def test_duplicate_email_is_409_whatever_the_case(self):
        self.signup(email="dup@example.com")

        response = self.signup(email="DUP@example.com")

        self.assert_problem(response, 409)
        with self.app.app_context():
            self.assertEqual(User.objects(email="dup@example.com").count(), 1)

    def test_invalid_fields_are_400_naming_the_field(self):
        cases = [
            ({"email": "not-an-email"}, "email"),
            ({"password": "short"}, "password"),
            ({"password": "x" * 129}, "password"),
            ({"displayName": ""}, "displayName"),
            ({"email": 5}, "email"),
        ]
        for fields, name in cases:
            with self.subTest(fields=str(fields)[:40]):
                self.assert_field_errors(self.signup(**fields), name)
        with self.app.app_context():
            self.assertEqual(User.objects.count(), 0)

    def test_missing_fields_are_named(self):
        response = self.request("POST", "auth/signup", json={})

        body = self.assert_problem(response, 400)
        self.assertEqual({e["field"] for e in body["errors"]}, {"email", "password", "displayName"})

    def test_client_cannot_set_role_id_active_or_timestamps(self):
        for extra in (
            {"role": "admin"},
            {"id": "3f2b6c1e-8d4a-4e8b-9a57-0c1d2e3f4a5b"},
            {"active": False},
            {"createdAt": "2020-01-01T00:00:00Z"},
        ):
            with self.subTest(extra=extra):
                self.assert_field_errors(self.signup(**extra), next(iter(extra)))
        with self.app.app_context():
            self.assertEqual(User.objects.count(), 0)

    def test_signup_needs_no_token(self):
        self.assertEqual(self.signup().status_code, 201)


class TestLogin(TCBase):
    def test_login_returns_a_bearer_token_pair(self):
        user = self.make_user()

        pair = self.login_pair(user.email)

        self.assertEqual(set(pair), {"accessToken", "refreshToken", "tokenType", "expiresIn"})
        self.assertEqual(pair["tokenType"], "Bearer")
        self.assertEqual(pair["expiresIn"], 15 * 60)
        self.assertNotEqual(pair["accessToken"], pair["refreshToken"])

    def test_email_is_matched_case_insensitively(self):
        user = self.make_user(email="case@example.com")

        self.assertTrue(self.login(" Case@Example.com "))
        self.assertEqual(user.email, "case@example.com")

    def test_unknown_email_and_wrong_password_get_the_same_answer(self):
        user = self.make_user()

        wrong = self.request("POST", "auth/login", json={"email": user.email, "password": "wrong password"})
        unknown = self.request("POST", "auth/login", json={"email": random_email(), "password": PASSWORD})
        malformed = self.request("POST", "auth/login", json={"email": "nobody", "password": PASSWORD})

        bodies = [self.assert_problem(r, 401) for r in (wrong, unknown, malformed)]
        for body in bodies:
            body.pop("requestId")
        self.assertEqual(bodies[0], bodies[1])
        self.assertEqual(bodies[0], bodies[2])
        self.assertEqual(wrong.headers["WWW-Authenticate"], unknown.headers["WWW-Authenticate"])

    def test_inactive_user_cannot_log_in(self):
        user = self.make_user(active=False)

        response = self.request("POST", "auth/login", json={"email": user.email, "password": PASSWORD})

        self.assert_problem(response, 401)

    def test_invalid_body_is_400(self):
        self.assert_field_errors(self.request("POST", "auth/login", json={"email": "a@example.com"}), "password")


class TestLockout(TCBase):
    def fail(self, email: str):
        return self.request("POST", "auth/login", json={"email": email, "password": "wrong password"})

    def test_account_locks_after_the_configured_failures_even_for_the_right_password(self):
        user = self.make_user()
        limit = self.app.config["LOGIN_MAX_FAILURES"]
        for _ in range(limit):
            self.assert_problem(self.fail(user.email), 401)

        locked = self.request("POST", "auth/login", json={"email": user.email, "password": PASSWORD})

        self.assert_problem(locked, 429)
        lockout = self.app.config["LOGIN_LOCKOUT_SECONDS"]
        # the lock's own remaining time, not the rate limiter's one-minute window
        self.assertGreater(int(locked.headers["Retry-After"]), lockout - 10)
        self.assertLessEqual(int(locked.headers["Retry-After"]), lockout)

    def test_unknown_emails_lock_the_same_way(self):
        email = random_email()
        for _ in range(self.app.config["LOGIN_MAX_FAILURES"]):
            self.fail(email)

        self.assert_problem(self.fail(email), 429)

    def test_success_resets_the_count(self):
        user = self.make_user()
        for _ in range(self.app.config["LOGIN_MAX_FAILURES"] - 1):
            self.fail(user.email)

        self.login(user.email)
        for _ in range(self.app.config["LOGIN_MAX_FAILURES"] - 1):
            self.assert_problem(self.fail(user.email), 401)

        self.assertEqual(self.login_pair(user.email)["tokenType"], "Bearer")

    def test_lock_lives_in_the_database_and_other_accounts_are_unaffected(self):
        user, other = self.make_user(), self.make_user()
        for _ in range(self.app.config["LOGIN_MAX_FAILURES"]):
            self.fail(user.email)

        with self.app.app_context():
            guard = LoginGuard.objects.get()
        second_app_client = self.app.test_client()

        self.assertIsNotNone(guard.locked_until)
        self.assertNotIn(user.email, guard.key)
        self.assertEqual(
            second_app_client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}).status_code,
            429,
        )
        self.assertEqual(self.login_pair(other.email)["tokenType"], "Bearer")

    def test_failures_outside_the_window_start_a_new_count(self):
        user = self.make_user()
        for _ in range(self.app.config["LOGIN_MAX_FAILURES"] - 1):
            self.fail(user.email)
        with self.app.app_context():
            LoginGuard.objects.update(set__window_started=time.time() - self.app.config["LOGIN_WINDOW_SECONDS"] - 1)

        self.assert_problem(self.fail(user.email), 401)

        with self.app.app_context():
            self.assertEqual(LoginGuard.objects.get().failures, 1)
        self.assertEqual(self.login_pair(user.email)["tokenType"], "Bearer")

    def test_lock_expires(self):
        user = self.make_user()
        for _ in range(self.app.config["LOGIN_MAX_FAILURES"]):
            self.fail(user.email)
        with self.app.app_context():
            LoginGuard.objects.update(set__locked_until=time.time() - 1)  # the lock's time has passed

        self.assertEqual(self.login_pair(user.email)["tokenType"], "Bearer")


class TestHashUpgrade(TCBase):
    def test_hash_with_old_parameters_is_upgraded_at_the_next_login(self):
        user = self.make_user()
        with self.app.app_context():
            old_hash = User.objects.get(id=user.id).password_hash
        self.app.config["ARGON2_TIME_COST"] += 1  # the operator raised the cost
        init_passwords(self.app)

        self.login(user.email)

        with self.app.app_context():
            new_hash = User.objects.get(id=user.id).password_hash
        self.assertNotEqual(new_hash, old_hash)
        self.assertIn(f"t={self.app.config['ARGON2_TIME_COST']},", new_hash)
        self.assertEqual(self.login_pair(user.email)["tokenType"], "Bearer")
