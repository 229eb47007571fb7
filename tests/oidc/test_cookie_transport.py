"""The provider sign-in's code exchange hands over tokens by the cookie transport too."""

from __future__ import annotations

from app.oidc.codes import issue_login_code
from tests.oidc_provider import pkce_pair
from tests.views import TCBase
from tests.views.test_cookie_transport import AUTH_PATH, set_cookies


class TestOidcCookieTransport(TCBase):
    def exchange(self, **extra):
        user = self.make_user()
        verifier, challenge = pkce_pair()
        with self.app.app_context():
            code = issue_login_code(user, "test", challenge)
        return self.request("POST", "auth/oidc/token", json={"loginCode": code, "codeVerifier": verifier, **extra})

    def test_the_code_exchange_sets_the_refresh_cookie(self):
        response = self.exchange(tokenTransport="cookie")

        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        body = response.get_json()
        self.assertEqual(set(body), {"accessToken", "tokenType", "expiresIn", "csrfToken"})
        cookies = set_cookies(response)
        self.assertEqual(cookies["refresh_token"]["path"], AUTH_PATH)
        self.assertEqual(cookies["csrf_refresh_token"].value, body["csrfToken"])
        refreshed = self.request("POST", "auth/refresh", headers={"X-CSRF-Token": body["csrfToken"]})
        self.assertEqual(refreshed.status_code, 200)

    def test_bearer_stays_the_default(self):
        response = self.exchange()

        self.assertIn("refreshToken", response.get_json())
        self.assertNotIn("Set-Cookie", response.headers)

    def test_an_unknown_transport_is_400(self):
        self.assert_field_errors(self.exchange(tokenTransport="query"), "tokenTransport")
