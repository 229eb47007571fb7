"""`TCBase`: a fresh app and an empty database for every test, plus request helpers."""

from __future__ import annotations

import unittest
import uuid
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app import create_app
from app.database import disconnect_db, drop_db, ensure_indexes
from app.docs import build_spec
from config import TestConfig
from tests.response_log import RESPONSES, RecordingClient
from tests.spec_walk import answer_problems

API = "/api/v1"
PASSWORD = "correct horse battery"
_NO_BODY = object()


def random_email() -> str:
    """A fresh address per call, so tests never collide."""
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


class TCBase(unittest.TestCase):
    """Base class for view tests; `config` may be overridden by a subclass."""

    config = TestConfig

    def setUp(self) -> None:
        self.app = create_app(self.config)
        # Every answer is kept: tearDown holds this test's to the spec, tests/test_spec_rules.py the whole run's.
        self.app.test_client_class = RecordingClient
        self.client: FlaskClient = self.app.test_client()
        self.first_answer = len(RESPONSES)
        with self.app.app_context():
            drop_db()  # against a real server, start from nothing
            ensure_indexes()  # dropping the database dropped them; unique indexes are part of the behaviour

    def tearDown(self) -> None:
        try:
            self.assert_answers_fit_the_spec()
        finally:
            with self.app.app_context():
                drop_db()
            disconnect_db()

    def request(
        self,
        method: str,
        path: str,
        json: Any = _NO_BODY,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> TestResponse:
        """Send a request; `path` without a leading `/` is taken under /api/v1."""
        url = path if path.startswith("/") else f"{API}/{path}"
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        if json is not _NO_BODY:
            kwargs["json"] = json
        return self.client.open(url, method=method.upper(), headers=all_headers, **kwargs)

    def make_user(
        self,
        email: str | None = None,
        password: str = PASSWORD,
        role: str = "user",
        display_name: str | None = None,
        active: bool = True,
    ):
        """Create an account directly (no HTTP), with the app's real password hashing."""
        from app.accounts import create_user
        from app.models import User

        with self.app.app_context():
            user = create_user(email or random_email(), password, display_name or "Test User", role=role)
            if not active:
                User.objects(id=user.id).update_one(set__active=False)
                user.reload()
        return user

    def login_pair(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        """Log in through the API; the whole token pair."""
        response = self.request("POST", "auth/login", json={"email": email, "password": password})
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        return response.get_json()

    def login(self, email: str, password: str = PASSWORD) -> str:
        """Log in through the API; the access token."""
        return self.login_pair(email, password)["accessToken"]

    def auth(self, role: str = "user") -> tuple[Any, str]:
        """A new signed-in user of `role` and its access token."""
        user = self.make_user(role=role)
        return user, self.login(user.email)

    def assert_problem(self, response: TestResponse, status: int) -> dict[str, Any]:
        """Assert an RFC 9457 problem with `status`; return its body."""
        self.assertEqual(response.status_code, status, response.get_data(as_text=True))
        self.assertEqual(response.mimetype, "application/problem+json")
        body = response.get_json(force=True)
        self.assertEqual(body["status"], status)
        self.assertEqual(body["type"], "about:blank")
        self.assertTrue(body["title"])
        self.assertTrue(body["detail"])
        self.assertEqual(body["requestId"], response.headers["X-Request-ID"])
        self.assertNotIn("Traceback", response.get_data(as_text=True))
        return body

    def assert_answers_fit_the_spec(self) -> None:
        """Every answer this test received fits its documented schema, and no 204 or 304 has a Content-Type."""
        problems = answer_problems(build_spec(self.app), RESPONSES[self.first_answer :])
        self.assertEqual(problems, [], "answers the spec does not describe (tests/spec_walk.py)")

    def assert_field_errors(self, response: TestResponse, *fields: str) -> dict[str, Any]:
        """Assert a 400 whose `errors` name exactly `fields` (a field may have several problems)."""
        body = self.assert_problem(response, 400)
        self.assertEqual(sorted({e["field"] for e in body.get("errors", [])}), sorted(set(fields)), body)
        return body
