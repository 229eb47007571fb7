"""Sign in with OpenID Connect, against panva's oidc-provider running as its own process."""

from __future__ import annotations

import os
import socket
import unittest
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from app.models import User, utcnow
from app.oidc.models import Identity, LinkCode, LinkTicket, LoginCode, OidcState
from config import TestConfig
from tests.integration.servers import OidcProvider, oidc_provider_missing
from tests.oidc_provider import ApiReply, Browser, pkce_pair, query_of
from tests.views import PASSWORD, TCBase

BASE = "http://localhost"
CALLBACK = f"{BASE}/api/v1/auth/oidc/local/callback"
LOGIN = "auth/oidc/local/login"
RETURN = "https://app.example.com/signed-in"
MOBILE_RETURN = "com.example.app:/oauth"
NEW_PASSWORD = "a brand new passphrase"


def require_provider() -> None:
    """Fail when CI says Node.js must be there (REQUIRE_NODE), otherwise skip."""
    missing = oidc_provider_missing()
    if missing is None:
        return
    if os.environ.get("REQUIRE_NODE"):
        raise AssertionError(f"REQUIRE_NODE is set but {missing} is not installed")
    raise unittest.SkipTest(f"needs {missing}; CI installs it and sets REQUIRE_NODE=1")


def oidc_config(issuer: str, client_secret: str, base: type[TestConfig] = TestConfig, **extra: str) -> type:
    """A test config whose environment names one provider, `local`, read through the real variables."""
    environ = {
        "OIDC_PROVIDERS": "local",
        "OIDC_LOCAL_ISSUER": issuer,
        "OIDC_LOCAL_CLIENT_ID": "api",
        "OIDC_LOCAL_CLIENT_SECRET": client_secret,
        "OIDC_REDIRECT_BASE_URL": BASE,
        "OIDC_RETURN_URLS": f"{RETURN},{MOBILE_RETURN}",
        **extra,
    }

    class OidcTestConfig(base):
        @classmethod
        def settings(cls, _environ: Any = None) -> dict[str, Any]:
            return super().settings({**os.environ, **environ})

    return OidcTestConfig


def person() -> str:
    """A fresh login name at the provider: a verified <name>@example.com of its own."""
    return f"p{uuid.uuid4().hex[:12]}"


class OidcCase(TCBase):
    """A TCBase whose app signs in with the class's own oidc-provider process."""

    provider: OidcProvider

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        require_provider()
        cls.provider = OidcProvider(CALLBACK)
        cls.addClassCleanup(cls.provider.stop)
        cls.config = oidc_config(cls.provider.issuer, cls.provider.client_secret, base=cls.base_config)

    base_config: type[TestConfig] = TestConfig

    def setUp(self) -> None:
        super().setUp()
        # The client app's PKCE pair for this test's sign-ins (RFC 7636): the verifier never leaves the test.
        self.verifier, self.challenge = pkce_pair()

    def browser(self) -> Browser:
        """A new browser: its own provider session and its own API cookie."""
        client = self.app.test_client(use_cookies=False)

        def get(path: str, cookie: str | None) -> ApiReply:
            response = client.get(path, headers={"Cookie": cookie} if cookie else {})
            return ApiReply(response.status_code, dict(response.headers), response.get_data())

        browser = Browser(get, CALLBACK)
        self.addCleanup(browser.close)
        return browser

    def login_path(self, **params: str | None) -> str:
        """The login URL with this test's `codeChallenge` (pass codeChallenge=None to leave it out)."""
        params = {"codeChallenge": self.challenge, **params}
        query = {key: value for key, value in params.items() if value is not None}
        return f"/api/v1/{LOGIN}" + (f"?{urlencode(query)}" if query else "")

    def exchange(self, code: str, verifier: str | None = None) -> Any:
        """POST /auth/oidc/token with the code and (by default) this test's verifier."""
        body = {"loginCode": code, "codeVerifier": verifier or self.verifier}
        return self.request("POST", "auth/oidc/token", json=body)

    def sign_in_code(self, login: str, browser: Browser | None = None) -> str:
        reply = (browser or self.browser()).sign_in(self.login_path(), login)
        self.assertEqual(reply.status, 200, reply.body)
        return self.json(reply)["loginCode"]

    def sign_in_pair(self, login: str) -> dict[str, Any]:
        response = self.exchange(self.sign_in_code(login))
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        return response.get_json()

    @staticmethod
    def json(reply: ApiReply) -> dict[str, Any]:
        import json

        return json.loads(reply.body)

    def assert_reply_problem(self, reply: ApiReply, status: int) -> dict[str, Any]:
        self.assertEqual(reply.status, status, reply.body)
        self.assertEqual(reply.headers["Content-Type"], "application/problem+json")
        self.assertNotIn("Location", reply.headers)
        body = self.json(reply)
        self.assertEqual(body["status"], status)
        return body

    def count(self, model: type, **query: Any) -> int:
        with self.app.app_context():
            return model.objects(**query).count()


class TestProviders(OidcCase):
    def test_lists_the_configured_providers_with_their_login_urls(self):
        response = self.request("GET", "auth/oidc/providers")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_json(), {"items": [{"name": "local", "loginUrl": f"{BASE}/api/v1/{LOGIN}"}]})

    def test_unknown_provider_is_404_everywhere(self):
        for path in ("auth/oidc/other/login", "auth/oidc/other/callback?state=x&code=y"):
            with self.subTest(path=path):
                self.assert_problem(self.request("GET", path), 404)


