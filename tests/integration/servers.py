"""Real server processes for integration tests: redis-server, the nx-27017 MongoDB stand-in (behind the harness's
shim, tests/mongo_shim.py, which bridges what nx-27017 does differently from MongoDB), the app under gunicorn."""

from __future__ import annotations

import base64  # capability: mfa
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
from tests.mongo_shim import NX_27017, nx_command, shim_command
from tests.mongo_shim import stop as stop_process

__all__ = [
    "OidcProvider",  # capability: oidc
    "SeaweedFS",  # capability: uploads
    "ServersTestCase",
    "call",
    "free_port",
    "oidc_provider_missing",  # capability: oidc
    "wait_for_port",
]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS = shutil.which("redis-server")
WEED = BIN / "weed"  # capability: uploads
NODE = shutil.which("node")
OIDC_PROVIDER_DIR = ROOT / "tests" / "oidc_provider"  # capability: oidc


class Reply:
    """What an HTTP call answered."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    port: int, method: str, path: str, body: Any = None, token: str | None = None, headers: dict | None = None
) -> Reply:
    """One request to the app on `port`; HTTP errors are answers, not exceptions."""
    headers = {**({"Content-Type": "application/json"} if body is not None else {}), **(headers or {})}
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
        self.mongo_shims: dict[int, int] = {}  # the shim's port -> the port of the nx-27017 behind it
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
            stop_process(process)

    def start_redis(self) -> str:
        port = free_port()
        process = self.start([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        self.wait_until_listening(process, port)
        self.redis_process = process  # the latest one, for tests that stop it
        return f"redis://127.0.0.1:{port}/0"

    # capability: mail
    def start_smtp(self, tls: tuple[Path, Path] | None = None) -> tuple[int, Path]:
        """aiosmtpd in its own process, writing each message it receives to a folder: (port, folder).

        With `tls` (certificate, key) it offers STARTTLS and requires it. Without aiosmtpd the test is
        skipped, unless REQUIRE_SMTP is set (CI): then it fails.
        """
        if importlib.util.find_spec("aiosmtpd") is None:
            self.require("REQUIRE_SMTP", "aiosmtpd (pip install -r requirements-dev.txt)")
        port, folder = free_port(), self.temp_dir()
        sink = "tests.integration.mail_sink.Sink"
        options = ["--tlscert", str(tls[0]), "--tlskey", str(tls[1])] if tls else []
        process = self.start(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", *options, "-c", sink, str(folder)]
        )
        self.addCleanup(process.kill)  # runs before the generic stop: the sink keeps nothing in memory
        self.wait_until_listening(process, port)
        self.smtp_process = process  # the latest one, for tests that stop it
        return port, folder

    # end capability: mail

    def start_mongo_standin(self, port: int, data_file: Path) -> subprocess.Popen:
        """nx-27017 (a MongoDB wire-protocol server over SQLite) in its own process, reached through the shim on `port`.

        The shim (tests/mongo_shim.py) rewrites the commands nx-27017 does not run as MongoDB does. The process
        returned is nx-27017: stopping it is the database going away (the shim then closes each connection, as
        a stopped server would); starting it again with the same port brings it back behind the same shim.
        """
        if port not in self.mongo_shims:
            self.mongo_shims[port] = free_port()
            shim = self.start(shim_command(port, self.mongo_shims[port]))
            self.wait_until_listening(shim, port)
        process = self.start(nx_command(self.mongo_shims[port], data_file))
        self.wait_until_listening(process, self.mongo_shims[port])
        return process

    def production_env(self, mongodb_uri: str, redis_uri: str, **extra: str) -> dict[str, str]:
        """The environment `make serve` needs, with strong secrets shared by every process of one test."""
        if not hasattr(self, "_secrets"):
            self._secrets = {name: secrets.token_urlsafe(48) for name in ("SECRET_KEY", "JWT_SECRET_KEY")}
            # capability: mfa
            self._secrets["FIELD_ENCRYPTION_KEY"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
            # end capability: mfa
        return {
            **{k: v for k, v in os.environ.items() if k.startswith(("PATH", "LANG", "LC_", "HOME"))},
            **self._secrets,
            "APP_CONFIG": "production",
            "MONGODB_URI": mongodb_uri,
            "MONGODB_TIMEOUT_MS": "500",
            "RATELIMIT_STORAGE_URI": redis_uri,
            "REDIS_URL": redis_uri,  # the job queue; production requires one  # capability: jobs
            # capability: uploads
            "S3_BUCKET": "uploads",  # production requires one; nothing calls the store unless a test uploads
            # ... and credentials for it (a store of its own brings its own, in `extra`)
            "AWS_ACCESS_KEY_ID": "unused-key",
            "AWS_SECRET_ACCESS_KEY": "unused-secret",
            # end capability: uploads
            # capability: mail
            # Production requires a mail server; nothing listens here, so queued mail waits (no worker runs it)
            # unless a test brings its own (start_smtp) and a worker.
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(free_port()),
            "MAIL_DEFAULT_SENDER": "API <no-reply@example.com>",
            "FRONTEND_URL": "https://app.example.com",
            # end capability: mail
            "RATELIMIT_AUTH": "1000 per minute",
            "WEB_CONCURRENCY": "1",
            "LOG_LEVEL": "WARNING",
            **extra,
        }

    def start_app(self, env: dict[str, str], *options: str) -> int:
        """The app as `make serve` runs it: gunicorn with gunicorn.conf.py, production config (and `options`)."""
        port = free_port()
        process = self.start(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", *options, "server:app"], env={**env, "PORT": str(port)}
        )
        self.wait_until_listening(process, port)
        return port


# capability: oidc
def oidc_provider_missing() -> str | None:
    """Why panva's oidc-provider cannot run here (no Node.js, or `npm ci` not run), or None."""
    if not NODE:
        return "Node.js (apt-get install nodejs npm)"
    if not (OIDC_PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        return "oidc-provider (cd tests/oidc_provider && npm ci; `make test` does it)"
    return None


class OidcProvider:
    """panva's oidc-provider (tests/oidc_provider/server.js) as its own process on a free port.

    One client is registered: `client_id`/`client_secret`, the one `redirect_uri`, code flow with PKCE only.
    """

    def __init__(self, redirect_uri: str, client_id: str = "api", client_secret: str | None = None) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.client_id, self.client_secret = client_id, client_secret or secrets.token_urlsafe(32)
        self.redirect_uri = redirect_uri
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "OIDC_TEST_PORT": str(self.port),
            "OIDC_TEST_CLIENT_ID": self.client_id,
            "OIDC_TEST_CLIENT_SECRET": self.client_secret,
            "OIDC_TEST_REDIRECT_URI": redirect_uri,
            "OIDC_TEST_COOKIE_KEY": secrets.token_urlsafe(32),
        }
        self.process = subprocess.Popen(
            [NODE or "node", "server.js"], cwd=OIDC_PROVIDER_DIR, env=env, stdout=subprocess.DEVNULL, stderr=self.log
        )
        try:
            wait_for_port(self.port, seconds=30)
        except TimeoutError:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the process (by its PID) and keep nothing of it."""
        ServersTestCase.stop(self.process)
        self.log.close()

    def stderr(self) -> str:
        """What the provider printed on stderr (warnings, errors), for a failing test's message."""
        self.log.seek(0)
        return self.log.read()[-4000:].decode(errors="replace")


