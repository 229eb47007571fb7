"""Liveness and readiness probes."""

from __future__ import annotations

from unittest import mock

from pymongo.errors import ServerSelectionTimeoutError

from tests.views import TCBase


def failing_db(error: Exception) -> mock.Mock:
    """A database handle whose ping raises `error`, whatever the backend."""
    db = mock.Mock()
    db.client.admin.command.side_effect = error
    return db


class TinyLimitConfig(TCBase.config):
    RATELIMIT_DEFAULT = "2 per minute"


class TestProbes(TCBase):
    def test_health_answers_without_touching_the_database(self):
        with mock.patch("pymongo.collection.Collection.find", side_effect=AssertionError("no DB call")):
            response = self.request("GET", "/health")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_json(), {"status": "ok"})

    def test_ready_when_the_database_answers(self):
        response = self.request("GET", "/ready")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_json(), {"status": "ready"})

    def test_not_ready_is_503_with_retry_after_when_the_ping_fails(self):
        with mock.patch("app.views.health.get_db", return_value=failing_db(ServerSelectionTimeoutError("down"))):
            response = self.request("GET", "/ready")
            health = self.request("GET", "/health")

        self.assert_problem(response, 503)
        self.assertEqual(response.headers["Retry-After"], "5")
        self.assertEqual(health.status_code, 200)

    def test_other_ping_failures_are_500_not_hidden_as_503(self):
        with (
            mock.patch("mongomock.database.Database.command", side_effect=ValueError("bug")),
            self.assertLogs("app.errors"),
        ):
            response = self.request("GET", "/ready")

        self.assert_problem(response, 500)


class TestProbesAreNotThrottled(TCBase):
    config = TinyLimitConfig

    def test_probes_pass_the_default_limit_that_other_routes_hit(self):
        statuses = {path: [self.request("GET", path).status_code for _ in range(5)] for path in ("/health", "/ready")}
        api = [self.request("GET", "sample").status_code for _ in range(3)]

        self.assertEqual(statuses, {"/health": [200] * 5, "/ready": [200] * 5})
        self.assertEqual(api, [200, 200, 429])
        self.assertNotIn("X-RateLimit-Limit", self.request("GET", "/health").headers)
