"""`TCBase`: a fresh app and an empty database for every test, plus request helpers."""

from __future__ import annotations

import unittest
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app import create_app
from app.database import disconnect_db, drop_db
from config import TestConfig

API = "/api/v1"
_NO_BODY = object()


class TCBase(unittest.TestCase):
    """Base class for view tests; `config` may be overridden by a subclass."""

    config = TestConfig

    def setUp(self) -> None:
        self.app = create_app(self.config)
        self.client: FlaskClient = self.app.test_client()
        with self.app.app_context():
            drop_db()  # against a real server, start from nothing

    def tearDown(self) -> None:
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

    def assert_field_errors(self, response: TestResponse, *fields: str) -> dict[str, Any]:
        """Assert a 400 whose `errors` name exactly `fields`."""
        body = self.assert_problem(response, 400)
        self.assertEqual(sorted(e["field"] for e in body.get("errors", [])), sorted(fields), body)
        return body
