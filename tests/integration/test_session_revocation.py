"""Ending a session is seen by every worker at once: nothing about a session is cached in a process.

The app runs as `make serve` runs it (gunicorn, production config) with two workers, against nx-27017. gunicorn's
own access log names the worker (pid) that answered each request, so the test keeps asking until both have.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from tests.integration.servers import Reply, ServersTestCase, call, free_port

log = logging.getLogger(__name__)

PASSWORD = "correct horse battery"
# Enough for two workers taking connections from one socket to both answer, many times over.
MAX_REQUESTS = 200


class TestRevocationAcrossWorkers(ServersTestCase):
    needs_mongo_standin = True

    def setUp(self) -> None:
        super().setUp()
        mongo_port = free_port()
        self.start_mongo_standin(mongo_port, self.temp_dir() / "sessions.sqlite")
        env = self.production_env(f"mongodb://127.0.0.1:{mongo_port}/app", self.start_redis(), WEB_CONCURRENCY="2")
        self.access_log = self.temp_dir() / "access.log"
        self.access_log.touch()
        self.port = self.start_app(
            env, "--access-logfile", str(self.access_log), "--access-logformat", "%(p)s %(s)s %(m)s %(U)s"
        )
        self.answered = 0  # access-log lines already read

    def answer(self, method: str, path: str, token: str | None = None, body: object = None) -> tuple[Reply, str]:
        """One request, and the worker (pid) that answered it, read from the line gunicorn logs after answering."""
        reply = call(self.port, method, path, body, token)
        deadline = time.monotonic() + 5
        while True:
            lines = Path(self.access_log).read_text().splitlines()
            if len(lines) > self.answered:
                break
            self.assertLess(time.monotonic(), deadline, "gunicorn logged no access line")
            time.sleep(0.005)
        self.answered += 1
        pid, status, logged_method, logged_path = lines[self.answered - 1].split()
        self.assertEqual((logged_method, logged_path, int(status)), (method, path, reply.status))
        return reply, pid

    def statuses_by_worker(self, method: str, path: str, token: str) -> dict[str, set[int]]:
        """Ask until two workers have answered: the statuses each gave."""
        seen: dict[str, set[int]] = {}
        for count in range(1, MAX_REQUESTS + 1):
            reply, pid = self.answer(method, path, token)
            seen.setdefault(pid, set()).add(reply.status)
            if len(seen) == 2:
                log.info("two workers answered %s %s within %d requests", method, path, count)
                return seen
        self.fail(f"only worker(s) {sorted(seen)} answered {MAX_REQUESTS} requests")

    def test_an_ended_sessions_tokens_are_refused_by_every_worker_at_once(self):
        user = {"email": "workers@example.com", "password": PASSWORD, "displayName": "Workers"}
        login = {"email": user["email"], "password": PASSWORD}
        self.assertEqual(self.answer("POST", "/api/v1/auth/signup", body=user)[0].status, 201)
        lost = self.answer("POST", "/api/v1/auth/login", body=login)[0].json()
        keep = self.answer("POST", "/api/v1/auth/login", body=login)[0].json()["accessToken"]
        # Both workers have accepted the token (anything they would cache about it, they now have).
        before = self.statuses_by_worker("GET", "/api/v1/me", lost["accessToken"])
        self.assertEqual(list(before.values()), [{200}, {200}])
        sessions, _ = self.answer("GET", "/api/v1/me/sessions", keep)
        [lost_id] = [s["id"] for s in sessions.json()["items"] if not s["current"]]

        ended, _ = self.answer("DELETE", f"/api/v1/me/sessions/{lost_id}", keep)

        self.assertEqual(ended.status, 204)
        after = self.statuses_by_worker("GET", "/api/v1/me", lost["accessToken"])
        self.assertEqual(list(after.values()), [{401}, {401}])
        self.assertEqual(set(after), set(before))  # the same two workers
        refreshed, _ = self.answer("POST", "/api/v1/auth/refresh", lost["refreshToken"])
        self.assertEqual(refreshed.status, 401)
        self.assertEqual(self.statuses_by_worker("GET", "/api/v1/me", keep), {pid: {200} for pid in after})
