"""`make test-server`: the suite's in-process tests against a MongoDB server in its own process.

Starts nx-27017 (a MongoDB wire-protocol server) on a free port, runs pytest with MONGODB_URI pointing at it,
and stops it. Set MONGODB_URI yourself to run against a real MongoDB instead (nothing is started then).
Tests marked `real_dates` need a server that keeps `$set` datetimes as dates, which nx-27017 does not.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from scripts.ports import free_port, wait_for_port  # noqa: E402

log = logging.getLogger("test-server")
# These start servers of their own (the app under gunicorn, Chromium): nothing to point elsewhere.
OWN_SERVERS = ("tests/integration", "tests/browser")


def pytest(uri: str, extra: list[str], addopts: str = "") -> int:
    # PYTEST_ADDOPTS, not arguments: pytest runs that a test starts itself (the generator's) inherit it too.
    env = {**os.environ, "MONGODB_URI": uri, "PYTEST_ADDOPTS": f"{os.environ.get('PYTEST_ADDOPTS', '')} {addopts}"}
    ignores = [f"--ignore={path}" for path in OWN_SERVERS]
    return subprocess.call([str(BIN / "pytest"), "-q", "-p", "no:cacheprovider", *ignores, *extra], cwd=ROOT, env=env)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    extra = sys.argv[1:]
    if os.environ.get("MONGODB_URI"):
        log.info("running against MONGODB_URI as set")
        return pytest(os.environ["MONGODB_URI"], extra)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="nx-27017-") as folder:
        data = Path(folder) / "test.sqlite"
        command = [str(BIN / "nx-27017"), "--db", str(data), "--port", str(port)]
        command += ["--pid-file", str(data.with_suffix(".pid")), "--log-file", str(data.with_suffix(".log"))]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port)
            log.info("nx-27017 listening on 127.0.0.1:%d (pid %d)", port, server.pid)
            return pytest(f"mongodb://127.0.0.1:{port}/app_test", extra, addopts="-m 'not real_dates'")
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    sys.exit(main())
