"""One JSON line per request on `app.access`, with the request id and, once known, the user; no secrets in any log."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from app.logs import AppHandler, JsonFormatter
from tests.views import PASSWORD, TCBase
from tests.views.probe import PROBE, ProbeTCBase

KEYS = {"requestId", "method", "path", "status", "durationMs"}


class TestRequestLog(ProbeTCBase):
    def lines(self, logs) -> list[dict]:
        return [json.loads(record.getMessage()) for record in logs.records]

    def test_one_line_per_request_with_the_keys(self):
        with self.assertLogs("app.access", "INFO") as logs:
            response = self.request("GET", PROBE, headers={"X-Request-ID": "req-1"})
            self.request("GET", "/nowhere")

        first, second = self.lines(logs)
        self.assertEqual(set(first), KEYS)
        self.assertEqual(
            (first["requestId"], first["method"], first["path"], first["status"]),
            ("req-1", "GET", f"/api/v1/{PROBE}", 200),
        )
        self.assertEqual(response.headers["X-Request-ID"], "req-1")
        self.assertIsInstance(first["durationMs"], float)
        self.assertGreaterEqual(first["durationMs"], 0)
        self.assertEqual((second["path"], second["status"]), ("/nowhere", 404))

    def test_the_line_is_one_line_of_json_on_its_own_logger(self):
        with self.assertLogs("app.access", "INFO") as logs:
            self.request("POST", "auth/login", json={"email": "x@example.com", "password": "wrong"})

        (record,) = logs.records
        self.assertEqual((record.name, record.levelno), ("app.access", logging.INFO))
        self.assertNotIn("\n", record.getMessage())
        self.assertEqual(json.loads(record.getMessage())["status"], 401)
        self.assertFalse(logging.getLogger("app.access").propagate)  # not repeated in the root's text format

    def test_errors_and_refusals_get_a_line_too(self):
        with self.assertLogs("app.access", "INFO") as logs:
            self.request("DELETE", "/health")
            self.request("GET", PROBE, headers={"Accept": "text/html"})
            self.request("POST", "auth/login", data="<xml/>", headers={"Content-Type": "application/xml"})

        self.assertEqual([line["status"] for line in self.lines(logs)], [405, 406, 415])

    def test_user_id_is_logged_once_the_token_is_verified(self):
        user, token = self.auth()

        with self.assertLogs("app.access", "INFO") as logs:
            self.request("GET", "me", token=token)
            self.request("GET", "me", token="bad.token.here")
            self.request("GET", PROBE)

        authed, refused, anonymous = self.lines(logs)
        self.assertEqual(authed["userId"], str(user.id))
        self.assertEqual(set(authed), {*KEYS, "userId"})
        self.assertNotIn("userId", refused)
        self.assertEqual(refused["status"], 401)
        self.assertNotIn("userId", anonymous)

    def test_a_revoked_token_is_not_credited_with_a_user(self):
        _, token = self.auth()
        self.request("POST", "auth/logout", token=token)

        with self.assertLogs("app.access", "INFO") as logs:
            response = self.request("GET", "me", token=token)

        self.assertEqual(response.status_code, 401)
        self.assertNotIn("userId", self.lines(logs)[0])

    def test_a_well_formed_request_id_is_kept(self):
        with self.assertLogs("app.access", "INFO") as logs:
            response = self.request("GET", PROBE, headers={"X-Request-ID": "abc.DEF_123-x"})

        self.assertEqual(response.headers["X-Request-ID"], "abc.DEF_123-x")
        self.assertEqual(self.lines(logs)[0]["requestId"], "abc.DEF_123-x")

    def test_any_other_request_id_is_replaced_by_a_uuid_and_that_is_what_gets_logged(self):
        for incoming in ("bad id with spaces", "a" * 129, '{"injected": true}', "line\\nbreak"):
            with self.subTest(incoming=incoming), self.assertLogs("app.access", "INFO") as logs:
                response = self.request("GET", PROBE, headers={"X-Request-ID": incoming})

                logged = self.lines(logs)[0]["requestId"]
                self.assertEqual(uuid.UUID(logged).version, 4)
                self.assertEqual(logged, response.headers["X-Request-ID"])
                self.assertNotIn(incoming, "\n".join(logs.output))

    def test_the_path_is_logged_never_the_query_string(self):
        _, token = self.auth()

        with self.assertLogs("app.access", "INFO") as logs:
            self.request("GET", f"/api/v1/me?access_token={token}&password={PASSWORD}", token=token)

        line = self.lines(logs)[0]
        self.assertEqual(line["path"], "/api/v1/me")
        self.assertNotIn("access_token", logs.output[0])
        self.assertNotIn(token, logs.output[0])


class DebugLogConfig(TCBase.config):
    LOG_LEVEL = "DEBUG"


class TestNoSecretsInAnyLog(ProbeTCBase):
    """Every logger at DEBUG, through a whole account's life: no password, hash or token in any record."""

    config = DebugLogConfig

    @contextmanager
    def everything_logged(self) -> Iterator[list[str]]:
        """Capture every record of every logger (the access logger does not propagate to the root)."""
        captured: list[str] = []
        with ExitStack() as stack:
            root = stack.enter_context(self.assertLogs(None, "DEBUG"))
            access = stack.enter_context(self.assertLogs("app.access", "DEBUG"))
            yield captured
        for record in [*root.records, *access.records]:
            captured.append(f"{record.getMessage()} {record.args!r} {record.__dict__!r}")

    def test_passwords_hashes_and_tokens_never_reach_the_log(self):
        from app.models import User

        email, new_password = "log-check@example.com", "another horse battery staple"
        with self.everything_logged() as captured:
            signup = {"email": email, "password": PASSWORD, "displayName": "Log Check"}
            self.assertEqual(self.request("POST", "auth/signup", json=signup).status_code, 201)
            self.request("POST", "auth/login", json={"email": email, "password": "wrong " + PASSWORD})
            pair = self.login_pair(email)
            access, refresh = pair["accessToken"], pair["refreshToken"]
            self.request("GET", f"/api/v1/me?token={access}", token=access)
            change = {"currentPassword": PASSWORD, "newPassword": new_password}
            self.assertEqual(self.request("PUT", "me/password", json=change, token=access).status_code, 204)
            rotated = self.request("POST", "auth/refresh", token=refresh).get_json()
            self.request("POST", "auth/logout", token=rotated["accessToken"])
            self.request("GET", "me", token=access + "tampered")
        with self.app.app_context():
            stored_hash = User.objects.get(email=email).password_hash

        text = "\n".join(captured)
        self.assertIn("/api/v1/auth/login", text)  # the capture did see the requests
        secrets = {
            "password": PASSWORD,
            "new password": new_password,
            "hash": stored_hash,
            "hash parameters": stored_hash.rsplit("$", 2)[0],
            "access token": access,
            "refresh token": refresh,
            "rotated access token": rotated["accessToken"],
            "rotated refresh token": rotated["refreshToken"],
            "token signature": access.rsplit(".", 1)[-1],
        }
        for name, secret in secrets.items():
            with self.subTest(secret=name):
                self.assertNotIn(secret, text)