class TestNoProvider(TCBase):
    def test_no_provider_configured_lists_none_and_has_no_login(self):
        self.assertEqual(self.request("GET", "auth/oidc/providers").get_json(), {"items": []})
        self.assert_problem(self.request("GET", LOGIN), 404)
        body = {"loginCode": "x", "codeVerifier": "v" * 43}
        self.assert_problem(self.request("POST", "auth/oidc/token", json=body), 401)


class TestAuthorizationRequest(OidcCase):
    def test_the_redirect_carries_code_s256_the_fixed_callback_and_scope_whatever_the_caller_adds(self):
        extra = {"response_type": "token", "redirect_uri": "https://evil.example/cb", "scope": "openid admin"}
        for params in ({}, extra, {**extra, "code_challenge_method": "plain", "state": "mine", "nonce": "mine"}):
            with self.subTest(params=params):
                browser = self.browser()
                reply = browser.api(self.login_path(**params))

                self.assertEqual(reply.status, 302)
                location = reply.headers["Location"]
                self.assertTrue(location.startswith(f"{self.provider.issuer}/auth?"), location)
                query = query_of(location)
                self.assertEqual(query["response_type"], "code")
                self.assertEqual(query["redirect_uri"], CALLBACK)
                self.assertEqual(query["scope"], "openid email profile")
                self.assertEqual(query["client_id"], "api")
                self.assertEqual(query["code_challenge_method"], "S256")
                self.assertGreaterEqual(len(query["code_challenge"]), 43)
                self.assertGreaterEqual(len(query["state"]), 43)  # 256 random bits
                self.assertGreaterEqual(len(query["nonce"]), 43)
                self.assertNotIn("mine", (query["state"], query["nonce"]))
                self.assertNotIn("prompt", query)

    def test_each_login_has_fresh_state_nonce_and_challenge(self):
        browser = self.browser()
        first = query_of(browser.api(self.login_path()).headers["Location"])
        second = query_of(browser.api(self.login_path()).headers["Location"])

        for key in ("state", "nonce", "code_challenge"):
            self.assertNotEqual(first[key], second[key])

    def test_state_lives_server_side_and_the_browser_holds_an_opaque_httponly_lax_cookie(self):
        browser = self.browser()
        query = query_of(browser.api(self.login_path()).headers["Location"])

        self.assertEqual(
            browser.cookie_attributes,
            {"path": "/api/v1/auth/oidc", "samesite": "Lax", "secure": "", "httponly": True},
        )
        self.assertGreaterEqual(len(browser.cookie), 43)
        self.assertNotIn(query["state"], browser.cookie)
        with self.app.app_context():
            stored = OidcState.collection().find_one({})
        self.assertEqual(stored["nonce"], query["nonce"])  # the nonce is the server's
        self.assertNotIn(query["state"], str(stored))  # state and cookie are kept only hashed
        self.assertNotIn(browser.cookie, str(stored))

    def test_return_to_near_misses_are_400_with_no_redirect_and_nothing_stored(self):
        for return_to in (
            "https://app.example.com.evil/signed-in",
            "https://app.example.evil/signed-in",
            f"{RETURN}/more",
            f"{RETURN}?x=1",
            RETURN.replace("https", "http"),
            RETURN.upper(),
            "//evil.example/signed-in",
            "https://evil.example/?https://app.example.com/signed-in",
            "",
        ):
            with self.subTest(return_to=return_to):
                response = self.request("GET", self.login_path(returnTo=return_to))

                body = self.assert_problem(response, 400)
                self.assertNotIn("Location", response.headers)
                self.assertEqual(body["errors"][0]["field"], "returnTo")
        self.assertEqual(self.count(OidcState), 0)


class TestSignIn(OidcCase):
    def test_happy_path_gives_a_token_pair_that_works_and_a_second_login_finds_the_same_user(self):
        login = person()
        pair = self.sign_in_pair(login)
        me = self.request("GET", "me", token=pair["accessToken"])

        self.assertEqual(me.status_code, 200)
        self.assertEqual(me.get_json()["email"], f"{login}@example.com")
        self.assertEqual(me.get_json()["displayName"], f"Person {login}")
        again = self.request("GET", "me", token=self.sign_in_pair(login)["accessToken"])
        self.assertEqual(again.get_json()["id"], me.get_json()["id"])
        self.assertEqual(self.count(User, email=f"{login}@example.com"), 1)
        self.assertEqual(self.count(Identity, subject=login, issuer=self.provider.issuer), 1)
        self.assertEqual(self.request("POST", "auth/refresh", token=pair["refreshToken"]).status_code, 200)

    def test_with_return_to_the_code_comes_back_in_a_redirect_and_no_jwt_in_any_url(self):
        for return_to in (RETURN, MOBILE_RETURN):
            with self.subTest(return_to=return_to):
                browser = self.browser()
                start = browser.api(self.login_path(returnTo=return_to))
                reply = browser.callback(browser.authorize(start.headers["Location"], person()))

                self.assertEqual(reply.status, 302, reply.body)
                location = reply.headers["Location"]
                self.assertTrue(location.startswith(return_to + "?loginCode="), location)
                self.assertNotIn("eyJ", location)  # no JWT
                code = query_of(location)["loginCode"]
                self.assertGreaterEqual(len(code), 43)
                self.assertEqual(self.exchange(code).status_code, 200)

    def test_the_login_code_works_once_and_is_stored_only_hashed(self):
        code = self.sign_in_code(person())
        with self.app.app_context():
            stored = str(LoginCode.collection().find_one({}))

        first = self.exchange(code)
        second = self.exchange(code)

        self.assertNotIn(code, stored)
        self.assertEqual(first.status_code, 200)
        self.assertEqual(set(first.get_json()), {"accessToken", "refreshToken", "tokenType", "expiresIn"})
        self.assert_problem(second, 401)

    def test_an_expired_or_unknown_login_code_is_401(self):
        code = self.sign_in_code(person())
        with self.app.app_context():
            LoginCode.objects.update(set__expires_at=utcnow() - timedelta(seconds=1))

        self.assert_problem(self.exchange(code), 401)
        self.assert_problem(self.exchange("x" * 43), 401)

    def test_the_login_code_lives_60_seconds(self):
        self.sign_in_code(person())
        with self.app.app_context():
            code = LoginCode.objects.first()
        self.assertAlmostEqual((code.expires_at - code.created_at).total_seconds(), 60, delta=1)

    def test_a_malformed_exchange_is_400(self):
        self.assert_field_errors(
            self.request("POST", "auth/oidc/token", json={"code": "x"}), "code", "loginCode", "codeVerifier"
        )
        self.assert_problem(self.request("POST", "auth/oidc/token", data="x", content_type="text/plain"), 415)

    def test_an_inactive_account_cannot_sign_in_through_a_provider(self):
        login = person()
        pair = self.sign_in_pair(login)
        with self.app.app_context():
            User.objects(email=f"{login}@example.com").update_one(set__active=False)

        self.assert_reply_problem(self.browser().sign_in(self.login_path(), login), 401)
        self.assert_problem(self.request("GET", "me", token=pair["accessToken"]), 401)

    def test_a_code_issued_before_deactivation_is_refused(self):
        login = person()
        code = self.sign_in_code(login)
        with self.app.app_context():
            User.objects(email=f"{login}@example.com").update_one(set__active=False)

        self.assert_problem(self.exchange(code), 401)


