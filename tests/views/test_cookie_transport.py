"""The cookie transport: the refresh token as an HttpOnly cookie, spent only with its CSRF token from our origins."""

from __future__ import annotations

from http.cookies import SimpleCookie

from app.models import AuthSession
from config import TestConfig
from tests.views import PASSWORD, TCBase
from tests.views.probe import PROBE, ProbeTCBase
from tests.views.test_tokens import claims_of

APP_ORIGIN = "http://localhost:5173"
AUTH_PATH = "/api/v1/auth"


class WithBrowserApp(TestConfig):
    CORS_ORIGINS = [APP_ORIGIN]


def set_cookies(response) -> dict[str, SimpleCookie]:
    """The response's Set-Cookie headers by cookie name, parsed."""
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            found[name] = cookie[name]
    return found


class CookieBase(TCBase):
    config = WithBrowserApp

    def setUp(self) -> None:
        super().setUp()
        self.user = self.make_user()

    def cookie_login(self, **extra) -> dict:
        response = self.request(
            "POST", "auth/login", json={"email": self.user.email, "password": PASSWORD, "tokenTransport": "cookie"}
        )
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        self.last = response
        return response.get_json()

    def refresh_cookie(self) -> str | None:
        cookie = self.client.get_cookie("refresh_token", path=AUTH_PATH)
        return None if cookie is None else cookie.value

    def refresh(self, csrf: str | None, origin: str | None = None):
        headers = {} if csrf is None else {"X-CSRF-Token": csrf}
        if origin is not None:
            headers["Origin"] = origin
        return self.request("POST", "auth/refresh", headers=headers)

    def logout(self, csrf: str | None, origin: str | None = None):
        headers = {} if csrf is None else {"X-CSRF-Token": csrf}
        if origin is not None:
            headers["Origin"] = origin
        return self.request("POST", "auth/logout", headers=headers)

    def session_revoked(self) -> bool:
        with self.app.app_context():
            return AuthSession.objects.get(user=self.user.id).revoked


class TestCookieLogin(CookieBase):
    def test_the_body_has_no_refresh_token_and_a_csrf_token(self):
        body = self.cookie_login()

        self.assertEqual(set(body), {"accessToken", "tokenType", "expiresIn", "csrfToken"})
        self.assertEqual(self.request("GET", "me", token=body["accessToken"]).status_code, 200)

    def test_the_refresh_cookie_is_httponly_strict_scoped_to_auth_and_lives_as_long_as_the_token(self):
        self.cookie_login()
        cookie = set_cookies(self.last)["refresh_token"]

        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["samesite"], "Strict")
        self.assertEqual(cookie["path"], AUTH_PATH)
        self.assertEqual(int(cookie["max-age"]), self.app.config["JWT_REFRESH_TOKEN_DAYS"] * 24 * 3600)
        self.assertTrue(cookie["expires"])  # persistent, not a browser-session cookie
        self.assertFalse(cookie["secure"])  # plain HTTP in tests; production below
        self.assertFalse(cookie["domain"])  # host-only unless COOKIE_DOMAIN is set
        self.assertEqual(cookie.value, self.refresh_cookie())

    def test_the_csrf_cookie_is_readable_site_wide_and_equals_the_body(self):
        body = self.cookie_login()
        cookie = set_cookies(self.last)["csrf_refresh_token"]

        self.assertFalse(cookie["httponly"])
        self.assertEqual((cookie["samesite"], cookie["path"]), ("Strict", "/"))
        self.assertEqual(cookie.value, body["csrfToken"])

    def test_bearer_is_the_default_and_sets_no_cookie(self):
        for extra in ({}, {"tokenTransport": "bearer"}):
            with self.subTest(extra=extra):
                response = self.request(
                    "POST", "auth/login", json={"email": self.user.email, "password": PASSWORD, **extra}
                )

                self.assertEqual(response.status_code, 200)
                self.assertEqual(set(response.get_json()), {"accessToken", "refreshToken", "tokenType", "expiresIn"})
                self.assertNotIn("Set-Cookie", response.headers)

    def test_an_unknown_transport_is_400(self):
        response = self.request(
            "POST", "auth/login", json={"email": self.user.email, "password": PASSWORD, "tokenTransport": "url"}
        )

        self.assert_field_errors(response, "tokenTransport")
        self.assertNotIn("Set-Cookie", response.headers)

    def test_a_wrong_password_sets_no_cookie(self):
        response = self.request(
            "POST", "auth/login", json={"email": self.user.email, "password": "wrong " * 3, "tokenTransport": "cookie"}
        )

        self.assert_problem(response, 401)
        self.assertNotIn("Set-Cookie", response.headers)


