"""Profile one call of the bench in-process: `python -m bench.profile create [--calls 2000] [--server app]`.

Runs the bench's own WSGI app (production settings on the bench data, memory store) under pyinstrument for
`--calls` requests, the way a gunicorn worker calls it, and writes the call tree to stdout (stderr carries
the access log: add `2>/dev/null`), so "measure first" is one command. `--server baseline` profiles the
hand-written baseline for comparison; `--time` reports the mean time per request without the profiler.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.data import CREATED_TAG, PASSWORD, READER_EMAIL, post_id  # noqa: E402

MODULES = {"app": "bench.app_server", "baseline": "bench.baseline"}


def environ(method: str, path: str, token: str | None = None, body: dict | None = None) -> dict:
    """A WSGI environ as gunicorn builds it for wrk's requests (no Accept header, as wrk sends none)."""
    data = json.dumps(body).encode() if body is not None else b""
    path, _, query = path.partition("?")
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "3000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        "HTTP_HOST": "127.0.0.1:3000",
    }
    if body is not None:
        env["CONTENT_TYPE"] = "application/json"
        env["CONTENT_LENGTH"] = str(len(data))
    if token:
        env["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return env


def call(app: Callable, env: dict) -> tuple[str, bytes]:
    status: list[str] = []
    body = b"".join(app(env, lambda s, h, exc=None: status.append(s)))
    return status[0], body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("call", choices=("list", "item", "create", "me"))
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--server", choices=tuple(MODULES), default="app")
    parser.add_argument("--interval", type=float, default=0.0002)
    parser.add_argument("--time", action="store_true", help="no profiler: the mean time per request, 5 runs")
    args = parser.parse_args()
    for name in ("SECRET_KEY", "JWT_SECRET_KEY"):  # throwaway secrets, as make bench sets them
        os.environ.setdefault(name, secrets.token_urlsafe(48))
    for name in ("RATELIMIT_STORAGE_URI", "REDIS_URL", "MONGODB_URI"):  # the memory configuration
        os.environ.pop(name, None)
    module = importlib.import_module(MODULES[args.server])
    app = module.app
    status, body = call(app, environ("POST", "/api/v1/auth/login", body={"email": READER_EMAIL, "password": PASSWORD}))
    token = json.loads(body)["accessToken"]
    post = {"title": "A bench post", "body": "Written by the profiler.", "tags": [CREATED_TAG], "status": "published"}
    requests = {
        "list": lambda: environ("GET", "/api/v1/posts?perPage=20"),
        "item": lambda: environ("GET", f"/api/v1/posts/{post_id(500)}"),
        "create": lambda: environ("POST", "/api/v1/posts", token, post),
        "me": lambda: environ("GET", "/api/v1/me", token),
    }
    make = requests[args.call]
    for _ in range(50):  # warm caches and compiled schemas first
        call(app, make())
    status, _ = call(app, make())
    if not status.startswith(("200", "201")):
        raise SystemExit(f"{args.call} answered {status}")
    if args.time:
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(args.calls):
                call(app, make())
            per_call = (time.perf_counter() - started) / args.calls * 1e6
            sys.stdout.write(f"{args.server} {args.call}: {per_call:.0f} µs per request\n")
        return 0
    from pyinstrument import Profiler  # only here: `--time` runs where `make bench` has not installed it

    profiler = Profiler(interval=args.interval)
    profiler.start()
    for _ in range(args.calls):
        call(app, make())
    profiler.stop()
    sys.stdout.write(profiler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
