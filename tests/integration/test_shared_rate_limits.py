"""Rate limits hold across processes that share one Redis server."""

from __future__ import annotations

import os
import sys

from tests.integration.servers import ServersTestCase, call, free_port, wait_for_port
from tests.views.probe import PROBE


class TestSharedRateLimits(ServersTestCase):
    def setUp(self) -> None:
        super().setUp()
        env = {
            **os.environ,
            "APP_CONFIG": "test",
            "RATELIMIT_STORAGE_URI": self.start_redis(),
            "RATELIMIT_DEFAULT": "4 per minute",
            "LOG_LEVEL": "ERROR",
        }
        self.ports = [free_port(), free_port()]
        for port in self.ports:
            command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
            self.start([*command, "tests.views.probe:probe_app()"], env=env)
        for port in self.ports:
            wait_for_port(port)

    def test_two_servers_share_one_budget(self):
        a, b = self.ports
        statuses = [call(port, "GET", f"/api/v1/{PROBE}").status for port in (a, b, a, b)]
        self.assertEqual(statuses, [200, 200, 200, 200])
        # the budget of 4 is spent across both processes
        self.assertEqual(call(a, "GET", f"/api/v1/{PROBE}").status, 429)
        self.assertEqual(call(b, "GET", f"/api/v1/{PROBE}").status, 429)
