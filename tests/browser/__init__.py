"""Tests that drive Chromium with Playwright; without it they skip, unless REQUIRE_BROWSER makes that a failure."""

from __future__ import annotations

import os
import shutil
import threading
import unittest
from collections.abc import Callable

from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Skips without chromium, unless REQUIRE_BROWSER is set: then the test runs and `require_chromium` fails it.
needs_chromium = unittest.skipUnless(
    CHROMIUM or os.environ.get("REQUIRE_BROWSER"), "needs chromium (apt-get install chromium)"
)


def require_chromium(test: unittest.TestCase) -> None:
    """Fail (not skip) when chromium is missing: a CI that asked for the browser tests must run them."""
    if not CHROMIUM:
        test.fail("REQUIRE_BROWSER is set but chromium is not installed: apt-get install chromium")


def serve(test: unittest.TestCase, wsgi_app: Callable, host: str = "127.0.0.1") -> int:
    """Serve `wsgi_app` on a free port in a thread, stopped when `test` ends; the port."""
    server = make_server(host, 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    test.addCleanup(thread.join, 10)
    test.addCleanup(server.shutdown)
    return server.server_port
