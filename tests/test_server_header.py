"""The servers in front of the app: what `Server` says, and what gunicorn answers to requests it refuses itself.

The dev server names no software (`api`). gunicorn has no public setting for either its `Server` header or
the page it sends for a request it refuses before the app sees it, so both are gunicorn's own: these tests
hold them to naming no version and to echoing nothing unescaped (gunicorn.conf.py, docs/operations.md).
"""

from __future__ import annotations

import socket
import threading
import urllib.request
from importlib.metadata import version

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
    def test_server_header_names_no_version_and_security_headers_match_the_dev_server(self):
        env = self.production_env("mongodb://127.0.0.1:9/app", self.start_redis(), CREATE_INDEXES="false")
        port = self.start_app(env)

        reply = call(port, "GET", "/health")
        missing = call(port, "GET", "/nowhere")

        self.assertEqual(reply.headers["Server"], "gunicorn")  # gunicorn's own, without its version
        self.assertNotIn("X-Powered-By", reply.headers)
        self.assertEqual(reply.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(reply.headers["Strict-Transport-Security"], "max-age=31536000; includeSubDomains")
        self.assertEqual(missing.status, 404)
        self.assertEqual(missing.headers["Content-Type"], "application/problem+json")
        self.assertEqual(missing.headers["Server"], "gunicorn")

    def test_requests_gunicorn_refuses_get_its_status_and_close_naming_no_version_and_echoing_nothing_raw(self):
        env = self.production_env("mongodb://127.0.0.1:9/app", self.start_redis(), CREATE_INDEXES="false")
        port = self.start_app(env)
        cases = {
            414: b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            431: b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n",
            400: b"NOT A <b>REQUEST</b>\r\n\r\n",  # gunicorn quotes a malformed request line back, escaped
        }
        for status, raw in cases.items():
            with self.subTest(status=status), socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(raw)
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk

                head, _, body = answer.partition(b"\r\n\r\n")
                self.assertTrue(head.startswith(b"HTTP/1.1 %d " % status), head)
                self.assertIn(b"Connection: close", head)
                self.assertNotIn(version("gunicorn").encode(), answer)
                self.assertNotIn(b"<b>", body)