class TestCallbackChecks(OidcCase):
    def authorized(self, browser: Browser | None = None, login: str | None = None) -> tuple[Browser, str]:
        """A browser that went through the provider, and the callback URL it is about to deliver."""
        browser = browser or self.browser()
        start = browser.api(self.login_path())
        return browser, browser.authorize(start.headers["Location"], login or person())

    @staticmethod
    def with_params(url: str, **changes: str | None) -> str:
        params = {**query_of(url), **changes}
        return f"{urlsplit(url).path}?{urlencode({k: v for k, v in params.items() if v is not None})}"

    def test_the_callback_names_the_issuer_and_works_once(self):
        browser, url = self.authorized()
        self.assertEqual(query_of(url)["iss"], self.provider.issuer)  # RFC 9207, sent by this provider

        self.assertEqual(browser.callback(url).status, 200)
        self.assert_reply_problem(browser.callback(url), 401)  # replayed

    def test_missing_or_tampered_state_is_401(self):
        for changes in ({"state": None}, {"state": "x" * 43}, {"state": ""}):
            with self.subTest(changes=changes):
                browser, url = self.authorized()
                self.assert_reply_problem(browser.api(self.with_params(url, **changes)), 401)

    def test_an_expired_state_is_401(self):
        browser, url = self.authorized()
        with self.app.app_context():
            OidcState.objects.update(set__expires_at=utcnow() - timedelta(seconds=1))

        self.assert_reply_problem(browser.callback(url), 401)

    def test_a_state_delivered_by_another_browser_is_401_and_stays_good_for_its_own(self):
        browser, url = self.authorized()
        other = self.browser()
        other.api(self.login_path())  # the other browser has a cookie of its own

        self.assert_reply_problem(other.callback(url), 401)
        self.assert_reply_problem(self.browser().callback(url), 401)  # and one without any cookie
        self.assertEqual(browser.callback(url).status, 200)

    def test_another_browsers_code_with_this_browsers_state_is_401(self):
        _, victim_url = self.authorized()
        attacker, attacker_url = self.authorized()

        stolen = self.with_params(attacker_url, code=query_of(victim_url)["code"])

        self.assert_reply_problem(attacker.api(stolen), 401)  # the PKCE verifier does not match that code

    def test_a_tampered_nonce_is_401(self):
        browser, url = self.authorized()
        with self.app.app_context():
            OidcState.objects.update(set__nonce="not-the-nonce-the-provider-put-in-the-id-token")

        self.assert_reply_problem(browser.callback(url), 401)

    def test_an_issuer_mismatch_or_a_missing_issuer_is_401(self):
        for iss in ("https://evil.example", self.provider.issuer + "/", None):
            with self.subTest(iss=iss):
                browser, url = self.authorized()
                self.assert_reply_problem(browser.api(self.with_params(url, iss=iss)), 401)

    def test_a_missing_code_is_401(self):
        browser, url = self.authorized()
        self.assert_reply_problem(browser.api(self.with_params(url, code=None)), 401)

    def test_access_denied_at_the_provider_is_401_and_spends_the_state(self):
        browser = self.browser()
        start = browser.api(self.login_path())
        url = browser.authorize(start.headers["Location"], abort=True)

        self.assertEqual(query_of(url)["error"], "access_denied")
        body = self.assert_reply_problem(browser.callback(url), 401)
        self.assertIn("access_denied", body["detail"])
        self.assertEqual(self.count(OidcState), 0)

    def test_userinfo_naming_another_subject_is_401(self):
        browser, url = self.authorized(login="drifter")  # this account's UserInfo names someone else

        self.assert_reply_problem(browser.callback(url), 401)
        self.assertEqual(self.count(User), 0)


