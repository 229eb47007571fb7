"""Admin account management: /users and /users/<id>."""

from __future__ import annotations

import uuid

from tests.views import TCBase


class TestUsers(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.admin, self.admin_token = self.auth(role="admin")
        self.user, self.user_token = self.auth()

    def test_admin_lists_accounts_newest_first_with_paging(self):
        for _ in range(3):
            self.make_user()

        response = self.request("GET", "users?perPage=2", token=self.admin_token)

        self.assertEqual(response.status_code, 200)
        body = response.get_json()
        self.assertEqual((body["total"], body["totalPages"], len(body["items"])), (5, 3, 2))
        self.assertIn('rel="next"', response.headers["Link"])
        stamps = [
            u["createdAt"] for u in self.request("GET", "users?perPage=100", token=self.admin_token).get_json()["items"]
        ]
        self.assertEqual(stamps, sorted(stamps, reverse=True))
        self.assertTrue(all("passwordHash" not in item for item in body["items"]))
        everyone = [
            u["id"]
            for p in (1, 2, 3)
            for u in self.request("GET", f"users?perPage=2&page={p}", token=self.admin_token).get_json()["items"]
        ]
        self.assertEqual(len(set(everyone)), 5)

    def test_bad_paging_parameters_are_400(self):
        response = self.request("GET", "users?page=0&perPage=1000", token=self.admin_token)

        body = self.assert_problem(response, 400)
        self.assertEqual({e["field"] for e in body["errors"]}, {"page", "perPage"})

    def test_admin_shows_one_account(self):
        response = self.request("GET", f"users/{self.user.id}", token=self.admin_token)

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_json()["email"], self.user.email)

    def test_unknown_and_malformed_ids_are_404(self):
        for user_id in (uuid.uuid4(), "nope", "123"):
            with self.subTest(user_id=user_id):
                self.assert_problem(self.request("GET", f"users/{user_id}", token=self.admin_token), 404)
                self.assert_problem(
                    self.request("PATCH", f"users/{user_id}", json={"role": "admin"}, token=self.admin_token), 404
                )

    def test_admin_changes_role_and_the_new_role_applies(self):
        response = self.request("PATCH", f"users/{self.user.id}", json={"role": "admin"}, token=self.admin_token)

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_json()["role"], "admin")
        self.assertEqual(self.request("GET", "users", token=self.user_token).status_code, 200)

    def test_reactivated_user_can_log_in_again(self):
        self.request("PATCH", f"users/{self.user.id}", json={"active": False}, token=self.admin_token)

        response = self.request("PATCH", f"users/{self.user.id}", json={"active": True}, token=self.admin_token)

        self.assertTrue(response.get_json()["active"])
        self.assertEqual(self.login_pair(self.user.email)["tokenType"], "Bearer")

    def test_admin_cannot_demote_or_deactivate_themselves(self):
        for change in ({"role": "user"}, {"active": False}):
            with self.subTest(change=change):
                response = self.request("PATCH", f"users/{self.admin.id}", json=change, token=self.admin_token)

                self.assert_problem(response, 409)
        self.assertEqual(self.request("GET", "users", token=self.admin_token).status_code, 200)

    def test_patch_validation(self):
        for body, field in (
            ({"role": "root"}, "role"),
            ({"active": "no"}, "active"),
            ({"email": "x@example.com"}, "email"),
        ):
            with self.subTest(body=body):
                self.assert_field_errors(
                    self.request("PATCH", f"users/{self.user.id}", json=body, token=self.admin_token), field
                )
        self.assert_problem(self.request("PATCH", f"users/{self.user.id}", json={}, token=self.admin_token), 400)

    def test_non_admin_gets_403_and_anonymous_401(self):
        for method, path, body in (
            ("GET", "users", None),
            ("GET", f"users/{self.admin.id}", None),
            ("PATCH", f"users/{self.admin.id}", {"role": "user"}),
        ):
            with self.subTest(method=method, path=path):
                kwargs = {"json": body} if body else {}
                self.assert_problem(self.request(method, path, token=self.user_token, **kwargs), 403)
                self.assert_problem(self.request(method, path, **kwargs), 401)
