"""Real server processes for integration tests: redis-server, the nx-27017 MongoDB stand-in, the app under gunicorn."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import unittest
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from scripts.ports import free_port, wait_for_port

__all__ = ["ServersTestCase", "call", "free_port", "wait_for_port"]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS = shutil.which("redis-server")
NX_27017 = BIN / "nx-27017"


class Reply:
    """What an HTTP call answered."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        return json.loads(self.body)


def call(port: int, method: str, path: str, body: Any = None, token: str | None = None) -> Reply:
    """One request to the app on `port`; HTTP errors are answers, not exceptions."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


class ServersTestCase(unittest.TestCase):
    """Starts processes and always stops them; skips without redis-server unless REQUIRE_REDIS is set."""

    def setUp(self) -> None:
        if not REDIS:
            if os.environ.get("REQUIRE_REDIS"):
                self.fail("REQUIRE_REDIS is set but redis-server is not installed: apt-get install redis-server")
            self.skipTest("needs redis-server (apt-get install redis-server); CI installs it")

    def start(self, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self.stop, process)
        return process

    @staticmethod
    def stop(process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def start_redis(self) -> str:
        port = free_port()
        self.start([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        wait_for_port(port)
        return f"redis://127.0.0.1:{port}/0"

    def start_mongo_standin(self, port: int, data_file: Path) -> subprocess.Popen:
        """nx-27017: a MongoDB wire-protocol server over SQLite, in its own process."""
        process = self.start(
            [
                str(NX_27017),
                "--db",
                str(data_file),
                "--port",
                str(port),
                "--pid-file",
                str(data_file.with_suffix(".pid")),
                "--log-file",
                str(data_file.with_suffix(".log")),
            ]
        )
        wait_for_port(port)
        return process

    def production_env(self, mongodb_uri: str, redis_uri: str, **extra: str) -> dict[str, str]:
        """The environment `make serve` needs, with strong secrets shared by every process of one test."""
        if not hasattr(self, "_secrets"):
            self._secrets = {name: secrets.token_urlsafe(48) for name in ("SECRET_KEY", "JWT_SECRET_KEY")}
        return {
            **{k: v for k, v in os.environ.items() if k.startswith(("PATH", "LANG", "LC_", "HOME"))},
            **self._secrets,
            "APP_CONFIG": "production",
            "MONGODB_URI": mongodb_uri,
            "MONGODB_TIMEOUT_MS": "500",
            "RATELIMIT_STORAGE_URI": redis_uri,
            "RATELIMIT_AUTH": "1000 per minute",
            "WEB_CONCURRENCY": "1",
            "LOG_LEVEL": "WARNING",
            **extra,
        }

    def start_app(self, env: dict[str, str]) -> int:
        """The app as `make serve` runs it: gunicorn with gunicorn.conf.py, production config."""
        port = free_port()
        self.start([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "server:app"], env={**env, "PORT": str(port)})
        wait_for_port(port)
        return port
