"""The cookie transport in Chromium: a page on an allowed origin keeps a session through the HttpOnly cookie, and
pages elsewhere cannot use it.

Sites, as the browser sees them (SameSite compares sites, not origins; ports do not count, host names do):
- the API at http://localhost:API;
- the app at http://localhost:APP, listed in CORS_ORIGINS: another origin of the same site (the
  app.example.com + api.example.com deployment);
- a page at http://localhost:OTHER, not listed: same site, so the browser sends the cookie, and the API's
  CSRF and Origin checks refuse it;
- a page at http://127.0.0.1:APP: another site, so the SameSite=Strict cookie never leaves the browser.
"""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.wrappers import Response

from config import TestConfig
from tests.browser import CHROMIUM, CHROMIUM_ARGS, needs_chromium, require_chromium, serve
from tests.views import PASSWORD, TCBase


def page(_environ: dict, start_response: Any) -> Any:
    """A blank page: the scripts a test runs in it are what an app's would be."""
    return Response("<!doctype html><title>app</title>", mimetype="text/html")(_environ, start_response)


def names(document_cookie: str) -> set[str]:
    """The cookie names in a `document.cookie` string."""
    return {part.split("=", 1)[0].strip() for part in document_cookie.split(";") if part.strip()}


# Sign in with the cookie transport, keep csrfToken in sessionStorage, read /me with the access token.
SIGN_IN = """async ([api, email, password]) => {
  const login = await fetch(api + '/api/v1/auth/login', {
    method: 'POST', credentials: 'include', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({email, password, tokenTransport: 'cookie'}),
  });
  const tokens = await login.json();
  sessionStorage.setItem('csrfToken', tokens.csrfToken);
  const me = await fetch(api + '/api/v1/me', {headers: {Authorization: 'Bearer ' + tokens.accessToken}});
  return {login: login.status, keys: Object.keys(tokens).sort(), me: me.status, email: (await me.json()).email,
          cookies: document.cookie};
}"""
# Refresh or log out through the cookie, with the CSRF token kept in sessionStorage.
WITH_COOKIE = """async ([api, action]) => {
  const response = await fetch(api + '/api/v1/auth/' + action, {
    method: 'POST', credentials: 'include', headers: {'X-CSRF-Token': sessionStorage.getItem('csrfToken') || ''},
  });
  const body = response.status === 200 ? await response.json() : null;
  if (body) sessionStorage.setItem('csrfToken', body.csrfToken);
  return {status: response.status, keys: body ? Object.keys(body).sort() : null, cookies: document.cookie};
}"""
# What a hostile page can try: a CORS request with a (leaked) CSRF token, and a no-cors form-like POST.
ATTACK = """async ([api, action, csrf]) => {
  let cors;
  try {
    const response = await fetch(api + '/api/v1/auth/' + action, {
      method: 'POST', credentials: 'include', headers: {'X-CSRF-Token': csrf},
    });
    cors = response.status;
  } catch (error) {
    cors = 'blocked';
  }
  // The request is sent; its answer is opaque (or blocked as a JSON answer to a no-cors request, ORB).
  await fetch(api + '/api/v1/auth/' + action, {method: 'POST', credentials: 'include', mode: 'no-cors'})
    .catch(() => null);
  return cors;
}"""


