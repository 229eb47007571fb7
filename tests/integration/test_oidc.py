"""Sign in with OpenID Connect under gunicorn in production configuration: two workers, one database.

The app runs as `make serve` runs it against nx-27017 and redis-server, with panva's oidc-provider as a
third process. The app's public base URL is https (TLS would end at a proxy), so its cookie is Secure; the
test browser delivers the provider's redirects to the app's local port, as that proxy would.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

from tests.integration.servers import OidcProvider, ServersTestCase, call, free_port, oidc_provider_missing
from tests.oidc_provider import ApiReply, Browser, query_of

PUBLIC_BASE = "https://api.example.com"
CALLBACK = f"{PUBLIC_BASE}/api/v1/auth/oidc/local/callback"
LOGIN = "/api/v1/auth/oidc/local/login"
RETURN = "https://app.example.com/signed-in"


class TestOidcUnderGunicorn(ServersTestCase):
    needs_mongo_standin = True

    def setUp(self) -> None:
        super().setUp()
        missing = oidc_provider_missing()
        if missing:
            self.require("REQUIRE_NODE", missing)
        provider = OidcProvider(CALLBACK)
        self.addCleanup(provider.stop)
        mongo_port = free_port()
        self.start_mongo_standin(mongo_port, self.temp_dir() / "oidc.sqlite")
        env = self.production_env(
            f"mongodb://127.0.0.1:{mongo_port}/app",
            self.start_redis(),
            WEB_CONCURRENCY="2",
            OIDC_PROVIDERS="local",
            OIDC_LOCAL_ISSUER=provider.issuer,
            OIDC_LOCAL_CLIENT_ID=provider.client_id,
            OIDC_LOCAL_CLIENT_SECRET=provider.client_secret,
            OIDC_REDIRECT_BASE_URL=PUBLIC_BASE,
            OIDC_RETURN_URLS=RETURN,
        )
        self.port = self.start_app(env)

    def get(self, path: str, cookie: str | None) -> ApiReply:
        """One GET to the app, never following a redirect."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers={"Cookie": cookie or ""})
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=20) as response:
                return ApiReply(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return ApiReply(error.code, dict(error.headers), error.read())

    def browser(self) -> Browser:
        browser = Browser(self.get, CALLBACK)
        self.addCleanup(browser.close)
        return browser

    def authorized(self, login: str, **params: str) -> tuple[Browser, str]:
        browser = self.browser()
        query = "&".join(f"{k}={v}" for k, v in params.items())
        start = browser.api(f"{LOGIN}?{query}" if query else LOGIN)
        self.assertEqual(start.status, 302, start.body)
        return browser, browser.authorize(start.headers["Location"], login)

    def test_sign_in_works_across_workers_and_finds_the_same_user_again(self):
        login = f"p{uuid.uuid4().hex[:12]}"
        user_ids = set()
        for _ in range(3):
            browser, url = self.authorized(login, returnTo=RETURN)
            self.assertEqual(
                browser.cookie_attributes,
                {"path": "/api/v1/auth/oidc", "samesite": "Lax", "secure": True, "httponly": True},
            )
            reply = browser.callback(url)
            self.assertEqual(reply.status, 302, reply.body)
            code = query_of(reply.headers["Location"])["loginCode"]

            pair = call(self.port, "POST", "/api/v1/auth/oidc/token", {"loginCode": code})
            again = call(self.port, "POST", "/api/v1/auth/oidc/token", {"loginCode": code})

            self.assertEqual(pair.status, 200, pair.body)
            self.assertEqual(again.status, 401)  # single use, whichever worker is asked
            me = call(self.port, "GET", "/api/v1/me", token=pair.json()["accessToken"])
            self.assertEqual(me.status, 200)
            user_ids.add(me.json()["id"])
        self.assertEqual(len(user_ids), 1)

    def test_state_checks_hold_across_workers(self):
        browser, url = self.authorized(f"p{uuid.uuid4().hex[:12]}")
        parts = url.split("?", 1)
        params = query_of(url)
        tampered = f"{parts[0]}?code={params['code']}&state={'x' * 43}&iss={params['iss']}"
        missing = f"{parts[0]}?code={params['code']}&iss={params['iss']}"

        self.assertEqual(browser.callback(tampered).status, 401)
        self.assertEqual(browser.callback(missing).status, 401)
        self.assertEqual(self.browser().callback(url).status, 401)  # another browser
        first = browser.callback(url)
        replayed = browser.callback(url)

        self.assertEqual(first.status, 200, first.body)
        self.assertIn("loginCode", json.loads(first.body))
        self.assertEqual(replayed.status, 401)
        self.assertEqual(json.loads(replayed.body)["status"], 401)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand back redirects instead of following them: the test browser decides where to go."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
