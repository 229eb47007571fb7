"""Liveness and readiness probes: public, never throttled, documented; /ready follows the database."""

from __future__ import annotations

from unittest import mock

from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError

from tests.views import TCBase
from tests.views.probe import PROBE, ProbeTCBase

NO_DB = AssertionError("the liveness probe must not touch the database")


def failing_db(error: Exception) -> mock.Mock:
    """A database handle whose ping raises `error`, whatever the backend."""
    db = mock.Mock()
    db.client.admin.command.side_effect = error
    return db


class TinyLimitConfig(TCBase.config):
    RATELIMIT_DEFAULT = "2 per minute"


class TestHealth(ProbeTCBase):
    def test_health_answers_without_touching_the_database(self):
        with (
            mock.patch("app.views.health.get_db", side_effect=NO_DB) as get_db,
            mock.patch("mongomock.database.Database.command", side_effect=NO_DB) as command,
            mock.patch("mongomock.collection.Collection.find", side_effect=NO_DB) as find,
        ):
            response = self.request("GET", "/health")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_json(), {"status": "ok"})
        self.assertEqual((get_db.call_count, command.call_count, find.call_count), (0, 0, 0))

    def test_health_is_public_json_with_the_usual_headers(self):
        response = self.request("GET", "/health", headers={"X-Request-ID": "probe-1"})

        self.assertEqual(response.mimetype, "application/json")
        self.assertEqual(response.headers["X-Request-ID"], "probe-1")
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")

    def test_probes_live_at_the_root_not_under_the_versioned_prefix(self):
        response = self.request("GET", "health")

        self.assert_problem(response, 404)

    def test_health_refuses_an_accept_header_without_json(self):
        response = self.request("GET", "/health", headers={"Accept": "text/html"})

        self.assert_problem(response, 406)

    def test_other_methods_are_405_with_allow(self):
        response = self.request("POST", "/health", json={})

        self.assert_problem(response, 405)
        self.assertIn("GET", response.headers["Allow"])


class TestReady(ProbeTCBase):
    def test_ready_when_the_database_answers(self):
        response = self.request("GET", "/ready")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_json(), {"status": "ready"})

    def test_ready_pings_the_database(self):
        db = mock.Mock()
        db.client.admin.command.return_value = {"ok": 1.0}
        with mock.patch("app.views.health.get_db", return_value=db):
            response = self.request("GET", "/ready")

        self.assertEqual(response.status_code, 200)
        db.client.admin.command.assert_called_once_with("ping")

    def test_not_ready_is_503_with_retry_after_when_the_ping_times_out(self):
        with (
            mock.patch("app.views.health.get_db", return_value=failing_db(ServerSelectionTimeoutError("down"))),
            self.assertLogs("app.errors", "ERROR") as logs,
        ):
            response = self.request("GET", "/ready")
            health = self.request("GET", "/health")

        body = self.assert_problem(response, 503)
        self.assertEqual(response.headers["Retry-After"], "5")
        self.assertEqual(body["detail"], "The database is unavailable; try again shortly")
        self.assertNotIn("down", response.get_data(as_text=True))
        self.assertEqual(logs.output, ["ERROR:app.errors:database unavailable: ServerSelectionTimeoutError"])
        self.assertEqual(health.status_code, 200)

    def test_a_lost_connection_is_503_too(self):
        with mock.patch("app.views.health.get_db", return_value=failing_db(AutoReconnect("connection reset"))):
            response = self.request("GET", "/ready")

        self.assert_problem(response, 503)
        self.assertEqual(response.headers["Retry-After"], "5")

    def test_other_ping_failures_are_500_not_hidden_as_503(self):
        with (
            mock.patch("app.views.health.get_db", return_value=failing_db(ValueError("bug"))),
            self.assertLogs("app.errors", "ERROR"),
        ):
            response = self.request("GET", "/ready")

        self.assert_problem(response, 500)
        self.assertNotIn("Retry-After", response.headers)


class TestProbesAreNotThrottled(ProbeTCBase):
    config = TinyLimitConfig

    def test_probes_pass_the_default_limit_that_other_routes_hit(self):
        statuses = {path: [self.request("GET", path).status_code for _ in range(5)] for path in ("/health", "/ready")}
        api = [self.request("GET", PROBE).status_code for _ in range(3)]

        self.assertEqual(statuses, {"/health": [200] * 5, "/ready": [200] * 5})
        self.assertEqual(api, [200, 200, 429])
        self.assertNotIn("X-RateLimit-Limit", self.request("GET", "/health").headers)

    def test_probes_still_answer_once_the_client_is_throttled_elsewhere(self):
        for _ in range(3):
            self.request("GET", PROBE)

        self.assertEqual(self.request("GET", "/health").status_code, 200)
        self.assertEqual(self.request("GET", "/ready").status_code, 200)


class TestProbesAreDocumented(ProbeTCBase):
    def setUp(self) -> None:
        super().setUp()
        self.paths = self.request("GET", "/openapi.json").get_json()["paths"]

    def test_both_probes_are_public_operations_with_ids_and_tags(self):
        operations = {path: self.paths[path]["get"] for path in ("/health", "/ready")}

        self.assertEqual({op["operationId"] for op in operations.values()}, {"getHealth", "getReady"})
        for operation in operations.values():
            self.assertEqual(operation["tags"], ["health"])
            self.assertEqual(operation["security"], [])

    def test_every_response_has_an_example_and_ready_documents_503_with_retry_after(self):
        health, ready = self.paths["/health"]["get"]["responses"], self.paths["/ready"]["get"]["responses"]

        self.assertEqual((sorted(health), sorted(ready)), (["200", "406"], ["200", "406", "503"]))
        for response in [*health.values(), *ready.values()]:
            media = response["content"].get("application/json") or response["content"]["application/problem+json"]
            self.assertIn("example", media)
        self.assertIn("Retry-After", ready["503"]["headers"])
        self.assertEqual(ready["503"]["content"]["application/problem+json"]["example"]["status"], 503)