class TestCookieRefresh(CookieBase):
    def test_refresh_with_the_csrf_header_rotates_the_cookie_and_the_csrf_token(self):
        first = self.cookie_login()
        old_cookie = self.refresh_cookie()

        response = self.refresh(first["csrfToken"])

        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        body = response.get_json()
        self.assertEqual(set(body), {"accessToken", "tokenType", "expiresIn", "csrfToken"})
        self.assertNotEqual(body["csrfToken"], first["csrfToken"])
        self.assertNotEqual(self.refresh_cookie(), old_cookie)
        self.assertEqual(set_cookies(response)["csrf_refresh_token"].value, body["csrfToken"])
        self.assertEqual(self.request("GET", "me", token=body["accessToken"]).status_code, 200)
        # The old CSRF token is bound to the spent cookie, not the new one.
        self.assert_problem(self.refresh(first["csrfToken"]), 403)
        self.assertEqual(self.refresh(body["csrfToken"]).status_code, 200)

    def test_a_missing_or_wrong_csrf_header_is_403_and_spends_nothing(self):
        body = self.cookie_login()

        for csrf in (None, "", "not-the-token", body["csrfToken"] + "x"):
            with self.subTest(csrf=csrf):
                self.assert_problem(self.refresh(csrf), 403)
                self.assert_problem(self.logout(csrf), 403)

        self.assertFalse(self.session_revoked())
        self.assertEqual(self.refresh(body["csrfToken"]).status_code, 200)

    def test_without_a_cookie_or_a_header_is_401(self):
        self.assert_problem(self.refresh("anything"), 401)
        self.assert_problem(self.logout("anything"), 401)

    def test_a_spent_cookie_presented_again_revokes_the_session(self):
        first = self.cookie_login()
        spent = self.refresh_cookie()
        second = self.refresh(first["csrfToken"]).get_json()

        self.client.set_cookie("refresh_token", spent, path=AUTH_PATH)
        replay = self.refresh(first["csrfToken"])

        self.assert_problem(replay, 401)
        self.assertTrue(self.session_revoked())
        self.assert_problem(self.request("GET", "me", token=second["accessToken"]), 401)

    def test_an_authorization_header_wins_over_the_cookie(self):
        self.cookie_login()
        pair = self.login_pair(self.user.email)

        response = self.request("POST", "auth/refresh", token=pair["refreshToken"])

        self.assertEqual(response.status_code, 200)
        self.assertIn("refreshToken", response.get_json())
        self.assertNotIn("Set-Cookie", response.headers)

    def test_an_access_token_in_the_refresh_cookie_is_refused(self):
        access = self.cookie_login()["accessToken"]
        self.client.set_cookie("refresh_token", access, path=AUTH_PATH)

        # With the access token's own CSRF value, only its type is wrong.
        self.assert_problem(self.refresh(claims_of(access)["csrf"]), 401)


class TestOrigin(CookieBase):
    def test_the_apis_own_origin_and_listed_ones_may_use_the_cookie(self):
        body = self.cookie_login()

        for origin in ("http://localhost", APP_ORIGIN, APP_ORIGIN.upper()):
            with self.subTest(origin=origin):
                response = self.refresh(body["csrfToken"], origin=origin)

                self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
                body = response.get_json()

    def test_a_foreign_or_null_origin_is_403(self):
        body = self.cookie_login()

        for origin in ("https://evil.example", "http://localhost:5174", "https://localhost", "null"):
            with self.subTest(origin=origin):
                self.assert_problem(self.refresh(body["csrfToken"], origin=origin), 403)
                self.assert_problem(self.logout(body["csrfToken"], origin=origin), 403)

        self.assertFalse(self.session_revoked())


