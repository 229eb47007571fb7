"""JWTs: what they carry, every forged or misused token refused with 401, refresh rotation, logout, deactivation."""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt

from app.models import AuthSession, User
from tests.views import PASSWORD, TCBase

# `csrf`: flask-jwt-extended's double-submit value, checked only when the refresh token comes as a cookie.
ALLOWED_CLAIMS = {"sub", "sid", "jti", "type", "role", "iat", "nbf", "exp", "fresh", "csrf"}


def claims_of(token: str) -> dict:
    """The payload of `token`, unverified."""
    return jwt.decode(token, options={"verify_signature": False})


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class TokenBase(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.user = self.make_user()
        self.pair = self.login_pair(self.user.email)
        self.access, self.refresh = self.pair["accessToken"], self.pair["refreshToken"]

    def me(self, token: str | None = None, **kwargs):
        return self.request("GET", "me", token=token, **kwargs)

    def refresh_with(self, token: str | None):
        return self.request("POST", "auth/refresh", token=token)

    def forge(self, token: str | None = None, key: str | None = None, algorithm: str = "HS256", **changes) -> str:
        """Re-sign `token`'s claims (the access token by default) with `changes`; None removes a claim."""
        claims = {**claims_of(token or self.access), **changes}
        claims = {name: value for name, value in claims.items() if value is not None}
        return jwt.encode(claims, key or self.app.config["JWT_SECRET_KEY"], algorithm=algorithm)

    def assert_refused(self, response) -> dict:
        body = self.assert_problem(response, 401)
        self.assertTrue(response.headers["WWW-Authenticate"].startswith("Bearer"))
        return body


class TestConfigUnderTest(TokenBase):
    def test_token_failures_are_tested_as_production_runs(self):
        config = self.app.config

        self.assertEqual((config["DEBUG"], config["TESTING"], config["PROPAGATE_EXCEPTIONS"]), (False, False, False))
        self.assertEqual(config["JWT_ALGORITHM"], "HS256")
        self.assertEqual(config["JWT_DECODE_ALGORITHMS"], ["HS256"])
        # Cookies carry only the cookie transport's refresh token (tests/views/test_cookie_transport.py).
        self.assertEqual(config["JWT_TOKEN_LOCATION"], ["headers", "cookies"])


class TestPayload(TokenBase):
    def test_access_token_carries_ids_type_role_and_times_only(self):
        claims = claims_of(self.access)

        self.assertLessEqual(set(claims), ALLOWED_CLAIMS)
        self.assertLessEqual({"sub", "jti", "type", "role", "iat", "exp"}, set(claims))
        self.assertEqual(claims["sub"], str(self.user.id))
        self.assertEqual((claims["type"], claims["role"]), ("access", "user"))
        self.assertEqual(claims["exp"] - claims["iat"], self.app.config["JWT_ACCESS_TOKEN_MINUTES"] * 60)

    def test_refresh_token_carries_the_same_kind_of_claims_and_lives_longer(self):
        claims = claims_of(self.refresh)

        self.assertLessEqual(set(claims), ALLOWED_CLAIMS)
        self.assertEqual(claims["type"], "refresh")
        self.assertEqual(claims["sid"], claims_of(self.access)["sid"])
        self.assertEqual(claims["exp"] - claims["iat"], self.app.config["JWT_REFRESH_TOKEN_DAYS"] * 24 * 3600)

    def test_nothing_personal_is_in_either_token(self):
        for token in (self.access, self.refresh):
            with self.subTest(type=claims_of(token)["type"]):
                text = json.dumps(claims_of(token)) + json.dumps(jwt.get_unverified_header(token))

                self.assertNotIn(self.user.email, text)
                self.assertNotIn(self.user.display_name, text)
                self.assertNotIn("argon2", text)

    def test_header_names_the_fixed_algorithm(self):
        self.assertEqual(jwt.get_unverified_header(self.access)["alg"], "HS256")

    def test_an_honest_token_is_accepted(self):
        self.assertEqual(self.me(self.access).status_code, 200)
        self.assertEqual(self.me(self.forge()).status_code, 200)


class TestForgedTokens(TokenBase):
    def test_alg_none_is_refused(self):
        unsigned = jwt.encode(claims_of(self.access), None, algorithm="none")
        _, payload, signature = self.access.split(".")

        self.assert_refused(self.me(unsigned))
        self.assert_refused(self.me(f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."))
        self.assert_refused(self.me(f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.{signature}"))

    def test_other_algorithms_are_refused_even_with_the_right_key(self):
        for algorithm in ("HS384", "HS512"):
            with self.subTest(algorithm=algorithm):
                self.assert_refused(self.me(self.forge(algorithm=algorithm)))

    def test_a_header_claiming_another_algorithm_over_a_valid_signature_is_refused(self):
        _, payload, signature = self.access.split(".")

        self.assert_refused(self.me(f"{b64({'alg': 'HS512', 'typ': 'JWT'})}.{payload}.{signature}"))

    def test_another_key_is_refused(self):
        for key in ("x" * 64, self.app.config["SECRET_KEY"], self.app.config["JWT_SECRET_KEY"] + "x"):
            with self.subTest(key=key[:4]):
                self.assert_refused(self.me(self.forge(key=key)))

    def test_a_tampered_payload_is_refused(self):
        header, _, signature = self.access.split(".")
        other = self.make_user(role="admin")
        for change in ({"role": "admin"}, {"sub": str(other.id)}, {"exp": claims_of(self.access)["exp"] + 3600}):
            with self.subTest(change=change):
                tampered = f"{header}.{b64({**claims_of(self.access), **change})}.{signature}"

                self.assert_refused(self.request("GET", "users", token=tampered))

    def test_an_expired_token_is_refused(self):
        now = int(time.time())

        body = self.assert_refused(self.me(self.forge(iat=now - 3600, nbf=now - 3600, exp=now - 1)))

        self.assertIn("expired", body["detail"])

    def test_a_token_not_yet_valid_is_refused(self):
        now = int(time.time())

        self.assert_refused(self.me(self.forge(iat=now, nbf=now + 3600, exp=now + 7200)))

    def test_a_token_without_exp_is_refused(self):
        self.assert_refused(self.me(self.forge(exp=None)))
        self.assert_refused(self.refresh_with(self.forge(self.refresh, exp=None)))

    def test_a_token_without_a_live_session_is_refused(self):
        for sid in (None, str(uuid.uuid4()), "not-a-uuid"):
            with self.subTest(sid=sid):
                self.assert_refused(self.me(self.forge(sid=sid)))

    def test_a_token_for_an_unknown_or_malformed_subject_is_refused(self):
        for sub in (str(uuid.uuid4()), "nobody", ""):
            with self.subTest(sub=sub):
                self.assert_refused(self.me(self.forge(sub=sub)))

    def test_garbage_is_refused(self):
        for token in ("a.b.c", "not-a-token", self.access + "x", self.access[:-3], "\u00e9.\u00e9.\u00e9"):
            with self.subTest(token=token[:12]):
                self.assert_refused(self.me(headers={"Authorization": f"Bearer {token}"}))


class TestTokenTransport(TokenBase):
    def test_no_token_is_401_with_a_bearer_challenge(self):
        self.assert_refused(self.me())

    def test_malformed_authorization_headers_are_refused(self):
        for value in (
            "Bearer",
            "Bearer ",
            f"bearer{self.access}",
            f"Token {self.access}",
            f"JWT {self.access}",
            f"Bearer {self.access} extra",
            "Basic dXNlcjpwYXNz",
            self.access,
        ):
            with self.subTest(value=value[:16]):
                self.assert_refused(self.me(headers={"Authorization": value}))

    def test_a_token_in_the_query_string_is_ignored(self):
        for name in ("access_token", "jwt", "token", "Authorization"):
            with self.subTest(name=name):
                self.assert_refused(self.me(query_string={name: self.access}))

    def test_a_token_in_a_cookie_or_form_is_ignored(self):
        for name in ("access_token_cookie", "refresh_token"):
            with self.subTest(cookie=name):
                self.client.set_cookie(name, self.access, path="/")
                self.assert_refused(self.me())
                self.client.delete_cookie(name, path="/")
        self.assert_refused(self.request("POST", "auth/logout", data={"access_token": self.access}))

    def test_the_query_string_never_reaches_the_access_log(self):
        with self.assertLogs("app.access", level="INFO") as logs:
            self.me(query_string={"access_token": self.access})

        self.assertNotIn(self.access, "\n".join(logs.output))


class TestWrongTokenType(TokenBase):
    def test_a_refresh_token_is_not_an_access_token(self):
        self.assert_refused(self.me(self.refresh))
        self.assert_refused(self.request("POST", "auth/logout", token=self.refresh))
        self.assert_refused(self.request("PATCH", "me", json={"displayName": "X"}, token=self.refresh))

    def test_an_access_token_is_not_a_refresh_token(self):
        self.assert_refused(self.refresh_with(self.access))

    def test_a_forged_type_switch_is_refused(self):
        self.assert_refused(self.refresh_with(self.forge(type="refresh")))


class TestDeletedOrDeactivatedUser(TokenBase):
    def test_the_token_of_a_deleted_user_is_refused(self):
        with self.app.app_context():
            User.objects(id=self.user.id).delete()

        self.assert_refused(self.me(self.access))
        self.assert_refused(self.refresh_with(self.refresh))

    def test_an_admin_deactivating_a_user_stops_their_tokens_at_once(self):
        _, admin_token = self.auth(role="admin")

        response = self.request("PATCH", f"users/{self.user.id}", json={"active": False}, token=admin_token)

        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        self.assert_refused(self.me(self.access))
        self.assert_refused(self.refresh_with(self.refresh))
        self.assert_refused(self.request("POST", "auth/login", json={"email": self.user.email, "password": PASSWORD}))

    def test_reactivation_does_not_revive_old_tokens(self):
        _, admin_token = self.auth(role="admin")
        self.request("PATCH", f"users/{self.user.id}", json={"active": False}, token=admin_token)

        self.request("PATCH", f"users/{self.user.id}", json={"active": True}, token=admin_token)

        self.assert_refused(self.me(self.access))
        self.assert_refused(self.refresh_with(self.refresh))
        self.assertEqual(self.me(self.login(self.user.email)).status_code, 200)

    def test_an_inactive_flag_alone_stops_tokens(self):
        with self.app.app_context():
            User.objects(id=self.user.id).update_one(set__active=False)

        self.assert_refused(self.me(self.access))
        self.assert_refused(self.refresh_with(self.refresh))


class TestRefreshRotation(TokenBase):
    def test_refresh_gives_a_new_pair_of_the_same_session(self):
        response = self.refresh_with(self.refresh)

        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        new = response.get_json()
        self.assertEqual(set(new), {"accessToken", "refreshToken", "tokenType", "expiresIn"})
        self.assertEqual(new["tokenType"], "Bearer")
        self.assertNotEqual(new["refreshToken"], self.refresh)
        self.assertNotEqual(new["accessToken"], self.access)
        self.assertEqual(claims_of(new["refreshToken"])["sid"], claims_of(self.refresh)["sid"])
        self.assertEqual(self.me(new["accessToken"]).status_code, 200)

    def test_the_old_refresh_token_is_spent(self):
        self.refresh_with(self.refresh)

        self.assert_refused(self.refresh_with(self.refresh))

    def test_a_chain_of_refreshes_keeps_working(self):
        token = self.refresh
        for _ in range(3):
            pair = self.refresh_with(token).get_json()
            token = pair["refreshToken"]

        self.assertEqual(self.me(pair["accessToken"]).status_code, 200)

    def test_reusing_a_spent_refresh_token_revokes_the_whole_session(self):
        new = self.refresh_with(self.refresh).get_json()

        self.assert_refused(self.refresh_with(self.refresh))

        self.assert_refused(self.me(new["accessToken"]))
        self.assert_refused(self.refresh_with(new["refreshToken"]))
        self.assert_refused(self.me(self.access))
        with self.app.app_context():
            self.assertTrue(AuthSession.objects.get(id=uuid.UUID(claims_of(self.access)["sid"])).revoked)

    def test_reuse_leaves_the_users_other_sessions_alone(self):
        other = self.login_pair(self.user.email)
        self.refresh_with(self.refresh)

        self.refresh_with(self.refresh)

        self.assertEqual(self.me(other["accessToken"]).status_code, 200)
        self.assertEqual(self.refresh_with(other["refreshToken"]).status_code, 200)

    def test_refresh_without_a_token_is_401(self):
        self.assert_refused(self.refresh_with(None))

    def test_a_forged_refresh_token_is_refused(self):
        self.assert_refused(self.refresh_with(self.forge(self.refresh, key="y" * 64)))
        self.assert_refused(self.refresh_with(self.forge(self.refresh, algorithm="HS512")))


class TestLogout(TokenBase):
    def test_logout_revokes_this_sessions_access_and_refresh_tokens(self):
        response = self.request("POST", "auth/logout", token=self.access)

        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.get_data(), b"")
        self.assert_refused(self.me(self.access))
        self.assert_refused(self.refresh_with(self.refresh))

    def test_another_session_of_the_same_user_keeps_working(self):
        other = self.login_pair(self.user.email)

        self.request("POST", "auth/logout", token=self.access)

        self.assertEqual(self.me(other["accessToken"]).status_code, 200)
        self.assertEqual(self.refresh_with(other["refreshToken"]).status_code, 200)

    def test_logout_then_reuse_is_401(self):
        self.request("POST", "auth/logout", token=self.access)

        self.assert_refused(self.request("POST", "auth/logout", token=self.access))

    def test_tokens_refreshed_before_logout_die_with_the_session(self):
        new = self.refresh_with(self.refresh).get_json()

        self.request("POST", "auth/logout", token=new["accessToken"])

        self.assert_refused(self.me(new["accessToken"]))
        self.assert_refused(self.refresh_with(new["refreshToken"]))

    def test_sessions_live_in_mongodb_and_expire_with_their_refresh_token(self):
        with self.app.app_context():
            session = AuthSession.objects.get(id=uuid.UUID(claims_of(self.refresh)["sid"]))
            indexes = AuthSession.collection().index_information()
        ttl = [spec for spec in indexes.values() if "expireAfterSeconds" in spec]
        self.assertEqual([(spec["key"], spec["expireAfterSeconds"]) for spec in ttl], [([("expires_at", 1)], 0)])
        self.assertAlmostEqual(session.expires_at.timestamp(), claims_of(self.refresh)["exp"], delta=2)
        self.assertFalse(session.revoked)

    def test_logout_needs_an_access_token(self):
        self.assert_refused(self.request("POST", "auth/logout"))
        self.assert_refused(self.request("POST", "auth/logout", token=self.refresh))


class TestBearerChallenge(TCBase):
    def test_no_token_gets_a_bare_challenge_and_a_bad_one_names_the_error(self):
        missing = self.request("GET", "me")
        forged = self.request("GET", "me", token="not.a.token")

        self.assertEqual(self.assert_problem(missing, 401)["status"], 401)
        self.assertEqual(missing.headers["WWW-Authenticate"], 'Bearer realm="api"')  # RFC 6750 §3.1
        self.assert_problem(forged, 401)
        self.assertEqual(forged.headers["WWW-Authenticate"], 'Bearer realm="api", error="invalid_token"')