class TestAccountsAndEmails(OidcCase):
    def test_a_first_login_with_a_verified_email_nobody_has_creates_a_password_less_account(self):
        self.sign_in_pair("ada")
        with self.app.app_context():
            user = User.objects.get(email="ada@example.com")
            identity = Identity.objects.get(user=user)
        self.assertIsNone(user.password_hash)
        self.assertEqual((identity.provider, identity.subject, identity.email_verified), ("local", "ada", True))

    def test_an_unverified_email_never_creates_an_account(self):
        reply = self.browser().sign_in(self.login_path(), "ada-unverified")

        self.assertIn("not verified", self.assert_reply_problem(reply, 403)["detail"])
        self.assertEqual(self.count(User), 0)

    def test_an_email_that_has_an_account_is_never_linked_automatically(self):
        owner = self.make_user(email="ada@example.com")

        verified = self.browser().sign_in(self.login_path(), "ada")
        unverified = self.browser().sign_in(self.login_path(), "ada-unverified")

        self.assertIn("sign in with your password", self.assert_reply_problem(verified, 409)["detail"])
        # an unverified claim is not even told that the address has an account
        self.assertIn("not verified", self.assert_reply_problem(unverified, 403)["detail"])
        self.assertEqual(self.count(Identity), 0)
        self.assertEqual(self.count(User), 1)
        self.assertEqual(self.login_pair(owner.email)["tokenType"], "Bearer")  # the owner's password still works

    def test_the_unverified_account_never_becomes_the_verified_ones_user(self):
        self.sign_in_pair("ada")  # creates the account from the verified identity

        reply = self.browser().sign_in(self.login_path(), "ada-unverified")

        self.assert_reply_problem(reply, 403)  # the same address, unverified: not that person's account
        self.assertEqual(self.count(Identity, subject="ada-unverified"), 0)
        self.assertEqual(self.count(User), 1)

    def test_an_oidc_only_account_is_refused_by_password_login_like_a_wrong_password(self):
        self.sign_in_pair("ada")
        password_user = self.make_user()
        wrong = self.request("POST", "auth/login", json={"email": password_user.email, "password": "wrong " + PASSWORD})

        refused = self.request("POST", "auth/login", json={"email": "ada@example.com", "password": PASSWORD})

        body = self.assert_problem(refused, 401)
        self.assertEqual(body["detail"], wrong.get_json()["detail"])
        self.assertEqual(refused.headers["WWW-Authenticate"], wrong.headers["WWW-Authenticate"])

    def test_a_password_less_account_needs_a_fresh_sign_in_for_sensitive_changes(self):
        pair = self.sign_in_pair("ada")
        stale = self.request("POST", "auth/refresh", token=pair["refreshToken"]).get_json()["accessToken"]

        refused = [
            self.request("DELETE", "me", json={}, token=stale),
            self.request("PUT", "me/password", json={"newPassword": "a new passphrase"}, token=stale),
            self.request("PUT", "me/email", json={"email": "ada.king@example.com"}, token=stale),  # capability: mail
        ]
        for response in refused:
            self.assertIn("sign in again", self.assert_problem(response, 403)["detail"])
        self.assertEqual(self.count(User, email="ada@example.com", password_hash=None), 1)

        # The token of the provider sign-in a moment ago is fresh: it may set a first password.
        first = self.request("PUT", "me/password", json={"newPassword": "a new passphrase"}, token=pair["accessToken"])
        self.assertEqual(first.status_code, 204, first.get_data(as_text=True))
        self.assertEqual(self.login_pair("ada@example.com", "a new passphrase")["tokenType"], "Bearer")

    def test_sign_in_tokens_are_fresh_for_five_minutes_and_refreshed_ones_never(self):
        from flask_jwt_extended import decode_token

        pair = self.sign_in_pair(person())
        refreshed = self.request("POST", "auth/refresh", token=pair["refreshToken"]).get_json()
        with self.app.app_context():
            signed_in = decode_token(pair["accessToken"])
            rotated = decode_token(refreshed["accessToken"])

        self.assertAlmostEqual(signed_in["fresh"] - signed_in["iat"], 300, delta=1)  # iat is whole seconds
        self.assertIs(rotated["fresh"], False)


class LinkCase(OidcCase):
    """Linking: start (re-authenticated, with a challenge), the provider, the link code, the confirmation."""

    def start_link(self, token: str, password: str | None = PASSWORD, **body: str) -> Any:
        """POST /me/identities/local with the password (unless None) and this test's challenge."""
        body = {"codeChallenge": self.challenge, **({"password": password} if password else {}), **body}
        return self.request("POST", "me/identities/local", json=body, token=token)

    def link_reply(self, token: str, login: str, browser: Browser | None = None, **body: str) -> ApiReply:
        """Start a link and take the browser through the provider: the callback's answer (a link code)."""
        response = self.start_link(token, **body)
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        url = response.get_json()["loginUrl"]
        self.assertTrue(url.startswith(f"{BASE}/api/v1/{LOGIN}?linkTicket="), url)
        self.assertEqual(query_of(url)["codeChallenge"], self.challenge)
        browser = browser or self.browser()
        start = browser.api(url[len(BASE) :])
        self.assertEqual(start.status, 302, start.body)
        self.assertEqual(query_of(start.headers["Location"])["prompt"], "login")  # sign in again to link
        return browser.callback(browser.authorize(start.headers["Location"], login))

    def link_code(self, token: str, login: str, **body: str) -> str:
        reply = self.link_reply(token, login, **body)
        self.assertEqual(reply.status, 200, reply.body)
        return self.json(reply)["linkCode"]

    def confirm(self, token: str, code: str, verifier: str | None = None) -> Any:
        body = {"linkCode": code, "codeVerifier": verifier or self.verifier}
        return self.request("POST", "me/identities/local/confirm", json=body, token=token)

    def link(self, token: str, login: str) -> Any:
        """The whole link, confirmed: the confirmation's answer."""
        return self.confirm(token, self.link_code(token, login))

    def unlink(self, token: str, password: str | None = PASSWORD) -> Any:
        body = {"password": password} if password else {}
        return self.request("DELETE", "me/identities/local", json=body, token=token)

    def verified_user(self) -> tuple[User, str]:
        """A password account whose address is verified (only those may link), and its access token."""
        user = self.make_user()
        with self.app.app_context():
            User.objects(id=user.id).update_one(set__email_verified=True)
        return user, self.login(user.email)


