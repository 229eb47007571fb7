"""The signed-in user's own account: GET/PATCH/DELETE /me and PUT /me/password."""

from __future__ import annotations

from app.models import AuthSession, User
from tests.views import PASSWORD, TCBase

NEW_PASSWORD = "staple battery horse"
PUBLIC_PROFILE = {"id", "email", "displayName", "role", "active", "emailVerified", "createdAt", "updatedAt"}


class MeBase(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.user = self.make_user(display_name="Ada Lovelace")
        self.pair = self.login_pair(self.user.email)
        self.token = self.pair["accessToken"]

    def stored(self) -> User:
        with self.app.app_context():
            return User.objects.get(id=self.user.id)

    def can_log_in(self, password: str) -> bool:
        response = self.request("POST", "auth/login", json={"email": self.user.email, "password": password})
        return response.status_code == 200


class TestGetMe(MeBase):
    def test_returns_my_public_profile(self):
        response = self.request("GET", "me", token=self.token)

        self.assertEqual(response.status_code, 200)
        profile = response.get_json()
        self.assertEqual(set(profile), PUBLIC_PROFILE)
        self.assertEqual(
            (profile["id"], profile["email"], profile["displayName"], profile["role"], profile["active"]),
            (str(self.user.id), self.user.email, "Ada Lovelace", "user", True),
        )
        self.assertNotIn("$argon2", response.get_data(as_text=True))

    def test_shows_only_the_token_holders_account(self):
        other = self.make_user(display_name="Grace Hopper")

        text = self.request("GET", "me", token=self.token).get_data(as_text=True)

        self.assertNotIn(other.email, text)
        self.assertNotIn(str(other.id), text)

    def test_needs_a_token(self):
        for method in ("GET", "PATCH", "DELETE"):
            with self.subTest(method=method):
                self.assert_problem(self.request(method, "me", json={}), 401)
        self.assert_problem(self.request("PUT", "me/password", json={}), 401)


class TestPatchMe(MeBase):
    def test_changes_the_display_name(self):
        response = self.request("PATCH", "me", json={"displayName": "Ada King"}, token=self.token)

        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        self.assertEqual(response.get_json()["displayName"], "Ada King")
        self.assertEqual(set(response.get_json()), PUBLIC_PROFILE)
        self.assertEqual(self.request("GET", "me", token=self.token).get_json()["displayName"], "Ada King")
        self.assertEqual(self.stored().display_name, "Ada King")

    def test_the_display_name_is_stored_trimmed_as_at_sign_up(self):
        response = self.request("PATCH", "me", json={"displayName": "\u3000 Ada King\u00a0\n"}, token=self.token)

        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        self.assertEqual(response.get_json()["displayName"], "Ada King")
        self.assertEqual(self.stored().display_name, "Ada King")

    def test_refuses_fields_a_user_must_not_set_and_changes_nothing(self):
        for field, value in (
            ("role", "admin"),
            ("active", False),
            ("email", "new@example.com"),
            ("id", "3f2b6c1e-8d4a-4e8b-9a57-0c1d2e3f4a5b"),
            ("passwordHash", "$argon2id$x"),
            ("password", NEW_PASSWORD),
            ("createdAt", "2020-01-01T00:00:00.000Z"),
        ):
            with self.subTest(field=field):
                response = self.request("PATCH", "me", json={"displayName": "Sneaky", field: value}, token=self.token)

                self.assert_field_errors(response, field)
        stored = self.stored()
        self.assertEqual(
            (stored.role, stored.active, stored.email, stored.display_name),
            ("user", True, self.user.email, "Ada Lovelace"),
        )
        self.assertTrue(self.can_log_in(PASSWORD))

    def test_validates_the_display_name(self):
        for value in ("", "   ", "x" * 101, 5, None):
            with self.subTest(value=str(value)[:10]):
                response = self.request("PATCH", "me", json={"displayName": value}, token=self.token)

                self.assert_field_errors(response, "displayName")

    def test_an_empty_change_is_400(self):
        self.assert_problem(self.request("PATCH", "me", json={}, token=self.token), 400)

    def test_a_body_that_is_not_json_is_415(self):
        self.assert_problem(self.request("PATCH", "me", data="displayName=x", token=self.token), 415)


class TestPasswordGuessesWithAToken(MeBase):
    def test_wrong_passwords_on_sensitive_changes_count_toward_the_lock_out(self):
        for _ in range(self.app.config["LOGIN_MAX_FAILURES"]):
            self.assert_problem(self.request("DELETE", "me", json={"password": "a wrong guess"}, token=self.token), 403)

        locked = self.request(
            "PUT", "me/password", json={"currentPassword": PASSWORD, "newPassword": "x" * 12}, token=self.token
        )

        self.assert_problem(locked, 429)
        self.assertIn("Retry-After", locked.headers)
        self.assert_problem(
            self.request("POST", "auth/login", json={"email": self.user.email, "password": PASSWORD}), 429
        )


class TestChangePassword(MeBase):
    def setUp(self) -> None:
        super().setUp()
        self.other = self.login_pair(self.user.email)

    def change(self, current: str = PASSWORD, new: str = NEW_PASSWORD, token: str | None = None):
        body = {"currentPassword": current, "newPassword": new}
        return self.request("PUT", "me/password", json=body, token=token or self.token)

    def test_changes_the_password(self):
        response = self.change()

        self.assertEqual(response.status_code, 204, response.get_data(as_text=True))
        self.assertEqual(response.get_data(), b"")
        self.assertTrue(self.can_log_in(NEW_PASSWORD))
        self.assertFalse(self.can_log_in(PASSWORD))
        self.assertTrue(self.stored().password_hash.startswith("$argon2id$"))

    def test_revokes_every_other_session(self):
        third = self.login_pair(self.user.email)

        self.change()

        for pair in (self.other, third):
            self.assert_problem(self.request("GET", "me", token=pair["accessToken"]), 401)
            self.assert_problem(self.request("POST", "auth/refresh", token=pair["refreshToken"]), 401)

    def test_keeps_the_session_that_made_the_change(self):
        self.change()

        self.assertEqual(self.request("GET", "me", token=self.token).status_code, 200)
        self.assertEqual(self.request("POST", "auth/refresh", token=self.pair["refreshToken"]).status_code, 200)
        with self.app.app_context():
            self.assertEqual(AuthSession.objects(user=self.user.id, revoked=False).count(), 1)

    def test_wrong_current_password_is_403_and_changes_nothing(self):
        before = self.stored().password_hash

        response = self.change(current="not my password")

        self.assert_problem(response, 403)
        self.assertEqual(self.stored().password_hash, before)
        self.assertEqual(self.request("GET", "me", token=self.other["accessToken"]).status_code, 200)
        self.assertTrue(self.can_log_in(PASSWORD))

    def test_new_password_policy(self):
        for new in ("x" * 7, "y" * 129, 12345678):
            with self.subTest(new=str(new)[:10]):
                self.assert_field_errors(self.change(new=new), "newPassword")
        self.assertTrue(self.can_log_in(PASSWORD))

    def test_policy_bounds_are_inclusive(self):
        self.assertEqual(self.change(new="z" * 8).status_code, 204)
        self.assertEqual(self.change(current="z" * 8, new="w" * 128).status_code, 204)

    def test_both_fields_are_required_and_nothing_else_is_accepted(self):
        # An account with a password must give it: missing is a 403 like a wrong one (not a guess, so not counted).
        missing = self.request("PUT", "me/password", json={"newPassword": NEW_PASSWORD}, token=self.token)
        self.assertIn("needs your current password", self.assert_problem(missing, 403)["detail"])
        self.assert_field_errors(
            self.request("PUT", "me/password", json={"currentPassword": PASSWORD}, token=self.token), "newPassword"
        )
        body = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD, "email": "x@example.com"}
        self.assert_field_errors(self.request("PUT", "me/password", json=body, token=self.token), "email")
        self.assertTrue(self.can_log_in(PASSWORD))

    def test_responses_never_echo_either_password(self):
        responses = [self.change(current="wrong current pw"), self.change(new="q" * 129), self.change()]

        for response in responses:
            text = response.get_data(as_text=True)
            for secret in (PASSWORD, NEW_PASSWORD, "wrong current pw", "q" * 20):
                self.assertNotIn(secret, text)


