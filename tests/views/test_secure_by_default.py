"""Every route needs a token unless deliberately public; no secret ever reaches a log line or a response."""

from __future__ import annotations

import hashlib  # capability: mail
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask_restful import Resource

from app.models import User
from app.views.base import BaseResource
from config import TestConfig
from tests.mail import MailTCBase  # capability: mail
from tests.views import PASSWORD, TCBase, random_email

# Every (method, rule) reachable without a token. A new public endpoint must be added here on purpose.
PUBLIC = {
    ("GET", "/api/v1/sample"),  # capability: sample
    ("POST", "/api/v1/auth/signup"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/login/mfa"),  # capability: mfa
    # capability: oidc
    # Sign in with OpenID Connect: the browser arrives without a token, by design.
    ("GET", "/api/v1/auth/oidc/providers"),
    ("GET", "/api/v1/auth/oidc/<provider>/login"),
    ("GET", "/api/v1/auth/oidc/<provider>/callback"),
    ("POST", "/api/v1/auth/oidc/token"),
    # end capability: oidc
    # capability: mail
    # Mailed links open the client app, maybe where nobody is signed in; a reset is asked for signed out.
    ("POST", "/api/v1/auth/verify-email"),
    ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/api/v1/auth/password-reset/confirm"),
    ("POST", "/api/v1/auth/confirm-email"),
    # end capability: mail
    ("GET", "/api/v1/posts"),  # capability: posts
    ("GET", "/api/v1/posts/<post_id>"),  # capability: posts
    ("GET", "/health"),
    ("GET", "/ready"),
}
# Public on purpose and not resources: Flask's static files and the API docs.
PUBLIC_NON_RESOURCE_ENDPOINTS = {
    "static",
    "flasgger.static",
    "flasgger.apidocs",
    "flasgger.oauth_redirect",
    "flasgger.<lambda>",
    "flasgger.openapi",
}
# OPTIONS is answered by Flask itself, before any view runs.
ANSWERED_BY_FLASK = {"OPTIONS"}


def concrete(rule: str) -> str:
    """A path for `rule` with every variable filled in with a well-formed but unknown id."""
    return re.sub(r"<[^>]+>", "00000000-0000-4000-8000-000000000000", rule)


def public_of(method: str, rule: str) -> tuple[str, str]:
    """HEAD is served by GET, so it is exactly as public as GET."""
    return ("GET" if method == "HEAD" else method), rule


class TestSecureByDefault(TCBase):
    def routes(self) -> Iterator[tuple[str, str, str]]:
        """(method, rule, endpoint) for every route the app serves through a resource."""
        for rule in self.app.url_map.iter_rules():
            if rule.endpoint in PUBLIC_NON_RESOURCE_ENDPOINTS:
                continue
            for method in sorted(rule.methods - ANSWERED_BY_FLASK):
                yield method, rule.rule, rule.endpoint

    def resource_method(self, endpoint: str, method: str):
        view_class = self.app.view_functions[endpoint].view_class
        return getattr(view_class, method.lower(), None) or view_class.get

    def test_every_route_outside_the_docs_is_a_secure_resource(self):
        for _, rule, endpoint in self.routes():
            with self.subTest(rule=rule):
                view_class = getattr(self.app.view_functions[endpoint], "view_class", None)

                self.assertTrue(view_class and issubclass(view_class, Resource), f"{rule} is not a resource")
                self.assertTrue(issubclass(view_class, BaseResource), f"{rule} bypasses BaseResource")
                self.assertIn("secure", [d.__name__ for d in view_class.method_decorators])

    def test_every_api_route_lies_under_the_versioned_prefix_or_is_a_probe(self):
        for _, rule, _ in self.routes():
            with self.subTest(rule=rule):
                self.assertTrue(rule.startswith(("/api/v1/", "/health", "/ready")), rule)

    def test_the_public_markers_are_exactly_the_public_list(self):
        marked = {
            public_of(method, rule)
            for method, rule, endpoint in self.routes()
            if getattr(self.resource_method(endpoint, method), "is_public", False)
        }

        self.assertEqual(marked, PUBLIC)

    def test_every_non_public_route_answers_401_without_a_token(self):
        checked = 0
        for method, rule, _ in self.routes():
            if public_of(method, rule) in PUBLIC:
                continue
            with self.subTest(method=method, rule=rule):
                response = self.request(method, concrete(rule), json={})

                self.assertEqual(response.status_code, 401, response.get_data(as_text=True))
                self.assertIn("Bearer", response.headers["WWW-Authenticate"])
                if method != "HEAD":
                    self.assert_problem(response, 401)
                checked += 1
        self.assertGreaterEqual(checked, 15)

    def test_non_public_routes_refuse_a_forged_token_too(self):
        forged = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4IiwidHlwZSI6ImFjY2VzcyJ9."
        for method, rule, _ in self.routes():
            if public_of(method, rule) in PUBLIC or method == "HEAD":
                continue
            with self.subTest(method=method, rule=rule):
                self.assert_problem(self.request(method, concrete(rule), json={}, token=forged), 401)

    def test_public_routes_answer_without_a_token(self):
        routes = {(method, rule) for method, rule, _ in self.routes()}
        for method, rule in sorted(PUBLIC & routes):
            with self.subTest(method=method, rule=rule):
                response = self.request(method, concrete(rule), json={})

                self.assertNotEqual(response.status_code, 401, response.get_data(as_text=True))

    def test_the_public_list_names_real_routes(self):
        routes = {(method, rule) for method, rule, _ in self.routes()}

        self.assertLessEqual(PUBLIC, routes)


class DebugLogConfig(TestConfig):
    """The test config, logging everything as a developer's machine does."""

    LOG_LEVEL = "DEBUG"


class ListHandler(logging.Handler):
    """Keeps every formatted record, tracebacks included."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def every_log_line() -> Iterator[list[str]]:
    """Collect what reaches the root logger, and the access log that does not propagate to it."""
    handler = ListHandler()
    targets = [logging.getLogger(), logging.getLogger("app.access")]
    for logger in targets:
        logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        for logger in targets:
            logger.removeHandler(handler)


class DebugLogCase(TCBase):
    """A TCBase whose app logs everything; the loggers' levels are put back afterwards."""

    config = DebugLogConfig

    def setUp(self) -> None:
        root, app_logger = logging.getLogger(), logging.getLogger("app")
        self.addCleanup(root.setLevel, root.level)
        self.addCleanup(app_logger.setLevel, app_logger.level)
        super().setUp()


class TestNoSecretsLeak(DebugLogCase):
    def stored_hash(self, email: str) -> str:
        with self.app.app_context():
            return User.objects.get(email=email).password_hash

    def test_flows_never_log_or_echo_passwords_hashes_or_tokens(self):
        email, new_password, wrong = random_email(), "a brand new passphrase", "wrong " + PASSWORD
        _, admin_token = self.auth(role="admin")
        pairs, others = [], []
        with every_log_line() as lines:
            others.append(
                self.request(
                    "POST", "auth/signup", json={"email": email, "password": PASSWORD, "displayName": "Leak Check"}
                )
            )
            old_hash = self.stored_hash(email)
            login = self.request("POST", "auth/login", json={"email": email, "password": PASSWORD})
            pairs.append(login)
            first = login.get_json()
            others.append(self.request("POST", "auth/login", json={"email": email, "password": wrong}))
            refreshed = self.request("POST", "auth/refresh", token=first["refreshToken"])
            pairs.append(refreshed)
            others.append(self.request("POST", "auth/refresh", token=first["refreshToken"]))  # reuse
            second = self.login_pair(email)
            token = second["accessToken"]
            others.append(self.request("GET", "me", token=token))
            others.append(self.request("PATCH", "me", json={"displayName": "Renamed"}, token=token))
            others.append(
                self.request(
                    "PUT", "me/password", json={"currentPassword": wrong, "newPassword": new_password}, token=token
                )
            )
            others.append(
                self.request(
                    "PUT", "me/password", json={"currentPassword": PASSWORD, "newPassword": "short"}, token=token
                )
            )
            others.append(
                self.request(
                    "PUT", "me/password", json={"currentPassword": PASSWORD, "newPassword": new_password}, token=token
                )
            )
            new_hash = self.stored_hash(email)
            others.append(self.request("GET", "users", token=admin_token))
            others.append(self.request("GET", "me", query_string={"access_token": token}))
            others.append(self.request("POST", "auth/logout", token=token))
            others.append(self.request("POST", "auth/logout", token=token))
        tokens = [first["accessToken"], first["refreshToken"], second["accessToken"], second["refreshToken"]]
        tokens += [refreshed.get_json()["accessToken"], refreshed.get_json()["refreshToken"], admin_token]
        passwords = [PASSWORD, new_password, wrong]
        hashes = [old_hash, new_hash, old_hash.rsplit("$", 1)[1], new_hash.rsplit("$", 1)[1]]
        keys = [self.app.config["JWT_SECRET_KEY"], self.app.config["SECRET_KEY"]]
        signatures = [t.rsplit(".", 1)[1] for t in tokens]

        logged = "\n".join(lines)
        for secret in passwords + hashes + tokens + signatures + keys:
            self.assertNotIn(secret, logged)
        for response in others:
            echoed = response.get_data(as_text=True) + str(response.headers)
            for secret in passwords + hashes + tokens + signatures + keys:
                self.assertNotIn(secret, echoed, response.request.path)
        for response in pairs:
            self.assertEqual(set(response.get_json()), {"accessToken", "refreshToken", "tokenType", "expiresIn"})
            echoed = response.get_data(as_text=True) + str(response.headers)
            for secret in passwords + hashes + keys + [email]:
                self.assertNotIn(secret, echoed)
        self.assertIn("account created", logged)  # the flows did log, so the check means something
        self.assertIn('"path":"/api/v1/auth/login"', logged)


# capability: mail
class TestNoMailTokensLeak(MailTCBase):
    """Every mailed flow, logged at DEBUG with the worker running the jobs: no token reaches a log or a response."""

    settings = {"LOG_LEVEL": "DEBUG"}

    def setUp(self) -> None:
        root, app_logger = logging.getLogger(), logging.getLogger("app")
        self.addCleanup(root.setLevel, root.level)
        self.addCleanup(app_logger.setLevel, app_logger.level)
        super().setUp()

    def test_mailed_tokens_never_reach_a_log_line_or_a_response(self):
        email, new_email, new_password = random_email(), random_email(), "a brand new passphrase"
        responses = []
        with every_log_line() as lines:
            signup = {"email": email, "password": PASSWORD, "displayName": "Mail Leak Check"}
            responses.append(self.request("POST", "auth/signup", json=signup))
            self.run_jobs()
            verification = self.mailbox.token(self.mailbox.to(email)[0])
            responses.append(self.request("POST", "auth/verify-email", json={"token": verification}))
            responses.append(self.request("POST", "auth/verify-email", json={"token": verification}))  # spent
            responses.append(self.request("POST", "auth/password-reset", json={"email": email}))
            self.run_jobs()
            reset = self.mailbox.token(self.mailbox.to(email)[-1])
            confirm = {"token": reset, "newPassword": new_password}
            responses.append(self.request("POST", "auth/password-reset/confirm", json={**confirm, "newPassword": "x"}))
            responses.append(self.request("POST", "auth/password-reset/confirm", json=confirm))
            responses.append(self.request("POST", "auth/password-reset/confirm", json=confirm))  # spent
            token = self.login(email, new_password)
            change = {"email": new_email, "password": new_password}
            responses.append(self.request("PUT", "me/email", json=change, token=token))
            self.run_jobs()
            confirmation = self.mailbox.token(self.mailbox.to(new_email)[-1])
            responses.append(self.request("POST", "auth/confirm-email", json={"token": confirmation}))
            responses.append(self.request("POST", "auth/confirm-email", json={"token": confirmation}))  # spent
            self.run_jobs()
        secrets = [verification, reset, confirmation, new_password, PASSWORD]
        secrets += [hashlib.sha256(t.encode()).hexdigest() for t in (verification, reset, confirmation)]

        logged = "\n".join(lines)
        for secret in secrets:
            self.assertNotIn(secret, logged)
        for response in responses:
            echoed = response.get_data(as_text=True) + str(response.headers)
            for secret in secrets:
                self.assertNotIn(secret, echoed, response.request.path)
        self.assertEqual(len(self.mailbox.messages()), 5)  # verify, reset, changed notice, confirmation, old notice
        self.assertIn('"kind":"send_mail"', logged)  # the jobs ran and logged, so the check means something
        self.assertIn("app.mail INFO mail", logged)
        self.assertIn('"path":"/api/v1/auth/confirm-email"', logged)


# end capability: mail