class TestIdentities(LinkCase):
    def test_a_password_user_links_a_provider_and_then_signs_in_with_it(self):
        user, token = self.verified_user()
        login = person()

        code = self.link_code(token, login)
        self.assertEqual(self.count(Identity), 0)  # the callback alone links nothing
        confirmed = self.confirm(token, code)

        self.assertEqual(confirmed.status_code, 201, confirmed.get_data(as_text=True))
        self.assertEqual(confirmed.get_json()["subject"], login)
        listed = self.request("GET", "me/identities", token=token).get_json()
        self.assertEqual([i["subject"] for i in listed["items"]], [login])
        self.assertEqual(
            set(listed["items"][0]),
            {"id", "provider", "issuer", "subject", "email", "emailVerified", "createdAt", "updatedAt"},
        )
        signed_in = self.request("GET", "me", token=self.sign_in_pair(login)["accessToken"]).get_json()
        self.assertEqual(signed_in["id"], str(user.id))

    def test_the_link_code_comes_back_to_an_allowed_url_and_is_stored_hashed(self):
        _, token = self.verified_user()

        reply = self.link_reply(token, person(), returnTo=RETURN)

        self.assertEqual(reply.status, 302)
        location = reply.headers["Location"]
        self.assertTrue(location.startswith(f"{RETURN}?linkCode="), location)
        code = query_of(location)["linkCode"]
        with self.app.app_context():
            stored = LinkCode._get_collection().find_one({})
        self.assertNotIn(code, str(stored))
        self.assertAlmostEqual((stored["expires_at"] - stored["created_at"]).total_seconds(), 60, delta=1)
        self.assertEqual(self.confirm(token, code).status_code, 201)

    def test_a_provider_account_linked_elsewhere_cannot_be_linked_again(self):
        login = person()
        self.sign_in_pair(login)
        _, token = self.verified_user()

        self.assert_reply_problem(self.link_reply(token, login), 409)

    def test_linking_the_same_provider_account_again_is_harmless(self):
        _, token = self.verified_user()
        login = person()
        self.link(token, login)

        again = self.link(token, login)

        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.get_json()["subject"], login)
        self.assertEqual(self.count(Identity), 1)

    def test_an_account_links_one_identity_per_provider(self):
        _, token = self.verified_user()
        self.link(token, person())

        self.assert_problem(self.link(token, person()), 409)
        self.assertEqual(self.request("GET", "me/identities", token=token).get_json()["total"], 1)

    def test_a_link_ticket_works_once_for_its_provider_and_its_challenge_only(self):
        _, token = self.verified_user()
        url = self.start_link(token).get_json()["loginUrl"]
        path = url[len(BASE) :]
        other_challenge = pkce_pair()[1]
        swapped = self.start_link(token).get_json()["loginUrl"][len(BASE) :].replace(self.challenge, other_challenge)

        self.assertEqual(self.request("GET", path).status_code, 302)
        self.assert_problem(self.request("GET", path), 401)
        self.assert_problem(self.request("GET", self.login_path(linkTicket="unknown")), 401)
        self.assert_problem(self.request("GET", swapped), 401)  # the ticket keeps the challenge it was asked with

    def test_link_start_refuses_unknown_providers_return_urls_and_challenges(self):
        _, token = self.verified_user()

        self.assert_problem(self.request("POST", "me/identities/other", json={}, token=token), 400)
        body = {"password": PASSWORD, "codeChallenge": self.challenge}
        self.assert_problem(self.request("POST", "me/identities/other", json=body, token=token), 404)
        self.assert_field_errors(self.start_link(token, returnTo="https://evil.example"), "returnTo")
        self.assert_field_errors(self.start_link(token, next=RETURN), "next")
        for challenge in (None, "", "x" * 42, "x" * 44, "+" * 43, self.verifier + "="):
            with self.subTest(challenge=challenge):
                body = {"password": PASSWORD, **({"codeChallenge": challenge} if challenge is not None else {})}
                response = self.request("POST", "me/identities/local", json=body, token=token)
                self.assert_field_errors(response, "codeChallenge")
        self.assertEqual(self.count(LinkTicket), 0)

    def test_unlinking(self):
        _, token = self.verified_user()
        self.link(token, person())

        self.assertEqual(self.unlink(token).status_code, 204)
        self.assert_problem(self.unlink(token), 404)
        self.assertEqual(self.request("GET", "me/identities", token=token).get_json()["items"], [])

    def test_the_last_way_to_sign_in_cannot_be_unlinked(self):
        token = self.sign_in_pair(person())["accessToken"]

        body = self.assert_problem(self.unlink(token, password=None), 409)

        self.assertIn("only way to sign in", body["detail"])
        self.assertEqual(self.count(Identity), 1)

    def test_deleting_the_account_deletes_its_identities(self):
        user, token = self.verified_user()
        self.link(token, person())

        self.assertEqual(self.request("DELETE", "me", json={"password": PASSWORD}, token=token).status_code, 204)
        self.assertEqual(self.count(Identity), 0)
        self.assertEqual(self.count(User, email=user.email), 0)