# end capability: oidc


# capability: uploads
class SeaweedFS:
    """SeaweedFS (`weed mini`: master, volume, filer and S3 gateway in one process) on free ports of 127.0.0.1.

    A real S3-compatible store that enforces POST policies, unlike moto. One identity (`access_key`,
    `secret_key`) may do everything; anonymous requests are refused. `stop` and `start` again keep the
    ports and the data directory, so a client sees the same store come back.
    """

    PORTS = ("master.port", "volume.port", "filer.port", "s3.port")

    def __init__(self, data_dir: Path, bucket: str = "uploads") -> None:
        self.data_dir, self.bucket = data_dir, bucket
        self.access_key, self.secret_key = "seaweed-" + secrets.token_hex(4), secrets.token_urlsafe(24)
        self.ports = {name: free_port() for name in self.PORTS}
        self.ports.update({f"{name}.grpc": free_port() for name in self.PORTS})
        # The admin worker dials the admin port + 10000 whatever -admin.port.grpc says: keep both free.
        self.ports["admin.port"] = next(p for p in iter(free_port, None) if p + 10000 < 65536 and port_free(p + 10000))
        self.ports["admin.port.grpc"] = self.ports["admin.port"] + 10000
        self.endpoint = f"http://127.0.0.1:{self.ports['s3.port']}"
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close)

    def command(self) -> list[str]:
        identity = {
            "identities": [
                {
                    "name": "app",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        config = self.data_dir / "s3.json"
        config.write_text(json.dumps(identity))
        return [
            str(WEED),
            "mini",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            f"-s3.config={config}",
            f"-bucket={self.bucket}",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.localSocket={self.data_dir / 's3.sock'}",  # not in /tmp, where it would outlive the test
            f"-filer.localSocket={self.data_dir / 'filer.sock'}",
            *(f"-{name}={port}" for name, port in self.ports.items()),
        ]

    def start(self) -> None:
        """Start `weed mini` and return once its S3 gateway answers for the bucket."""
        self.process = subprocess.Popen(self.command(), cwd=self.data_dir, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(f"{self.endpoint}/{self.bucket}", timeout=2):
                    pass
            except urllib.error.HTTPError as error:
                if error.code == 403:  # the gateway is up and refuses anonymous listing: ready
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.log.seek(0)
        output = self.log.read()[-4000:].decode(errors="replace")
        self.stop()
        raise AssertionError(f"weed mini did not start (exit {self.process.poll()}):\n{output}")

    def stop(self) -> None:
        """Stop the process by its PID (it drains in about a second)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def close(self) -> None:
        self.stop()
        self.log.close()

    def env(self) -> dict[str, str]:
        """What the app needs to use this store."""
        return {
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_BUCKET": self.bucket,
            "S3_ADDRESSING_STYLE": "path",
            "S3_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
        }


# end capability: uploads


def port_free(port: int) -> bool:
    """Whether `port` on 127.0.0.1 can be bound right now."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