@needs_chromium
class TestCookieTransportInChromium(TCBase):
    def setUp(self) -> None:
        require_chromium(self)
        app_port, other_port = serve(self, page), serve(self, page)
        self.app_origin = f"http://localhost:{app_port}"
        self.same_site_page = f"http://localhost:{other_port}/"
        self.foreign_page = f"http://127.0.0.1:{app_port}/"
        self.config = type("BrowserAppConfig", (TestConfig,), {"CORS_ORIGINS": [self.app_origin]})
        super().setUp()
        self.seen: list[tuple[str, str | None, bool, int]] = []  # POSTs that reached the API
        self.app.after_request(self.record)
        self.api = f"http://localhost:{serve(self, self.app)}"
        self.user = self.make_user()

        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        self.addCleanup(playwright.stop)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.addCleanup(browser.close)
        self.browser = browser.new_context()  # one cookie jar: the victim's browser visits every page

    def record(self, response):
        """Note each POST that reached the API: path, Origin, whether the refresh cookie came, the status."""
        if request.method == "POST":
            cookie = "refresh_token" in request.cookies
            self.seen.append((request.path, request.headers.get("Origin"), cookie, response.status_code))
        return response

    def posts_seen(self) -> list[tuple[str, str | None, bool, int]]:
        """The POSTs recorded since the last call."""
        seen, self.seen = self.seen, []
        return seen

    def open(self, url: str):
        tab = self.browser.new_page()
        tab.goto(url)
        return tab

    def test_an_allowed_origin_signs_in_refreshes_and_logs_out_through_the_cookie(self):
        app = self.open(self.app_origin + "/")

        signed_in = app.evaluate(SIGN_IN, [self.api, self.user.email, PASSWORD])
        jar = self.browser.cookies()
        refreshed = app.evaluate(WITH_COOKIE, [self.api, "refresh"])
        app.reload()  # sessionStorage and the cookie outlive a reload
        after_reload = app.evaluate(WITH_COOKIE, [self.api, "refresh"])
        logged_out = app.evaluate(WITH_COOKIE, [self.api, "logout"])
        after_logout = app.evaluate(WITH_COOKIE, [self.api, "refresh"])

        self.assertEqual((signed_in["login"], signed_in["me"]), (200, 200))
        self.assertEqual(signed_in["keys"], ["accessToken", "csrfToken", "expiresIn", "tokenType"])
        self.assertEqual(signed_in["email"], self.user.email)
        self.assertEqual(names(signed_in["cookies"]), {"csrf_refresh_token"})  # the page reads this one only
        self.assertEqual(
            {(c["name"], c["path"], c["httpOnly"], c["sameSite"]) for c in jar},
            {("refresh_token", "/api/v1/auth", True, "Strict"), ("csrf_refresh_token", "/", False, "Strict")},
        )
        self.assertEqual((refreshed["status"], after_reload["status"]), (200, 200))
        self.assertEqual(refreshed["keys"], ["accessToken", "csrfToken", "expiresIn", "tokenType"])
        self.assertEqual(logged_out["status"], 204)
        self.assertEqual(names(logged_out["cookies"]), set())
        self.assertEqual(self.browser.cookies(), [])
        self.assertEqual(after_logout["status"], 401)  # the browser dropped the cookie

    def test_pages_on_other_origins_cannot_use_the_cookie(self):
        app = self.open(self.app_origin + "/")
        app.evaluate(SIGN_IN, [self.api, self.user.email, PASSWORD])
        csrf = app.evaluate("sessionStorage.getItem('csrfToken')")
        self.posts_seen()

        foreign = self.open(self.foreign_page)
        foreign_login = foreign.evaluate(
            """async ([api, email, password]) => {
              try {
                await fetch(api + '/api/v1/auth/login', {method: 'POST', credentials: 'include',
                  headers: {'Content-Type': 'application/json'}, body: JSON.stringify({email, password,
                  tokenTransport: 'cookie'})});
                return 'answered';
              } catch (error) { return 'blocked'; }
            }""",
            [self.api, self.user.email, PASSWORD],
        )
        foreign_refresh = foreign.evaluate(ATTACK, [self.api, "refresh", csrf])
        foreign_logout = foreign.evaluate(ATTACK, [self.api, "logout", csrf])
        from_foreign_site = self.posts_seen()
        same_site = self.open(self.same_site_page)
        same_site_refresh = same_site.evaluate(ATTACK, [self.api, "refresh", csrf])
        same_site_logout = same_site.evaluate(ATTACK, [self.api, "logout", csrf])
        from_same_site = self.posts_seen()
        still_signed_in = app.evaluate(WITH_COOKIE, [self.api, "refresh"])

        # CORS: the browser refuses to let either page read an answer, or to send the CSRF header at all.
        self.assertEqual((foreign_login, foreign_refresh, foreign_logout), ("blocked", "blocked", "blocked"))
        self.assertEqual((same_site_refresh, same_site_logout), ("blocked", "blocked"))
        # Another site: only the no-cors POSTs were sent, without the SameSite=Strict cookie (and from a foreign
        # Origin, so refused before the cookie is even looked for).
        foreign = self.foreign_page.rstrip("/")
        self.assertEqual(
            from_foreign_site,
            [("/api/v1/auth/refresh", foreign, False, 403), ("/api/v1/auth/logout", foreign, False, 403)],
        )
        # The same site on an unlisted origin: the cookie came, and the Origin check refused it.
        other = self.same_site_page.rstrip("/")
        self.assertEqual(
            from_same_site,
            [("/api/v1/auth/refresh", other, True, 403), ("/api/v1/auth/logout", other, True, 403)],
        )
        # Nothing was spent or revoked: the app's page still refreshes.
        self.assertEqual(still_signed_in["status"], 200)