class TestLinkNeedsReauthentication(LinkCase):
    """A stolen access token alone must not add a way into the account (or remove the owner's)."""

    def test_a_link_started_with_a_bare_token_is_403(self):
        _, token = self.verified_user()

        for password in (None, "not my password"):
            with self.subTest(password=password):
                self.assert_problem(self.start_link(token, password=password), 403)
        self.assertEqual(self.count(LinkTicket), 0)

    def test_wrong_passwords_at_link_and_unlink_count_toward_the_lock_out(self):
        user, token = self.verified_user()
        for guess in range(self.app.config["LOGIN_MAX_FAILURES"]):  # alternately at link and at unlink
            guessing = self.start_link if guess % 2 else self.unlink
            self.assert_problem(guessing(token, password=f"wrong guess {guess}"), 403)

        self.assert_problem(self.start_link(token), 429)  # now even the right password waits
        self.assert_problem(self.request("POST", "auth/login", json={"email": user.email, "password": PASSWORD}), 429)

    def test_an_unlink_with_a_bare_token_is_403_and_keeps_the_identity(self):
        _, token = self.verified_user()
        self.link(token, person())

        self.assert_problem(self.unlink(token, password=None), 403)
        self.assert_problem(self.unlink(token, password="not my password"), 403)
        self.assertEqual(self.count(Identity), 1)

    def test_a_password_less_account_links_and_unlinks_only_with_a_fresh_sign_in(self):
        pair = self.sign_in_pair(person())
        stale = self.request("POST", "auth/refresh", token=pair["refreshToken"]).get_json()["accessToken"]

        refused = self.start_link(stale, password=None)

        self.assertIn("sign in again", self.assert_problem(refused, 403)["detail"])
        self.assertIn("sign in again", self.assert_problem(self.unlink(stale, password=None), 403)["detail"])
        second = self.confirm(pair["accessToken"], self.link_code_without_password(pair["accessToken"]))
        self.assertEqual(second.status_code, 201, second.get_data(as_text=True))
        self.assertEqual(self.unlink(pair["accessToken"], password=None).status_code, 204)  # one is left

    def link_code_without_password(self, token: str) -> str:
        """A second provider account for a password-less account: its own fresh token, no password."""
        response = self.start_link(token, password=None)
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        browser = self.browser()
        start = browser.api(response.get_json()["loginUrl"][len(BASE) :])
        with self.app.app_context():  # one identity per provider: make room for the second by hand
            Identity.objects.update(set__provider="earlier")
        reply = browser.callback(browser.authorize(start.headers["Location"], person()))
        self.assertEqual(reply.status, 200, reply.body)
        return self.json(reply)["linkCode"]

    def test_an_unverified_account_cannot_start_a_link(self):
        # Someone signed up first with an address that is not theirs, then tries to add their own way in.
        squatter = self.make_user(email="ada@example.com")
        token = self.login(squatter.email)

        response = self.start_link(token)

        self.assertIn("Verify your e-mail address first", self.assert_problem(response, 403)["detail"])
        self.assertEqual(self.count(LinkTicket), 0)


class TestLinkBoundToItsAccount(LinkCase):
    """The link code is worth nothing without the account's token and the verifier of the app that asked."""

    def test_another_account_confirming_the_link_gets_401_and_nothing_is_linked(self):
        _, owner_token = self.verified_user()
        _, other_token = self.verified_user()
        code = self.link_code(owner_token, person())

        stolen = self.confirm(other_token, code)

        self.assert_problem(stolen, 401)
        self.assertEqual(self.count(Identity), 0)
        self.assert_problem(self.confirm(owner_token, code), 404)  # presented once, the code is spent

    def test_a_ticket_opened_by_someone_else_cannot_link_them_to_the_ticket_owner(self):
        # The attacker asks for a link and sends the victim the loginUrl; the victim signs in at the provider.
        _, attacker_token = self.verified_user()
        victim_browser = self.browser()
        reply = self.link_reply(attacker_token, "victim-" + person(), browser=victim_browser, returnTo=RETURN)
        code = query_of(reply.headers["Location"])["linkCode"]  # it lands in the victim's app, not the attacker's

        _, victim_token = self.verified_user()
        victims_app = self.confirm(victim_token, code, verifier=pkce_pair()[0])

        self.assert_problem(victims_app, 401)
        self.assertEqual(self.count(Identity), 0)

    def test_a_wrong_verifier_is_401_and_spends_the_code(self):
        _, token = self.verified_user()
        code = self.link_code(token, person())

        self.assert_problem(self.confirm(token, code, verifier=pkce_pair()[0]), 401)
        self.assert_problem(self.confirm(token, code), 404)
        self.assertEqual(self.count(Identity), 0)

    def test_a_spent_expired_or_unknown_code_is_404(self):
        _, token = self.verified_user()
        code = self.link_code(token, person())
        self.assertEqual(self.confirm(token, code).status_code, 201)
        expired = self.link_code(token, person())
        with self.app.app_context():
            LinkCode.objects.update(set__expires_at=utcnow() - timedelta(seconds=1))

        self.assert_problem(self.confirm(token, code), 404)
        self.assert_problem(self.confirm(token, expired), 404)
        self.assert_problem(self.confirm(token, "x" * 43), 404)
        self.assert_field_errors(
            self.request("POST", "me/identities/local/confirm", json={}, token=token), "linkCode", "codeVerifier"
        )
        self.assert_problem(
            self.request("POST", "me/identities/local/confirm", json={"linkCode": code, "codeVerifier": self.verifier}),
            401,
        )

    def test_a_code_for_one_provider_is_unknown_to_another(self):
        _, token = self.verified_user()
        code = self.link_code(token, person())
        body = {"linkCode": code, "codeVerifier": self.verifier}

        self.assert_problem(self.request("POST", "me/identities/other/confirm", json=body, token=token), 404)
        self.assertEqual(self.confirm(token, code).status_code, 201)


