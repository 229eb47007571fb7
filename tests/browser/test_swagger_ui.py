"""Swagger UI in a real browser: it renders under its CSP, "Authorize" takes a JWT, and "Try it out" works."""

from __future__ import annotations

import json
import re  # capability: oidc
from pathlib import Path  # capability: oidc

from app.one_time import verifier_matches  # capability: oidc
from tests.browser import CHROMIUM, CHROMIUM_ARGS, needs_chromium, require_chromium, serve
from tests.views import TCBase

# capability: oidc
# The single-page app's PKCE helper, exactly as docs/oidc.md shows it.
PKCE_EXAMPLE = re.search(
    r"```js\n(// pkce\.js.*?)```", (Path(__file__).parents[2] / "docs" / "oidc.md").read_text(), re.DOTALL
)
# end capability: oidc


@needs_chromium
class TestSwaggerUI(TCBase):
    def setUp(self) -> None:
        require_chromium(self)
        super().setUp()
        self.base = f"http://127.0.0.1:{serve(self, self.app)}"

        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        self.addCleanup(playwright.stop)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.addCleanup(browser.close)
        self.page = browser.new_page()
        self.console_errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def open_docs(self) -> None:
        self.page.goto(f"{self.base}/apidocs/")
        self.page.wait_for_selector("#operations-me-getMe", timeout=30_000)

    def try_it_out(self, selector: str, body: dict | None = None, **parameters: str) -> tuple[object, str]:
        """Expand an operation, "Try it out", fill `body` and `parameters`, "Execute"; its locator and status."""
        operation = self.page.locator(selector)
        operation.locator(".opblock-summary").click()
        operation.locator("button.try-out__btn").click()
        if body is not None:
            operation.locator("textarea.body-param__text").fill(json.dumps(body))
        for name, value in parameters.items():
            operation.locator(f"tr[data-param-name='{name}'] input").fill(value)
        operation.locator("button.execute").click()
        status = operation.locator(".live-responses-table .response .response-col_status").first
        status.wait_for(timeout=30_000)
        return operation, status.inner_text().strip().split()[0]

    def test_renders_every_operation_without_csp_violations(self):
        self.open_docs()

        spec = self.request("GET", "/openapi.json").get_json()
        for item in spec["paths"].values():
            for method, operation in item.items():
                if method != "parameters":
                    tag = operation["tags"][0]
                    self.assertEqual(
                        self.page.locator(f"#operations-{tag}-{operation['operationId']}").count(), 1, operation
                    )
        _, health_status = self.try_it_out("#operations-health-getHealth")
        self.assertEqual(health_status, "200")
        self.assertEqual(self.console_errors, [])

    def authorize(self, token: str) -> None:
        """The "Authorize" dialog, as a user fills it in (logging out of an earlier token first)."""
        self.page.click("button.authorize")
        logout = self.page.locator(".modal-ux button:has-text('Logout')")
        if logout.count():
            logout.click()
        self.page.fill(".modal-ux input", token)
        self.page.click(".modal-ux .auth-btn-wrapper button.authorize")
        self.page.click(".modal-ux button.btn-done")

    @staticmethod
    def response_json(operation) -> dict:
        return json.loads(operation.locator(".live-responses-table .microlight").first.inner_text())

    def test_the_whole_account_flow_by_hand(self):
        account = {"email": "ui@example.com", "password": "ui password 123", "displayName": "UI"}
        credentials = {"email": account["email"], "password": account["password"]}
        self.open_docs()

        _, signed_up = self.try_it_out("#operations-auth-signup", body=account)
        login, logged_in = self.try_it_out("#operations-auth-login", body=credentials)
        pair = self.response_json(login)
        self.authorize(pair["accessToken"])
        me, me_status = self.try_it_out("#operations-me-getMe")
        self.authorize(pair["refreshToken"])
        refresh, refreshed = self.try_it_out("#operations-auth-refreshTokens")
        self.authorize(self.response_json(refresh)["accessToken"])
        _, logged_out = self.try_it_out("#operations-auth-logout")

        self.assertEqual((signed_up, logged_in, me_status, refreshed, logged_out), ("201", "200", "200", "200", "204"))
        self.assertEqual(self.response_json(me)["email"], account["email"])
        self.assertEqual(self.console_errors, [])

    def test_authorize_with_a_token_then_try_it_out(self):
        user, token = self.auth()
        self.open_docs()

        self.authorize(token)
        operation, status = self.try_it_out("#operations-me-getMe")

        self.assertEqual(status, "200")
        self.assertIn(user.email, operation.locator(".live-responses-table .microlight").first.inner_text())
        self.assertEqual(self.console_errors, [])

    def test_without_authorize_try_it_out_shows_the_401_problem(self):
        self.open_docs()

        _, status = self.try_it_out("#operations-me-getMe")

        self.assertEqual(status, "401")

    # capability: posts
    def test_posts_list_item_and_my_posts_from_the_ui(self):
        _, token = self.auth()
        post = self.request(
            "POST", "posts", json={"title": "From the browser", "body": "b", "status": "published"}, token=token
        ).get_json()
        self.open_docs()
        self.authorize(token)

        listed, list_status = self.try_it_out("#operations-posts-listPosts")
        mine, mine_status = self.try_it_out("#operations-posts-listMyPosts")
        item, item_status = self.try_it_out("#operations-posts-getPost", postId=post["id"])

        self.assertEqual((list_status, mine_status), ("200", "200"))
        self.assertIn("From the browser", listed.locator(".live-responses-table .microlight").first.inner_text())
        self.assertIn(post["id"], mine.locator(".live-responses-table .microlight").first.inner_text())
        self.assertEqual(item_status, "200")
        self.assertIn("From the browser", item.locator(".live-responses-table .microlight").first.inner_text())
        self.assertEqual(self.console_errors, [])

    # end capability: posts
    # capability: oidc
    def test_the_sign_in_operations_ask_for_the_pkce_pair_and_their_examples_are_accepted(self):
        self.open_docs()

        login = self.page.locator("#operations-auth-startOidcLogin")
        login.locator(".opblock-summary").click()
        challenge_row = login.locator("tr[data-param-name='codeChallenge']")
        exchange, status = self.try_it_out("#operations-auth-exchangeOidcLoginCode")  # the documented example

        self.assertEqual(challenge_row.locator(".parameter__name.required").count(), 1)  # shown with its "*"
        self.assertIn("SHA-256", challenge_row.inner_text())
        self.assertEqual(status, "401")  # the example body is well-formed; its code is simply not a live one
        self.assertIn("codeVerifier", exchange.locator(".body-param__text").input_value())
        # Swagger UI logs every 4xx answer to the console itself: only errors of another kind would be ours.
        self.assertEqual([e for e in self.console_errors if "UNAUTHORIZED" not in e], [])

    def test_the_documented_single_page_app_pkce_helper_makes_pairs_the_api_accepts(self):
        self.assertIsNotNone(PKCE_EXAMPLE, "docs/oidc.md lost its pkce.js block")
        self.page.goto(f"{self.base}/health")  # any page of the API's origin: Web Crypto needs a secure context

        pairs = self.page.evaluate(
            "async () => {" + PKCE_EXAMPLE.group(1) + "return [await pkcePair(), await pkcePair()]; }"
        )

        for pair in pairs:
            self.assertRegex(pair["verifier"], r"^[A-Za-z0-9_-]{43}$")
            self.assertRegex(pair["challenge"], r"^[A-Za-z0-9_-]{43}$")
            self.assertTrue(verifier_matches(pair["verifier"], pair["challenge"]))
        self.assertNotEqual(pairs[0]["verifier"], pairs[1]["verifier"])

    # end capability: oidc
