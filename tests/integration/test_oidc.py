"""Sign in with OpenID Connect under gunicorn in production configuration: two workers, one database.

The app runs as `make serve` runs it against nx-27017 and redis-server, with panva's oidc-provider as a
third process. The app's public base URL is https (TLS would end at a proxy), so its cookie is Secure; the
test browser delivers the provider's redirects to the app's local port, as that proxy would. The account
integrity tests add a real `flask worker` and aiosmtpd, so mailed links and notices travel as in production.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

from tests.integration.mail_sink import Mailbox
from tests.integration.servers import BIN, OidcProvider, ServersTestCase, call, free_port, oidc_provider_missing
from tests.oidc_provider import ApiReply, Browser, pkce_pair, query_of

PUBLIC_BASE = "https://api.example.com"
CALLBACK = f"{PUBLIC_BASE}/api/v1/auth/oidc/local/callback"
LOGIN = "/api/v1/auth/oidc/local/login"
RETURN = "https://app.example.com/signed-in"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


class OidcServers(ServersTestCase):
    """gunicorn (two workers), nx-27017, redis-server and the provider; with `with_mail`, a worker and aiosmtpd."""

    needs_mongo_standin = True
    with_mail = False  # a worker and an SMTP sink as well

    def setUp(self) -> None:
        super().setUp()
        missing = oidc_provider_missing()
        if missing:
            self.require("REQUIRE_NODE", missing)
        provider = OidcProvider(CALLBACK)
        self.addCleanup(provider.stop)
        mongo_port = free_port()
        self.start_mongo_standin(mongo_port, self.temp_dir() / "oidc.sqlite")
        mail: dict[str, str] = {}
        if self.with_mail:
            smtp_port, folder = self.start_smtp()
            self.mailbox = Mailbox(folder)
            mail = {"MAIL_PORT": str(smtp_port)}
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
            **mail,
        )
        self.port = self.start_app(env)
        if self.with_mail:
            self.start([str(BIN / "flask"), "--app", "server", "worker"], env=env)
        self.verifier, self.challenge = pkce_pair()

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
        query = "&".join(f"{k}={v}" for k, v in {"codeChallenge": self.challenge, **params}.items())
        start = browser.api(f"{LOGIN}?{query}")
        self.assertEqual(start.status, 302, start.body)
        return browser, browser.authorize(start.headers["Location"], login)

    def exchange(self, code: str, verifier: str | None = None):
        body = {"loginCode": code, "codeVerifier": verifier or self.verifier}
        return call(self.port, "POST", "/api/v1/auth/oidc/token", body)


class TestOidcUnderGunicorn(OidcServers):
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

            pair = self.exchange(code)
            again = self.exchange(code)

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

    def test_a_login_code_is_bound_to_the_verifier_of_the_client_that_asked(self):
        no_challenge = self.browser().api(LOGIN)
        browser, url = self.authorized(f"p{uuid.uuid4().hex[:12]}", returnTo=RETURN)
        code = query_of(browser.callback(url).headers["Location"])["loginCode"]

        without = call(self.port, "POST", "/api/v1/auth/oidc/token", {"loginCode": code})
        intercepted = self.exchange(code, verifier=pkce_pair()[0])
        too_late = self.exchange(code)

        self.assertEqual(no_challenge.status, 400, no_challenge.body)
        self.assertNotIn("Location", no_challenge.headers)
        self.assertEqual(without.status, 400)
        self.assertEqual(intercepted.status, 401)
        self.assertEqual(too_late.status, 401)  # the wrong verifier spent the code


class TestAccountIntegrityUnderGunicorn(OidcServers):
    """The whole story from outside: a link needs the password and the owner's confirmation, the owner is told,
    and a reset evicts whoever linked a provider (and the e-mail change they asked for)."""

    with_mail = True

    def api(self, method: str, path: str, body: object = None, token: str | None = None):
        return call(self.port, method, f"/api/v1/{path}", body, token)

    def verified_account(self, email: str) -> str:
        """Sign up, follow the mailed verification link, log in: the access token."""
        self.assertEqual(
            self.api("POST", "auth/signup", {"email": email, "password": PASSWORD, "displayName": "A"}).status, 201
        )
        token = self.mailbox.token(self.wait_for_subject(email, "Verify your e-mail address"))
        self.assertEqual(self.api("POST", "auth/verify-email", {"token": token}).status, 204)
        return self.api("POST", "auth/login", {"email": email, "password": PASSWORD}).json()["accessToken"]

    def wait_for_subject(self, to: str, subject: str, seconds: float = 30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [m for m in self.mailbox.to(to) if m["Subject"] == subject]
            if found:
                return found[-1]
            time.sleep(0.1)
        raise AssertionError(f"no {subject!r} to {to}: {[m['Subject'] for m in self.mailbox.messages()]}")

    def link_code(self, token: str, login: str) -> str:
        started = self.api(
            "POST",
            "me/identities/local",
            {"password": PASSWORD, "codeChallenge": self.challenge, "returnTo": RETURN},
            token,
        )
        self.assertEqual(started.status, 200, started.body)
        browser = self.browser()
        start = browser.api(started.json()["loginUrl"][len(PUBLIC_BASE) :])
        reply = browser.callback(browser.authorize(start.headers["Location"], login))
        self.assertEqual(reply.status, 302, reply.body)
        return query_of(reply.headers["Location"])["linkCode"]

    def test_link_needs_the_password_and_the_owner_and_a_reset_evicts_it(self):
        owner, intruder_login = "owner@example.com", f"p{uuid.uuid4().hex[:12]}"
        token = self.verified_account(owner)
        bystander = self.verified_account("bystander@example.com")

        bare = self.api("POST", "me/identities/local", {"codeChallenge": self.challenge}, token)
        stolen = self.api(
            "POST",
            "me/identities/local/confirm",
            {"linkCode": self.link_code(token, intruder_login), "codeVerifier": self.verifier},
            bystander,
        )
        linked = self.api(
            "POST",
            "me/identities/local/confirm",
            {"linkCode": self.link_code(token, intruder_login), "codeVerifier": self.verifier},
            token,
        )
        notice = self.mailbox.text(self.wait_for_subject(owner, "A sign-in provider was linked to your account"))

        self.assertEqual(bare.status, 403)
        self.assertEqual(stolen.status, 401)
        self.assertEqual(linked.status, 201, linked.body)
        self.assertIn('"local"', notice)

        # Whoever controls the provider account signs in, and asks to move the account to their address.
        browser, url = self.authorized(intruder_login)
        intruder = self.exchange(json.loads(browser.callback(url).body)["loginCode"]).json()
        moved = self.api("PUT", "me/email", {"email": "intruder@example.com", "password": PASSWORD}, token)
        self.assertEqual(moved.status, 202)

        # The owner recovers the account.
        self.assertEqual(self.api("POST", "auth/password-reset", {"email": owner}).status, 202)
        reset = self.mailbox.token(self.wait_for_subject(owner, "Reset your password"))
        done = self.api("POST", "auth/password-reset/confirm", {"token": reset, "newPassword": NEW_PASSWORD})
        unlinked = self.mailbox.text(self.wait_for_subject(owner, "Sign-in providers were unlinked from your account"))

        self.assertEqual(done.status, 204, done.body)
        self.assertIn(": local.", unlinked)
        self.assertEqual(self.api("GET", "me", token=intruder["accessToken"]).status, 401)
        fresh = self.api("POST", "auth/login", {"email": owner, "password": NEW_PASSWORD}).json()["accessToken"]
        self.assertEqual(self.api("GET", "me/identities", token=fresh).json()["items"], [])
        browser, url = self.authorized(intruder_login)
        elsewhere = self.exchange(json.loads(browser.callback(url).body)["loginCode"]).json()
        self.assertNotEqual(
            self.api("GET", "me", token=elsewhere["accessToken"]).json()["email"], owner
        )  # the provider account no longer opens the owner's
        for message in self.mailbox.to("intruder@example.com"):  # a link mailed before the reset is dead
            confirmed = self.api("POST", "auth/confirm-email", {"token": self.mailbox.token(message)})
            self.assertEqual(confirmed.status, 400)
        self.assertEqual(self.api("GET", "me", token=fresh).json()["email"], owner)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand back redirects instead of following them: the test browser decides where to go."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
