"""Real server processes for integration tests: redis-server, the nx-27017 MongoDB stand-in, the app under gunicorn."""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
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
    """Starts processes and always stops them.

    Without redis-server (or, when `needs_mongo_standin`, without nx-27017) the test is skipped, unless
    REQUIRE_REDIS (or REQUIRE_MONGO_STANDIN) is set, as in CI: then it fails, so a missing tool cannot hide.
    """

    needs_mongo_standin = False

    def setUp(self) -> None:
        if not REDIS:
            self.require("REQUIRE_REDIS", "redis-server (apt-get install redis-server)")
        if self.needs_mongo_standin and not (importlib.util.find_spec("nx_27017") and NX_27017.exists()):
            self.require("REQUIRE_MONGO_STANDIN", "nx-27017 (pip install -r requirements-dev.txt)")

    def require(self, variable: str, tool: str) -> None:
        """Fail when the environment says the tool must be there, otherwise skip."""
        if os.environ.get(variable):
            self.fail(f"{variable} is set but {tool} is not installed")
        self.skipTest(f"needs {tool}; CI installs it and sets {variable}=1")

    def temp_dir(self) -> Path:
        """A directory removed after the test (and after the processes that use it are stopped)."""
        directory = tempfile.TemporaryDirectory(prefix="api-test-")
        self.addCleanup(directory.cleanup)
        return Path(directory.name)

    def start(self, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        """Run `command` in the background; its stderr is kept in a file shown if it never starts listening."""
        log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the cleanup, after the process stops)
        self.addCleanup(log.close)
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        process.stderr_log = log  # type: ignore[attr-defined]
        self.addCleanup(self.stop, process)
        return process

    def wait_until_listening(self, process: subprocess.Popen, port: int) -> None:
        """Return once `process` accepts connections on `port`; fail with its stderr if it exits or never does."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.1)
        log = process.stderr_log  # type: ignore[attr-defined]
        log.seek(0)
        stderr = log.read()[-4000:].decode(errors="replace")
        self.fail(f"{process.args[0]} is not listening on {port} (exit {process.poll()}):\n{stderr}")

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
        process = self.start([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        self.wait_until_listening(process, port)
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
        self.wait_until_listening(process, port)
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
        process = self.start(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "server:app"], env={**env, "PORT": str(port)}
        )
        self.wait_until_listening(process, port)
        return port
