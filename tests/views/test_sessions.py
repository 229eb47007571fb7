"""JWT sessions: what a token holds, which tokens are refused, refresh rotation, reuse, logout, revocation."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import timedelta

import jwt

from app.models import AuthSession, User
from tests.views import PASSWORD, TCBase


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class SessionBase(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.user = self.make_user()
        self.pair = self.login_pair(self.user.email)
        self.access, self.refresh = self.pair["accessToken"], self.pair["refreshToken"]

    def me(self, token: str):
        return self.request("GET", "me", token=token)

    def forge(self, key: str | None = None, algorithm: str = "HS256", **changes) -> str:
        claims = {**claims_of(self.access), **changes}
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key or self.app.config["JWT_SECRET_KEY"], algorithm=algorithm)


class TestTokenContents(SessionBase):
    def test_payload_holds_ids_type_role_and_times_only(self):
        claims = claims_of(self.access)

        self.assertTrue({"sub", "jti", "type", "role", "iat", "exp", "sid"} <= set(claims))
        self.assertLessEqual(set(claims), {"sub", "jti", "type", "role", "iat", "exp", "sid", "nbf", "fresh"})
        self.assertEqual(claims["sub"], str(self.user.id))
        self.assertEqual((claims["type"], claims["role"]), ("access", "user"))
        self.assertNotIn(self.user.email, json.dumps(claims))
        self.assertEqual(claims["exp"] - claims["iat"], 15 * 60)
        self.assertEqual(claims_of(self.refresh)["type"], "refresh")
        self.assertEqual(claims_of(self.refresh)["exp"] - claims_of(self.refresh)["iat"], 7 * 24 * 3600)
        self.assertEqual(jwt.get_unverified_header(self.access)["alg"], "HS256")

    def test_valid_token_works(self):
        self.assertEqual(self.me(self.access).status_code, 200)


class TestRefusedTokens(SessionBase):
    def assert_refused(self, token: str | None = None, headers: dict | None = None, path: str = "me"):
        response = self.request("GET", path, token=token, headers=headers)
        body = self.assert_problem(response, 401)
        self.assertIn("Bearer", response.headers["WWW-Authenticate"])
        return body

    def test_alg_none_is_refused(self):
        header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
        payload = self.access.split(".")[1]

        self.assert_refused(f"{header}.{payload}.")

    def test_other_algorithms_are_refused_even_with_the_right_key(self):
        for algorithm in ("HS512", "HS384"):
            with self.subTest(algorithm=algorithm):
                self.assert_refused(self.forge(algorithm=algorithm))

    def test_tampered_payload_is_refused(self):
        header, _, signature = self.access.split(".")
        claims = {**claims_of(self.access), "role": "admin"}
        payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

        self.assert_refused(f"{header}.{payload}.{signature}")

    def test_wrong_key_is_refused(self):
        self.assert_refused(self.forge(key="x" * 64))

    def test_expired_token_is_refused(self):
        now = int(time.time())
        self.assert_refused(self.forge(iat=now - 3600, exp=now - 60))

    def test_token_without_exp_is_refused(self):
        self.assert_refused(self.forge(exp=None))

    def test_token_without_session_or_with_unknown_session_is_refused(self):
        self.assert_refused(self.forge(sid=None))
        self.assert_refused(self.forge(sid=str(uuid.uuid4())))
        self.assert_refused(self.forge(sid="not-a-uuid"))

    def test_token_for_unknown_or_malformed_subject_is_refused(self):
        self.assert_refused(self.forge(sub=str(uuid.uuid4())))
        self.assert_refused(self.forge(sub="nobody"))

    def test_refresh_token_is_not_an_access_token_and_vice_versa(self):
        self.assert_refused(self.refresh)
        response = self.request("POST", "auth/refresh", token=self.access)
        self.assert_problem(response, 401)

    def test_malformed_headers_and_garbage_are_refused(self):
        self.assert_refused()
        for value in (
            "Bearer",
            "Bearer ",
            "Basic dXNlcjpwYXNz",
            f"Token {self.access}",
            "Bearer a.b.c",
            "Bearer \u00e9",
        ):
            with self.subTest(value=value[:20]):
                self.assert_refused(headers={"Authorization": value})

    def test_token_in_query_string_or_cookie_is_ignored(self):
        self.assert_refused(path=f"/api/v1/me?access_token={self.access}")
        self.assert_refused(path=f"/api/v1/me?jwt={self.access}")
        self.client.set_cookie("access_token_cookie", self.access)
        self.assert_refused()

    def test_deleted_users_token_is_refused(self):
        with self.app.app_context():
            User.objects(id=self.user.id).delete()

        self.assert_refused(self.access)


class TestRefresh(SessionBase):
    def test_refresh_returns_a_new_pair_and_spends_the_old_refresh_token(self):
        response = self.request("POST", "auth/refresh", token=self.refresh)

        self.assertEqual(response.status_code, 200)
        new = response.get_json()
        self.assertEqual(set(new), {"accessToken", "refreshToken", "tokenType", "expiresIn"})
        self.assertNotEqual(new["refreshToken"], self.refresh)
        self.assertEqual(claims_of(new["accessToken"])["sid"], claims_of(self.access)["sid"])
        self.assertEqual(self.me(new["accessToken"]).status_code, 200)
        self.assertEqual(self.request("POST", "auth/refresh", token=new["refreshToken"]).status_code, 200)

    def test_reusing_a_spent_refresh_token_revokes_the_whole_session(self):
        new = self.request("POST", "auth/refresh", token=self.refresh).get_json()

        reuse = self.request("POST", "auth/refresh", token=self.refresh)

        self.assert_problem(reuse, 401)
        self.assert_problem(self.me(new["accessToken"]), 401)
        self.assert_problem(self.me(self.access), 401)
        self.assert_problem(self.request("POST", "auth/refresh", token=new["refreshToken"]), 401)

    def test_reuse_leaves_other_sessions_alone(self):
        other_session = self.login(self.user.email)
        self.request("POST", "auth/refresh", token=self.refresh)

        self.request("POST", "auth/refresh", token=self.refresh)

        self.assertEqual(self.me(other_session).status_code, 200)

    def test_refresh_without_token_is_401(self):
        self.assert_problem(self.request("POST", "auth/refresh"), 401)

    def test_refresh_of_deactivated_user_is_401(self):
        with self.app.app_context():
            User.objects(id=self.user.id).update_one(set__active=False)

        self.assert_problem(self.request("POST", "auth/refresh", token=self.refresh), 401)


class TestLogout(SessionBase):
    def test_logout_revokes_this_session_only(self):
        other = self.login_pair(self.user.email)

        response = self.request("POST", "auth/logout", token=self.access)

        self.assertEqual(response.status_code, 204)
        self.assert_problem(self.me(self.access), 401)
        self.assert_problem(self.request("POST", "auth/refresh", token=self.refresh), 401)
        self.assertEqual(self.me(other["accessToken"]).status_code, 200)
        self.assertEqual(self.request("POST", "auth/refresh", token=other["refreshToken"]).status_code, 200)

    def test_logout_needs_an_access_token(self):
        self.assert_problem(self.request("POST", "auth/logout"), 401)
        self.assert_problem(self.request("POST", "auth/logout", token=self.refresh), 401)

    def test_sessions_are_stored_with_an_expiry_for_the_ttl_index(self):
        with self.app.app_context():
            session = AuthSession.objects.get(id=uuid.UUID(claims_of(self.access)["sid"]))
            ttl = [spec for spec in AuthSession._meta["index_specs"] if spec.get("expireAfterSeconds") == 0]
        self.assertEqual(ttl[0]["fields"], [("expires_at", 1)])
        self.assertAlmostEqual(session.expires_at - session.created_at, timedelta(days=7), delta=timedelta(seconds=5))


class TestDeactivation(SessionBase):
    def test_admin_deactivating_a_user_stops_their_tokens_at_once(self):
        _, admin_token = self.auth(role="admin")

        response = self.request("PATCH", f"users/{self.user.id}", json={"active": False}, token=admin_token)

        self.assertEqual(response.status_code, 200)
        self.assert_problem(self.me(self.access), 401)
        self.assert_problem(self.request("POST", "auth/refresh", token=self.refresh), 401)
        self.assert_problem(
            self.request("POST", "auth/login", json={"email": self.user.email, "password": PASSWORD}), 401
        )
