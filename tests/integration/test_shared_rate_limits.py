"""Rate limits hold across processes that share one Redis server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REDIS = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


def get(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@unittest.skipUnless(
    REDIS or os.environ.get("REQUIRE_REDIS"), "needs redis-server (apt-get install redis-server); CI installs it"
)
class TestSharedRateLimits(unittest.TestCase):
    def setUp(self) -> None:
        if not REDIS:
            self.fail("REQUIRE_REDIS is set but redis-server is not installed: apt-get install redis-server")
        self.processes: list[subprocess.Popen] = []
        redis_port = free_port()
        self.start([REDIS, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        wait_for_port(redis_port)
        env = {
            **os.environ,
            "APP_CONFIG": "test",
            "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}/0",
            "RATELIMIT_DEFAULT": "4 per minute",
            "LOG_LEVEL": "ERROR",
        }
        self.ports = [free_port(), free_port()]
        for port in self.ports:
            command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
            self.start([*command, "app:create_app()"], env=env)
        for port in self.ports:
            wait_for_port(port)

    def start(self, command: list[str], env: dict[str, str] | None = None) -> None:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(process)
        self.addCleanup(self.stop, process)

    @staticmethod
    def stop(process: subprocess.Popen) -> None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()

    def test_two_servers_share_one_budget(self):
        a, b = self.ports
        statuses = [get(port, "/api/v1/sample") for port in (a, b, a, b)]
        self.assertEqual(statuses, [200, 200, 200, 200])
        # the budget of 4 is spent across both processes
        self.assertEqual(get(a, "/api/v1/sample"), 429)
        self.assertEqual(get(b, "/api/v1/sample"), 429)
