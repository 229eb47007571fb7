"""One JSON line per request on `app.access`, with the request id and, once known, the user."""

from __future__ import annotations

import json

from tests.views import PASSWORD, TCBase


class TestRequestLog(TCBase):
    def lines(self, logs) -> list[dict]:
        return [json.loads(record.getMessage()) for record in logs.records]

    def test_one_line_per_request_with_the_keys(self):
        with self.assertLogs("app.access", "INFO") as logs:
            response = self.request("GET", "sample", headers={"X-Request-ID": "req-1"})
            self.request("GET", "/nowhere")

        first, second = self.lines(logs)
        self.assertEqual(set(first), {"requestId", "method", "path", "status", "durationMs"})
        self.assertEqual(
            (first["requestId"], first["method"], first["path"], first["status"]),
            ("req-1", "GET", "/api/v1/sample", 200),
        )
        self.assertEqual(response.headers["X-Request-ID"], "req-1")
        self.assertGreaterEqual(first["durationMs"], 0)
        self.assertEqual(second["status"], 404)

    def test_user_id_is_logged_once_the_token_is_verified(self):
        user, token = self.auth()

        with self.assertLogs("app.access", "INFO") as logs:
            self.request("GET", "me", token=token)
            self.request("GET", "me", token="bad.token.here")

        authed, refused = self.lines(logs)
        self.assertEqual(authed["userId"], str(user.id))
        self.assertNotIn("userId", refused)
        self.assertEqual(refused["status"], 401)

    def test_a_replaced_request_id_is_what_gets_logged(self):
        with self.assertLogs("app.access", "INFO") as logs:
            response = self.request("GET", "sample", headers={"X-Request-ID": "bad id with spaces"})

        self.assertEqual(self.lines(logs)[0]["requestId"], response.headers["X-Request-ID"])

    def test_no_query_string_token_or_password_reaches_the_line(self):
        user, token = self.auth()

        with self.assertLogs("app.access", "INFO") as logs:
            self.request("GET", f"/api/v1/me?access_token={token}", token=token)
            self.request("POST", "auth/login", json={"email": user.email, "password": PASSWORD})

        text = "\n".join(logs.output)
        self.assertNotIn(token, text)
        self.assertNotIn("access_token", text)
        self.assertNotIn(PASSWORD, text)
        self.assertEqual(self.lines(logs)[0]["path"], "/api/v1/me")


class NoAccessLogConfig(TCBase.config):
    ACCESS_LOG = False


class TestAccessLogOff(TCBase):
    config = NoAccessLogConfig

    def test_switch_turns_the_lines_off(self):
        with self.assertNoLogs("app.access", "INFO"):
            self.request("GET", "sample")


class TestDriverLogging(TCBase):
    def test_pymongo_never_logs_commands_even_when_the_app_debugs(self):
        import logging

        from app import create_app
        from config import DevConfig

        create_app(DevConfig)

        self.assertGreaterEqual(logging.getLogger("pymongo").getEffectiveLevel(), logging.INFO)
        self.assertEqual(logging.getLogger().level, logging.DEBUG)
