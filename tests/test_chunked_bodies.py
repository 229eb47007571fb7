"""A body sent without Content-Length (chunked) meets the same limit as one that declares its size: 413 past it."""

from __future__ import annotations

import io
import json
import select
import socket
import threading
from collections.abc import Iterator

from werkzeug.serving import make_server

from tests.integration.servers import ServersTestCase
from tests.views import TCBase

LIMIT = TCBase.config.MAX_CONTENT_LENGTH


def chunks(size: int) -> Iterator[bytes]:
    """A JSON object of about `size` bytes, in 64 KiB chunks, with an unknown field the validator names."""
    yield b'{"unknownField": "'
    for start in range(0, size, 65536):
        yield b"x" * min(65536, size - start)
    yield b'"}'


def post_chunked(port: int, size: int) -> tuple[int, dict]:
    """POST with Transfer-Encoding: chunked over a raw socket; the server may answer before reading it all."""
    head = (
        "POST /api/v1/auth/signup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    framed = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks(size)) + b"0\r\n\r\n"
    pending = memoryview(head.encode() + framed)
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        # Send while reading whatever comes back: the server may answer and close before reading everything.
        while not complete(answer):
            readable, writable, _ = select.select([sock], [sock] if pending else [], [], 30)
            if not (readable or writable):
                raise TimeoutError("no answer")
            try:
                if readable:
                    answer += sock.recv(65536) or b"\0"  # a closed connection ends the answer as it is
                elif writable:
                    pending = pending[sock.send(pending[:65536]) :]
            except (BrokenPipeError, ConnectionResetError):
                pending = memoryview(b"")
                if not readable:
                    continue
                break
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), json.loads(rest.partition(b"\r\n\r\n")[2].rstrip(b"\0"))


def complete(answer: bytes) -> bool:
    """A whole response (headers and Content-Length bytes of body), or a closed connection."""
    if answer.endswith(b"\0"):
        return True
    head, found, body = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    lengths = [line.split(b":")[1] for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")]
    return bool(lengths) and len(body) >= int(lengths[0])


class ChunkedCases:
    def check(self, port: int) -> None:
        status, body = post_chunked(port, 2 * 1024 * 1024)
        self.assertEqual((status, body["status"], body["title"]), (413, 413, "Request Entity Too Large"))

        status, body = post_chunked(port, LIMIT - 100)  # just under the limit: read whole, then validated
        self.assertEqual(status, 400, body)
        self.assertIn("unknownField is not allowed", body["detail"])


class TestInProcess(TCBase):
    def test_a_chunked_body_past_the_limit_is_413_and_one_under_it_is_read_whole(self):
        def post(size: int):
            return self.client.post(
                "/api/v1/auth/signup",
                input_stream=io.BytesIO(b"".join(chunks(size))),
                headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                environ_overrides={"wsgi.input_terminated": True},
            )

        self.assert_problem(post(LIMIT + 1), 413)
        self.assertIn("unknownField is not allowed", self.assert_problem(post(LIMIT - 100), 400)["detail"])


class TestDevServer(ChunkedCases, TCBase):
    def test_chunked_bodies_under_the_dev_server(self):
        from server import QuietHandler

        server = make_server("127.0.0.1", 0, self.app, request_handler=QuietHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            self.check(server.server_port)
        finally:
            server.shutdown()
            thread.join(10)


class TestGunicorn(ChunkedCases, ServersTestCase):
    def test_chunked_bodies_under_gunicorn_in_production_config(self):
        env = self.production_env("mongodb://127.0.0.1:9/app", self.start_redis(), CREATE_INDEXES="false")
        self.check(self.start_app(env))
