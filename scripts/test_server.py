"""`make test-server`: the suite's in-process tests against a MongoDB server in its own process.

Starts nx-27017 (a MongoDB wire-protocol server) on a free port with the harness's shim in front of it
(tests/mongo_shim.py: it rewrites the few commands nx-27017 does not run as MongoDB does), runs pytest with
MONGODB_URI pointing at the shim, and stops both. Set MONGODB_URI yourself to run against a real MongoDB
instead (nothing is started then). Arguments are passed to pytest.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from tests.mongo_shim import nx_behind_shim  # noqa: E402

log = logging.getLogger("test-server")
# These start servers of their own (the app under gunicorn, Chromium): nothing to point elsewhere.
OWN_SERVERS = ("tests/integration", "tests/browser")
# The removal copies (each a whole project's suite, `make test` runs them): against the server they would double
# CI's time to prove again what this run proves for the whole project.
COPIES = ("tests/test_remove.py",)


def pytest(uri: str, extra: list[str]) -> int:
    env = {**os.environ, "MONGODB_URI": uri}
    ignores = [f"--ignore={path}" for path in (*OWN_SERVERS, *COPIES)]
    return subprocess.call([str(BIN / "pytest"), "-q", "-p", "no:cacheprovider", *ignores, *extra], cwd=ROOT, env=env)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    extra = sys.argv[1:]
    if os.environ.get("MONGODB_URI"):
        log.info("running against MONGODB_URI as set")
        return pytest(os.environ["MONGODB_URI"], extra)
    with nx_behind_shim() as port:
        return pytest(f"mongodb://127.0.0.1:{port}/app_test", extra)


if __name__ == "__main__":
    sys.exit(main())