class TestCookieLogout(CookieBase):
    def test_logout_revokes_the_session_and_clears_both_cookies(self):
        body = self.cookie_login()

        response = self.logout(body["csrfToken"], origin=APP_ORIGIN)

        self.assertEqual(response.status_code, 204)
        cleared = set_cookies(response)
        self.assertEqual(set(cleared), {"refresh_token", "csrf_refresh_token"})
        self.assertEqual((cleared["refresh_token"].value, cleared["refresh_token"]["path"]), ("", AUTH_PATH))
        self.assertEqual((cleared["csrf_refresh_token"].value, cleared["csrf_refresh_token"]["path"]), ("", "/"))
        self.assertIsNone(self.refresh_cookie())
        self.assertTrue(self.session_revoked())
        self.assert_problem(self.request("GET", "me", token=body["accessToken"]), 401)

    def test_logout_with_the_access_token_also_clears_a_cookie_sent_along(self):
        body = self.cookie_login()

        response = self.request("POST", "auth/logout", token=body["accessToken"])

        self.assertEqual(response.status_code, 204)
        self.assertEqual(set(set_cookies(response)), {"refresh_token", "csrf_refresh_token"})
        self.assertTrue(self.session_revoked())

    def test_a_bearer_logout_sets_no_cookie(self):
        response = self.request("POST", "auth/logout", token=self.login(self.user.email))

        self.assertEqual(response.status_code, 204)
        self.assertNotIn("Set-Cookie", response.headers)


class TestCors(CookieBase):
    def preflight(self, path: str):
        return self.request(
            "OPTIONS",
            path,
            headers={
                "Origin": APP_ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "Content-Type, X-CSRF-Token",
            },
        )

    def test_listed_origins_may_send_credentials_and_the_csrf_header(self):
        response = self.preflight("auth/refresh")

        self.assertEqual(response.headers["Access-Control-Allow-Origin"], APP_ORIGIN)
        self.assertEqual(response.headers["Access-Control-Allow-Credentials"], "true")
        self.assertIn("x-csrf-token", response.headers["Access-Control-Allow-Headers"].lower())

    def test_other_origins_get_no_cors_headers(self):
        response = self.request("POST", "auth/refresh", headers={"Origin": "https://evil.example"})

        self.assertNotIn("Access-Control-Allow-Origin", response.headers)
        self.assertNotIn("Access-Control-Allow-Credentials", response.headers)


class AnyOrigin(TestConfig):
    CORS_ORIGINS = ["*"]


class TestCorsWildcard(ProbeTCBase):
    config = AnyOrigin

    def test_a_wildcard_never_allows_credentials(self):
        response = self.request("GET", PROBE, headers={"Origin": "https://evil.example"})

        self.assertIn("Access-Control-Allow-Origin", response.headers)  # flask-cors echoes the origin
        self.assertNotIn("Access-Control-Allow-Credentials", response.headers)

    def test_a_wildcard_lets_no_origin_use_the_cookie(self):
        user = self.make_user()
        body = self.request(
            "POST", "auth/login", json={"email": user.email, "password": PASSWORD, "tokenTransport": "cookie"}
        ).get_json()

        response = self.request(
            "POST", "auth/refresh", headers={"X-CSRF-Token": body["csrfToken"], "Origin": "https://evil.example"}
        )

        self.assert_problem(response, 403)


class SharedCookieDomain(WithBrowserApp):
    COOKIE_DOMAIN = "localhost.localdomain"
    COOKIE_SECURE = True


class TestCookieSettings(TCBase):
    config = SharedCookieDomain

    def test_cookie_domain_and_secure_reach_both_cookies(self):
        user = self.make_user()
        response = self.request(
            "POST", "auth/login", json={"email": user.email, "password": PASSWORD, "tokenTransport": "cookie"}
        )

        for name, cookie in set_cookies(response).items():
            with self.subTest(cookie=name):
                self.assertTrue(cookie["secure"])
                self.assertEqual(cookie["domain"], "localhost.localdomain")
