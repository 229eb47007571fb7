"""The signed-in user's own account: /me and /me/password."""

from __future__ import annotations

from app.models import AuthSession, User
from tests.views import PASSWORD, TCBase

NEW_PASSWORD = "staple battery horse"


class TestMe(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.user, self.token = self.auth()

    def test_get_me_is_the_public_profile(self):
        response = self.request("GET", "me", token=self.token)

        self.assertEqual(response.status_code, 200)
        profile = response.get_json()
        self.assertEqual(profile["id"], str(self.user.id))
        self.assertNotIn("passwordHash", profile)
        self.assertNotIn("$argon2", response.get_data(as_text=True))

    def test_me_needs_a_token(self):
        for method in ("GET", "PATCH", "DELETE"):
            with self.subTest(method=method):
                self.assert_problem(self.request(method, "me", json={}), 401)
        self.assert_problem(self.request("PUT", "me/password", json={}), 401)

    def test_patch_changes_the_display_name_only(self):
        response = self.request("PATCH", "me", json={"displayName": "Ada King"}, token=self.token)

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_json()["displayName"], "Ada King")
        self.assertEqual(self.request("GET", "me", token=self.token).get_json()["displayName"], "Ada King")

    def test_patch_refuses_fields_a_user_must_not_set(self):
        for field, value in (("role", "admin"), ("active", False), ("email", "x@example.com"), ("passwordHash", "x")):
            with self.subTest(field=field):
                response = self.request("PATCH", "me", json={field: value}, token=self.token)

                self.assert_field_errors(response, field)
        with self.app.app_context():
            stored = User.objects.get(id=self.user.id)
        self.assertEqual((stored.role, stored.active, stored.email), ("user", True, self.user.email))

    def test_patch_validation(self):
        self.assert_problem(self.request("PATCH", "me", json={}, token=self.token), 400)
        self.assert_field_errors(self.request("PATCH", "me", json={"displayName": ""}, token=self.token), "displayName")
        self.assert_field_errors(
            self.request("PATCH", "me", json={"displayName": "x" * 101}, token=self.token), "displayName"
        )


class TestPasswordChange(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.user = self.make_user()
        self.token = self.login(self.user.email)
        self.other_session = self.login_pair(self.user.email)

    def change(self, current: str = PASSWORD, new: str = NEW_PASSWORD):
        return self.request(
            "PUT", "me/password", json={"currentPassword": current, "newPassword": new}, token=self.token
        )

    def test_change_revokes_every_other_session_and_keeps_this_one(self):
        response = self.change()

        self.assertEqual(response.status_code, 204)
        self.assertEqual(self.request("GET", "me", token=self.token).status_code, 200)
        self.assert_problem(self.request("GET", "me", token=self.other_session["accessToken"]), 401)
        self.assert_problem(self.request("POST", "auth/refresh", token=self.other_session["refreshToken"]), 401)
        self.assertEqual(self.login_pair(self.user.email, NEW_PASSWORD)["tokenType"], "Bearer")
        self.assert_problem(
            self.request("POST", "auth/login", json={"email": self.user.email, "password": PASSWORD}), 401
        )

    def test_wrong_current_password_is_403_and_changes_nothing(self):
        self.assert_problem(self.change(current="not my password"), 403)

        self.assertEqual(self.request("GET", "me", token=self.other_session["accessToken"]).status_code, 200)
        self.assertEqual(self.login_pair(self.user.email)["tokenType"], "Bearer")

    def test_new_password_policy(self):
        self.assert_field_errors(self.change(new="short"), "newPassword")
        self.assert_field_errors(self.change(new="x" * 129), "newPassword")
        self.assert_field_errors(
            self.request("PUT", "me/password", json={"newPassword": NEW_PASSWORD}, token=self.token), "currentPassword"
        )


class TestDeleteAccount(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.user = self.make_user()
        self.token = self.login(self.user.email)

    def test_delete_with_password_removes_the_account_and_its_sessions(self):
        response = self.request("DELETE", "me", json={"password": PASSWORD}, token=self.token)

        self.assertEqual(response.status_code, 204)
        with self.app.app_context():
            self.assertEqual(User.objects(id=self.user.id).count(), 0)
            self.assertEqual(AuthSession.objects(user=self.user.id).count(), 0)
        self.assert_problem(self.request("GET", "me", token=self.token), 401)
        self.assert_problem(
            self.request("POST", "auth/login", json={"email": self.user.email, "password": PASSWORD}), 401
        )

    def test_wrong_password_is_403_and_keeps_the_account(self):
        response = self.request("DELETE", "me", json={"password": "not my password"}, token=self.token)

        self.assert_problem(response, 403)
        self.assertEqual(self.request("GET", "me", token=self.token).status_code, 200)

    def test_password_is_required(self):
        self.assert_field_errors(self.request("DELETE", "me", json={}, token=self.token), "password")
        self.assert_problem(self.request("DELETE", "me", token=self.token), 415)
