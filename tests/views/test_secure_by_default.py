"""Every route needs a token unless deliberately public; no secret ever reaches a log line or a response."""

from __future__ import annotations

import logging
import re

from tests.views import PASSWORD, TCBase, random_email

# Every (method, rule) reachable without a token. A new public endpoint must be added here on purpose.
PUBLIC = {
    ("GET", "/api/v1/sample"),
    ("POST", "/api/v1/auth/signup"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/posts"),
    ("GET", "/api/v1/posts/<post_id>"),
    ("GET", "/health"),
    ("GET", "/ready"),
}
ANSWERS_WITHOUT_AUTH = {"HEAD", "OPTIONS"}


def concrete(rule: str) -> str:
    """A path for `rule` with every variable filled in with a well-formed but unknown id."""
    return re.sub(r"<[^>]+>", "00000000-0000-4000-8000-000000000000", rule)


class TestSecureByDefault(TCBase):
    def api_routes(self):
        for rule in self.app.url_map.iter_rules():
            if rule.rule.startswith(("/api/", "/health", "/ready")):
                for method in sorted(rule.methods - ANSWERS_WITHOUT_AUTH):
                    yield method, rule.rule

    def test_every_non_public_route_answers_401_without_a_token(self):
        checked = 0
        for method, rule in self.api_routes():
            if (method, rule) in PUBLIC:
                continue
            with self.subTest(method=method, rule=rule):
                response = self.request(method, concrete(rule), json={})

                self.assert_problem(response, 401)
                checked += 1
        self.assertGreaterEqual(checked, 12)

    def test_public_routes_answer_without_a_token(self):
        routes = set(self.api_routes())
        for method, rule in sorted(PUBLIC & routes):
            with self.subTest(method=method, rule=rule):
                response = self.request(method, concrete(rule), json={})

                self.assertNotEqual(response.status_code, 401, response.get_data(as_text=True))

    def test_the_public_list_names_real_routes(self):
        routes = set(self.api_routes())

        self.assertTrue({r for r in PUBLIC if r[1].startswith("/api/")} <= routes)


class TestNoSecretsLeak(TCBase):
    def test_flows_never_log_or_echo_passwords_hashes_or_tokens(self):
        email, new_password = random_email(), "a brand new passphrase"
        with self.assertLogs("app", level=logging.DEBUG) as logs:
            signup = self.request(
                "POST", "auth/signup", json={"email": email, "password": PASSWORD, "displayName": "Leak Check"}
            )
            pair = self.login_pair(email)
            failed = self.request("POST", "auth/login", json={"email": email, "password": "wrong " + PASSWORD})
            refreshed = self.request("POST", "auth/refresh", token=pair["refreshToken"])
            reuse = self.request("POST", "auth/refresh", token=pair["refreshToken"])
            token = self.login(email)
            me = self.request("GET", "me", token=token)
            change = self.request(
                "PUT", "me/password", json={"currentPassword": PASSWORD, "newPassword": new_password}, token=token
            )
            logout = self.request("POST", "auth/logout", token=token)
            with self.app.app_context():
                from app.models import User

                password_hash = User.objects.get(email=email).password_hash
        secrets = [
            PASSWORD,
            new_password,
            password_hash,
            pair["accessToken"],
            pair["refreshToken"],
            token,
            refreshed.get_json()["accessToken"],
            self.app.config["JWT_SECRET_KEY"],
            self.app.config["SECRET_KEY"],
        ]
        logged = "\n".join(logs.output)
        echoed = "\n".join(
            r.get_data(as_text=True) + str(r.headers) for r in (signup, failed, reuse, me, change, logout)
        )
        for secret in secrets:
            self.assertNotIn(secret, logged)
            self.assertNotIn(secret, echoed)
        for part in (pair["accessToken"], token):
            self.assertNotIn(part.split(".")[2], logged)  # not even the signature
        self.assertIn("account created", logged)  # the flows did log, so the check means something
