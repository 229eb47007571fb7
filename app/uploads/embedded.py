"""The embedded object store for development and tests: moto's S3 server on a thread of this process.

It starts on first use, not when the app is built: under `make run` the reloader's watcher process
builds the app too but never serves, so only the serving child (WERKZEUG_RUN_MAIN) starts a store.
Production never gets here: its config refuses to start without S3_BUCKET.
"""

from __future__ import annotations

import logging
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

log = logging.getLogger(__name__)

BUCKET = "uploads"
# moto accepts any credentials; these stop boto3 from looking for real ones.
ACCESS_KEY = "embedded"
SECRET_KEY = "embedded-store-accepts-any-key"  # noqa: S105 (not a secret: the store checks nothing)


class QuietHandler(MotoRequestHandler):
    """No line on stderr per request to the store: the app's own access log says what matters."""

    def log_request(self, *args: object, **kwargs: object) -> None:
        return None


_server: BaseWSGIServer | None = None
_lock = threading.Lock()


def start_store() -> BaseWSGIServer:
    """moto's WSGI app (every service, dispatched by Host) served by werkzeug on a port the OS picks."""
    server = make_server(
        "127.0.0.1",
        0,  # no race for a free port
        DomainDispatcherApplication(create_backend_app),
        threaded=True,
        request_handler=QuietHandler,
    )
    threading.Thread(target=server.serve_forever, name="embedded-object-store", daemon=True).start()
    return server


def embedded_endpoint() -> str:
    """The embedded store's URL, starting it on first call in this process."""
    global _server
    with _lock:
        if _server is None:
            _server = start_store()
            log.warning(
                "Object storage: S3_ENDPOINT_URL and S3_BUCKET are not set, using the embedded in-memory store "
                "(moto) at http://%s:%d, bucket %r. It enforces NO upload policy (size, type and key conditions "
                "of the presigned POST are not checked; the API's completion checks still are); files are lost "
                "when the process stops. Set S3_ENDPOINT_URL and S3_BUCKET to use a real store.",
                _server.host,
                _server.port,
                BUCKET,
            )
        return f"http://{_server.host}:{_server.port}"