class TestDeleteMe(MeBase):
    def delete(self, password: str = PASSWORD, token: str | None = None):
        return self.request("DELETE", "me", json={"password": password}, token=token or self.token)

    def test_deletes_the_account_with_its_sessions(self):
        other = self.login_pair(self.user.email)

        response = self.delete()

        self.assertEqual(response.status_code, 204, response.get_data(as_text=True))
        self.assertEqual(response.get_data(), b"")
        with self.app.app_context():
            self.assertEqual(User.objects(id=self.user.id).count(), 0)
            self.assertEqual(AuthSession.objects(user=self.user.id).count(), 0)
        for pair in (self.pair, other):
            self.assert_problem(self.request("GET", "me", token=pair["accessToken"]), 401)
            self.assert_problem(self.request("POST", "auth/refresh", token=pair["refreshToken"]), 401)
        self.assertFalse(self.can_log_in(PASSWORD))

    def test_leaves_other_accounts_alone(self):
        other_user, other_token = self.auth()

        self.delete()

        self.assertEqual(self.request("GET", "me", token=other_token).get_json()["id"], str(other_user.id))
        with self.app.app_context():
            self.assertEqual(AuthSession.objects(user=other_user.id).count(), 1)

    def test_the_email_is_free_again(self):
        self.delete()

        response = self.request(
            "POST", "auth/signup", json={"email": self.user.email, "password": NEW_PASSWORD, "displayName": "New"}
        )

        self.assertEqual(response.status_code, 201)
        self.assertNotEqual(response.get_json()["id"], str(self.user.id))

    def test_wrong_password_is_403_and_keeps_the_account(self):
        response = self.delete(password="not my password")

        self.assert_problem(response, 403)
        self.assertEqual(self.request("GET", "me", token=self.token).status_code, 200)
        self.assertTrue(self.can_log_in(PASSWORD))

    def test_the_password_is_required(self):
        missing = self.request("DELETE", "me", json={}, token=self.token)
        self.assertIn("needs your current password", self.assert_problem(missing, 403)["detail"])
        self.assert_problem(self.request("DELETE", "me", token=self.token), 415)
        self.assertEqual(self.request("GET", "me", token=self.token).status_code, 200)
