"""Neither the dev server nor gunicorn names its software or version in `Server`."""

from __future__ import annotations

import threading
import urllib.request

from werkzeug.serving import make_server

from tests.integration.servers import ServersTestCase, call
from tests.views import TCBase


class TestDevServer(TCBase):
    def test_server_header_is_neutral(self):
        from server import QuietHandler

        server = make_server("127.0.0.1", 0, self.app, request_handler=QuietHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/health", timeout=10) as response:
                headers = response.headers
        finally:
            server.shutdown()
            thread.join(10)

        self.assertEqual(headers["Server"], "api")
        self.assertNotIn("X-Powered-By", headers)


class TestGunicorn(ServersTestCase):
    def test_server_header_is_neutral_and_security_headers_match_the_dev_server(self):
        env = self.production_env("mongodb://127.0.0.1:9/app", self.start_redis(), CREATE_INDEXES="false")
        port = self.start_app(env)

        reply = call(port, "GET", "/health")
        missing = call(port, "GET", "/nowhere")

        self.assertEqual(reply.headers["Server"], "api")
        self.assertNotIn("X-Powered-By", reply.headers)
        self.assertEqual(reply.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(reply.headers["Strict-Transport-Security"], "max-age=31536000; includeSubDomains")
        self.assertEqual(missing.status, 404)
        self.assertEqual(missing.headers["Content-Type"], "application/problem+json")
        self.assertEqual(missing.headers["Server"], "api")
