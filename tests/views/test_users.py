"""Admin account management: GET /users, GET and PATCH /users/<uuid>."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

from app.models import User
from tests.views import PASSWORD, TCBase

PUBLIC_PROFILE = {"id", "email", "displayName", "role", "active", "emailVerified", "createdAt", "updatedAt"}


def links(header: str) -> dict[str, dict[str, list[str]]]:
    """rel -> query parameters of each link in an RFC 8288 Link header."""
    result = {}
    for part in header.split(","):
        target, rel = part.split(";")
        url = target.strip()[1:-1]
        result[rel.strip().removeprefix('rel="').removesuffix('"')] = parse_qs(urlsplit(url).query)
    return result


class UsersBase(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.admin, self.admin_token = self.auth(role="admin")
        self.user, self.user_token = self.auth()

    def as_admin(self, method: str, path: str, **kwargs):
        return self.request(method, path, token=self.admin_token, **kwargs)


class TestListUsers(UsersBase):
    def test_first_page_with_envelope_and_links(self):
        for _ in range(3):
            self.make_user()

        response = self.as_admin("GET", "users?perPage=2")

        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        body = response.get_json()
        self.assertEqual(set(body), {"items", "page", "perPage", "total", "totalPages"})
        self.assertEqual((body["page"], body["perPage"], body["total"], body["totalPages"]), (1, 2, 5, 3))
        self.assertEqual(len(body["items"]), 2)
        rels = links(response.headers["Link"])
        self.assertEqual(set(rels), {"first", "next", "last"})
        self.assertEqual((rels["next"]["page"], rels["next"]["perPage"]), (["2"], ["2"]))
        self.assertEqual(rels["last"]["page"], ["3"])

    def test_pages_cover_every_account_once_newest_first(self):
        for _ in range(3):
            self.make_user()

        pages = [self.as_admin("GET", f"users?perPage=2&page={n}").get_json()["items"] for n in (1, 2, 3)]

        items = [item for page in pages for item in page]
        self.assertEqual(len({item["id"] for item in items}), 5)
        stamps = [item["createdAt"] for item in items]
        self.assertEqual(stamps, sorted(stamps, reverse=True))
        middle = self.as_admin("GET", "users?perPage=2&page=2")
        self.assertEqual(set(links(middle.headers["Link"])), {"first", "prev", "next", "last"})

    def test_default_page_size_and_items_are_public_profiles(self):
        body = self.as_admin("GET", "users").get_json()

        self.assertEqual((body["page"], body["perPage"], body["total"]), (1, 20, 2))
        for item in body["items"]:
            self.assertEqual(set(item), PUBLIC_PROFILE)

    def test_a_page_past_the_end_is_empty(self):
        response = self.as_admin("GET", "users?page=9")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_json()["items"], [])

    def test_bad_paging_parameters_are_400_naming_the_parameter(self):
        for query, fields in (
            ("page=0", {"page"}),
            ("page=-1", {"page"}),
            ("page=abc", {"page"}),
            ("perPage=0", {"perPage"}),
            ("perPage=101", {"perPage"}),
            ("perPage=1.5", {"perPage"}),
            ("page=0&perPage=1000", {"page", "perPage"}),
        ):
            with self.subTest(query=query):
                body = self.assert_problem(self.as_admin("GET", f"users?{query}"), 400)

                self.assertEqual({e["field"] for e in body["errors"]}, fields)

    def test_no_password_hash_in_the_list(self):
        text = self.as_admin("GET", "users").get_data(as_text=True)

        self.assertNotIn("passwordHash", text)
        self.assertNotIn("$argon2", text)


class TestShowUser(UsersBase):
    def test_admin_sees_one_account(self):
        response = self.as_admin("GET", f"users/{self.user.id}")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(response.get_json()), PUBLIC_PROFILE)
        self.assertEqual(response.get_json()["email"], self.user.email)


class TestPatchUser(UsersBase):
    def test_admin_changes_the_role_and_it_applies_to_existing_tokens(self):
        response = self.as_admin("PATCH", f"users/{self.user.id}", json={"role": "admin"})

        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        self.assertEqual(response.get_json()["role"], "admin")
        self.assertEqual(set(response.get_json()), PUBLIC_PROFILE)
        self.assertEqual(self.request("GET", "users", token=self.user_token).status_code, 200)

    def test_a_demoted_admin_loses_admin_access_at_once(self):
        other_admin, other_token = self.auth(role="admin")

        self.as_admin("PATCH", f"users/{other_admin.id}", json={"role": "user"})

        self.assert_problem(self.request("GET", "users", token=other_token), 403)

    def test_deactivating_stops_the_users_tokens_and_logins(self):
        response = self.as_admin("PATCH", f"users/{self.user.id}", json={"active": False})

        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.get_json()["active"])
        self.assert_problem(self.request("GET", "me", token=self.user_token), 401)
        login = self.request("POST", "auth/login", json={"email": self.user.email, "password": PASSWORD})
        self.assert_problem(login, 401)

    def test_reactivating_lets_the_user_log_in_again(self):
        self.as_admin("PATCH", f"users/{self.user.id}", json={"active": False})

        response = self.as_admin("PATCH", f"users/{self.user.id}", json={"active": True})

        self.assertTrue(response.get_json()["active"])
        self.assertEqual(self.login_pair(self.user.email)["tokenType"], "Bearer")

    def test_role_and_active_together(self):
        response = self.as_admin("PATCH", f"users/{self.user.id}", json={"role": "admin", "active": False})

        self.assertEqual((response.get_json()["role"], response.get_json()["active"]), ("admin", False))
        with self.app.app_context():
            stored = User.objects.get(id=self.user.id)
        self.assertEqual((stored.role, stored.active), ("admin", False))

    def test_admins_cannot_demote_or_deactivate_themselves(self):
        for change in ({"role": "user"}, {"active": False}, {"role": "user", "active": True}):
            with self.subTest(change=change):
                self.assert_problem(self.as_admin("PATCH", f"users/{self.admin.id}", json=change), 409)
        self.assertEqual(self.as_admin("GET", "users").status_code, 200)

    def test_only_role_and_active_may_change(self):
        for body, field in (
            ({"role": "root"}, "role"),
            ({"active": "no"}, "active"),
            ({"email": "x@example.com"}, "email"),
            ({"displayName": "Renamed"}, "displayName"),
            ({"passwordHash": "x"}, "passwordHash"),
            ({"id": str(uuid.uuid4())}, "id"),
        ):
            with self.subTest(field=field):
                self.assert_field_errors(self.as_admin("PATCH", f"users/{self.user.id}", json=body), field)
        self.assert_problem(self.as_admin("PATCH", f"users/{self.user.id}", json={}), 400)
        with self.app.app_context():
            stored = User.objects.get(id=self.user.id)
        self.assertEqual((stored.role, stored.active, stored.email), ("user", True, self.user.email))


class TestUnknownAndMalformedIds(UsersBase):
    def test_unknown_and_malformed_ids_are_404(self):
        for user_id in (uuid.uuid4(), "nope", "123", "00000000-0000-0000-0000", str(self.user.id) + "0"):
            with self.subTest(user_id=str(user_id)):
                self.assert_problem(self.as_admin("GET", f"users/{user_id}"), 404)
                self.assert_problem(self.as_admin("PATCH", f"users/{user_id}", json={"role": "admin"}), 404)


class TestUsersAccess(UsersBase):
    OPERATIONS = (("GET", "users", None), ("GET", "users/{id}", None), ("PATCH", "users/{id}", {"role": "admin"}))

    def calls(self):
        for method, path, body in self.OPERATIONS:
            yield method, path.format(id=self.user.id), ({"json": body} if body else {})

    def test_non_admins_get_403_and_nothing_changes(self):
        for method, path, kwargs in self.calls():
            with self.subTest(method=method, path=path):
                self.assert_problem(self.request(method, path, token=self.user_token, **kwargs), 403)
        with self.app.app_context():
            self.assertEqual(User.objects.get(id=self.user.id).role, "user")

    def test_without_a_token_it_is_401(self):
        for method, path, kwargs in self.calls():
            with self.subTest(method=method, path=path):
                response = self.request(method, path, **kwargs)

                self.assert_problem(response, 401)
                self.assertIn("Bearer", response.headers["WWW-Authenticate"])

    def test_401_comes_before_404_for_anonymous_callers(self):
        self.assert_problem(self.request("GET", f"users/{uuid.uuid4()}"), 401)
        self.assert_problem(self.request("GET", "users/nope"), 401)
