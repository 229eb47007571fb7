"""`JobsTCBase`: TCBase with the queue on a real redis-server process, and a way to run the queued jobs."""

from __future__ import annotations

from typing import Any

from rq import SimpleWorker

from app.jobs import queue
from app.jobs.queue import worker_options
from tests.integration.servers import ServersTestCase
from tests.views import TCBase


class BurstWorker(SimpleWorker):
    """RQ's in-process worker without its pub/sub listener (nothing sends it commands in a test; joining
    that thread costs a second per burst)."""

    def subscribe(self) -> None:
        pass

    def unsubscribe(self) -> None:
        pass


class JobsTCBase(ServersTestCase, TCBase):
    """A fresh redis-server per test (its own port, stopped by PID) and a fresh app whose REDIS_URL names it."""

    settings: dict[str, Any] = {}

    def setUp(self) -> None:
        ServersTestCase.setUp(self)  # a missing redis-server fails under REQUIRE_REDIS, else skips
        self.redis_url = self.start_redis()
        self.config = type("JobsConfig", (TCBase.config,), {"REDIS_URL": self.redis_url, **self.settings})
        TCBase.setUp(self)

    def run_jobs(self) -> None:
        """Run every queued job to the end (retries re-queued at once included), in this process, on the test's
        database."""
        with self.app.app_context():
            connection = queue.connection()
            worker = BurstWorker([queue.queue(connection)], connection=connection, **worker_options(self.app))
            worker.work(burst=True)