class TestLoginCodeBoundToItsClient(OidcCase):
    """PKCE on the API's own login code: a code taken from the redirect is useless without the verifier."""

    def test_login_without_or_with_a_malformed_challenge_is_400_with_no_redirect(self):
        for params in (
            {"codeChallenge": None},
            {"codeChallenge": ""},
            {"codeChallenge": "x" * 42},
            {"codeChallenge": "x" * 44},
            {"codeChallenge": "/" * 43},
            {"codeChallengeMethod": "plain"},
        ):
            with self.subTest(params=params):
                response = self.request("GET", self.login_path(**params))

                body = self.assert_problem(response, 400)
                self.assertNotIn("Location", response.headers)
                self.assertIn(body["errors"][0]["field"], ("codeChallenge", "codeChallengeMethod"))
        self.assertEqual(self.count(OidcState), 0)
        self.assertEqual(self.request("GET", self.login_path(codeChallengeMethod="S256")).status_code, 302)

    def test_a_login_code_without_a_verifier_is_400_and_stays_good(self):
        code = self.sign_in_code(person())

        missing = self.request("POST", "auth/oidc/token", json={"loginCode": code})

        self.assert_field_errors(missing, "codeVerifier")
        self.assertEqual(self.exchange(code).status_code, 200)

    def test_a_wrong_verifier_is_401_and_spends_the_code(self):
        code = self.sign_in_code(person())

        wrong = self.exchange(code, verifier=pkce_pair()[0])

        self.assert_problem(wrong, 401)
        self.assert_problem(self.exchange(code), 401)  # the right verifier comes too late
        self.assertEqual(self.count(LoginCode), 0)

    def test_a_code_taken_from_a_mobile_redirect_is_useless_to_another_app(self):
        # Another app that registered the same custom scheme receives the redirect, not the verifier.
        browser = self.browser()
        start = browser.api(self.login_path(returnTo=MOBILE_RETURN))
        reply = browser.callback(browser.authorize(start.headers["Location"], person()))
        code = query_of(reply.headers["Location"])["loginCode"]

        interceptor = self.exchange(code, verifier=pkce_pair()[0])

        self.assert_problem(interceptor, 401)
        self.assertEqual(self.count(LoginCode), 0)

    def test_the_verifier_must_be_a_verifier(self):
        code = self.sign_in_code(person())
        for verifier in ("short", "x" * 129, "a" * 42 + " ", self.challenge + "+"):
            with self.subTest(verifier=verifier):
                self.assert_field_errors(self.exchange(code, verifier=verifier), "codeVerifier")
        self.assertEqual(self.exchange(code).status_code, 200)  # a malformed body spends nothing


class TestRecoveryEvictsLinks(LinkCase):
    """A password reset or change leaves no way in that someone else prepared."""

    # capability: mail
    def reset(self, user: User, password: str = NEW_PASSWORD) -> None:
        """Complete a password reset, as the owner following the mailed link would."""
        from app.mail import links

        with self.app.app_context():
            raw = links.issue("password_reset", User.objects.get(id=user.id), str(uuid.uuid4()), utcnow())
        body = {"token": raw, "newPassword": password}
        self.assertEqual(self.request("POST", "auth/password-reset/confirm", json=body).status_code, 204)

    def test_a_reset_unlinks_every_identity_and_the_provider_no_longer_gets_in(self):
        user, token = self.verified_user()
        login = person()
        self.assertEqual(self.link(token, login).status_code, 201)
        attacker = self.sign_in_pair(login)

        self.reset(user)

        self.assertEqual(self.count(Identity, user=user.id), 0)
        self.assert_problem(self.request("GET", "me", token=attacker["accessToken"]), 401)
        again = self.request("GET", "me", token=self.sign_in_pair(login)["accessToken"]).get_json()
        self.assertNotEqual(again["id"], str(user.id))  # the provider account now has an account of its own

    def test_a_reset_voids_login_codes_link_tickets_links_in_progress_and_link_codes(self):
        user, token = self.verified_user()
        login = person()
        self.link(token, login)
        login_code = self.sign_in_code(login)
        ticket_url = self.start_link(token).get_json()["loginUrl"][len(BASE) :]
        in_progress = self.browser()
        progress_start = in_progress.api(self.start_link(token).get_json()["loginUrl"][len(BASE) :])
        callback = in_progress.authorize(progress_start.headers["Location"], person())
        with self.app.app_context():  # one identity per provider: make room so the pending link would succeed
            Identity.objects.delete()
        link_code = self.link_code(token, person())

        self.reset(user)
        fresh = self.login(user.email, NEW_PASSWORD)

        self.assert_problem(self.exchange(login_code), 401)
        self.assert_problem(self.request("GET", ticket_url), 401)
        self.assert_reply_problem(in_progress.callback(callback), 401)
        self.assert_problem(self.confirm(fresh, link_code), 404)
        self.assertEqual(self.count(Identity), 0)

    # end capability: mail
    def test_a_password_change_voids_link_tickets_links_in_progress_and_link_codes(self):
        _, token = self.verified_user()
        ticket_url = self.start_link(token).get_json()["loginUrl"][len(BASE) :]
        link_code = self.link_code(token, person())
        body = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}

        self.assertEqual(self.request("PUT", "me/password", json=body, token=token).status_code, 204)

        self.assert_problem(self.request("GET", ticket_url), 401)
        self.assert_problem(self.confirm(token, link_code), 404)
        self.assertEqual(self.count(Identity), 0)