class JsonLogConfig(TCBase.config):
    LOG_FORMAT = "json"
    LOG_LEVEL = "INFO"


class TestJsonLogFormat(ProbeTCBase):
    """LOG_FORMAT=json: every other record is one JSON object per line too, tracebacks included."""

    config = JsonLogConfig

    def capture_root_handler(self) -> io.StringIO:
        """Point the app's root handler at a buffer for this test."""
        handler = next(h for h in logging.getLogger().handlers if isinstance(h, AppHandler))
        stream = io.StringIO()
        self.addCleanup(handler.setStream, handler.setStream(stream))
        return stream

    def test_records_are_json_lines_with_the_request_id(self):
        stream = self.capture_root_handler()

        self.request("GET", "me", token="not.a.token", headers={"X-Request-ID": "json-1"})

        (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
        self.assertEqual(set(line), {"time", "level", "logger", "requestId", "message"})
        self.assertEqual((line["level"], line["logger"], line["requestId"]), ("INFO", "app.errors", "json-1"))
        self.assertRegex(line["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_a_traceback_stays_inside_its_one_line(self):
        @self.app.route("/boom")
        def boom():
            raise RuntimeError("kaboom")

        stream = self.capture_root_handler()

        response = self.request("GET", "/boom")

        (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
        self.assertEqual((line["level"], line["requestId"]), ("ERROR", response.headers["X-Request-ID"]))
        self.assertIn("Traceback", line["exception"])
        self.assertIn("RuntimeError: kaboom", line["exception"])

    def test_a_later_app_reuses_the_one_handler_and_changes_only_its_format(self):
        from app import create_app

        create_app(TCBase.config)  # text format
        create_app(JsonLogConfig)

        ours = {
            name: [h for h in logging.getLogger(name).handlers if isinstance(h, AppHandler)]
            for name in ("", "app.access")
        }
        self.assertEqual({name: len(handlers) for name, handlers in ours.items()}, {"": 1, "app.access": 1})
        self.assertIsInstance(ours[""][0].formatter, JsonFormatter)

    def test_an_unknown_format_is_refused_at_start_up(self):
        from app import create_app
        from config import ConfigError

        class BadFormat(TCBase.config):
            LOG_FORMAT = "xml"

        with self.assertRaisesRegex(ConfigError, "LOG_FORMAT"):
            create_app(BadFormat)

    def test_the_format_is_read_from_the_environment(self):
        from config import TestConfig

        self.assertEqual(TestConfig.settings({"LOG_FORMAT": "json"})["LOG_FORMAT"], "json")
        self.assertEqual(TestConfig.settings({})["LOG_FORMAT"], "text")


class NoAccessLogConfig(TCBase.config):
    ACCESS_LOG = False


class TestAccessLogOff(ProbeTCBase):
    config = NoAccessLogConfig

    def test_switch_turns_the_lines_off(self):
        with self.assertNoLogs("app.access", "INFO"):
            self.request("GET", PROBE)


class TestDriverLogging(ProbeTCBase):
    def test_pymongo_never_logs_commands_even_when_the_app_debugs(self):
        from app import create_app
        from config import DevConfig

        create_app(DevConfig)

        self.assertGreaterEqual(logging.getLogger("pymongo").getEffectiveLevel(), logging.INFO)
        self.assertEqual(logging.getLogger().level, logging.DEBUG)