class TestProviderRules(OidcCase):
    """The provider's own refusals: the checklist's provider-side rules shown, not assumed."""

    def authorize(self, **changes: str | None) -> requests.Response:
        params = {
            "client_id": "api",
            "response_type": "code",
            "redirect_uri": CALLBACK,
            "scope": "openid email",
            "state": "s" * 43,
            "nonce": "n" * 43,
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
            **changes,
        }
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return requests.get(f"{self.provider.issuer}/auth?{query}", allow_redirects=False, timeout=10)

    def error_of(self, response: requests.Response) -> str:
        self.assertIn(response.status_code, (302, 303), response.text[:300])
        location = response.headers["Location"]
        self.assertTrue(location.startswith(CALLBACK), location)
        # an implicit response type's error comes back in the fragment, the response mode it would have used
        return query_of(location.replace("#", "?", 1) if "#" in location else location)["error"]

    def test_a_well_formed_request_is_accepted(self):
        response = self.authorize()
        self.assertIn("/interaction/", response.headers["Location"])

    def test_response_type_token_is_refused(self):
        for response_type in ("token", "id_token token", "code token"):
            with self.subTest(response_type=response_type):
                self.assertEqual(
                    self.error_of(self.authorize(response_type=response_type)), "unsupported_response_type"
                )

    def test_missing_or_plain_pkce_is_refused(self):
        self.assertEqual(
            self.error_of(self.authorize(code_challenge=None, code_challenge_method=None)), "invalid_request"
        )
        self.assertEqual(self.error_of(self.authorize(code_challenge_method="plain")), "invalid_request")
        self.assertEqual(self.error_of(self.authorize(code_challenge_method=None)), "invalid_request")

    def test_an_unregistered_redirect_uri_is_refused_without_a_redirect(self):
        for uri in ("https://evil.example/cb", CALLBACK + "/x", CALLBACK.replace("localhost", "127.0.0.1")):
            with self.subTest(uri=uri):
                response = self.authorize(redirect_uri=uri)

                self.assertEqual(response.status_code, 400)
                self.assertNotIn("Location", response.headers)
                self.assertIn("redirect_uri", response.text)


class TestProviderDown(OidcCase):
    """A provider that is stopped or too slow: 503, never a redirect to it, never a 500."""

    @classmethod
    def setUpClass(cls) -> None:
        require_provider()  # each test starts (and stops) its own provider

    def setUp(self) -> None:
        self.provider = OidcProvider(CALLBACK)
        self.addCleanup(self.provider.stop)
        self.config = oidc_config(
            self.provider.issuer, self.provider.client_secret, OIDC_HTTP_TIMEOUT="0.5", OIDC_DISCOVERY_CACHE_SECONDS="0"
        )
        super().setUp()

    def assert_unavailable(self, reply: ApiReply) -> None:
        self.assertEqual(reply.status, 503, reply.body)
        self.assertEqual(reply.headers["Content-Type"], "application/problem+json")
        self.assertEqual(reply.headers["Retry-After"], "5")
        self.assertNotIn("Location", reply.headers)

    def test_login_with_the_provider_stopped_is_503_and_stores_nothing(self):
        self.provider.stop()

        self.assert_unavailable(self.browser().api(self.login_path()))
        with self.app.app_context():
            self.assertEqual(OidcState.objects.count(), 0)

    def test_a_callback_with_the_provider_stopped_is_503(self):
        self.app.config["OIDC_DISCOVERY_CACHE_SECONDS"] = 60  # the code exchange itself meets the outage
        browser = self.browser()
        url = browser.authorize(browser.api(self.login_path()).headers["Location"], person())
        self.provider.stop()

        self.assert_unavailable(browser.callback(url))

    def test_a_provider_that_does_not_answer_in_time_is_503(self):
        with socket.socket() as silent:  # accepts connections, never answers
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            port = silent.getsockname()[1]
            self.app.config["OIDC_CLIENTS"]["local"]["issuer"] = f"http://127.0.0.1:{port}"

            self.assert_unavailable(self.browser().api(self.login_path()))

    def test_a_discovery_document_for_another_issuer_is_503(self):
        self.app.config["OIDC_CLIENTS"]["local"]["issuer"] = self.provider.issuer.replace("127.0.0.1", "localhost")

        self.assert_unavailable(self.browser().api(self.login_path()))


class LowAuthLimit(TestConfig):
    RATELIMIT_AUTH = "2 per minute"


class TestExchangeThrottled(OidcCase):
    base_config = LowAuthLimit

    def test_the_login_code_exchange_is_rate_limited_per_address_like_login(self):
        responses = [self.exchange("x" * 43) for _ in range(3)]

        self.assertEqual([r.status_code for r in responses[:2]], [401, 401])
        self.assert_problem(responses[2], 429)
        self.assertGreater(int(responses[2].headers["Retry-After"]), 0)


class TestExpiry(unittest.TestCase):
    def test_a_secret_is_live_until_its_stored_expiry(self):
        from app.one_time import is_live

        future, past = utcnow() + timedelta(seconds=30), utcnow() - timedelta(seconds=1)
        self.assertTrue(is_live({"expires_at": future}))
        self.assertFalse(is_live({"expires_at": past}))
        self.assertFalse(is_live({"expires_at": "not a date"}))  # only a stored date keeps a secret alive
        self.assertFalse(is_live({}))
