"""gunicorn settings for production-style serving (`make serve`, the Dockerfile).

Everything can be tuned from the environment; the defaults suit a small container:
HOST (127.0.0.1; the image sets 0.0.0.0), PORT (3000), WEB_CONCURRENCY (workers: 2 x cores + 1, at most 8),
GUNICORN_THREADS (1: sync workers; more: gthread), GUNICORN_TIMEOUT, GUNICORN_GRACEFUL_TIMEOUT,
GUNICORN_KEEPALIVE, GUNICORN_MAX_REQUESTS, GUNICORN_LOG_LEVEL, GUNICORN_CONTROL_SOCKET.
"""

import multiprocessing
import os

# Two things stay gunicorn's own, as no public setting changes them (asked for in benoitc/gunicorn#825 and
# #993; gunicorn dropped its version from the header instead, in 20.1): every response carries
# `Server: gunicorn`, and a request it refuses before the app sees it (malformed, or a request line or
# headers over the limits below) gets its small text/html page with the status and reason. A reverse proxy
# in front normally refuses those first and does not pass `Server` on (nginx's default; docs/operations.md).

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '3000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))  # a stuck worker is replaced
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))  # SIGTERM lets requests finish
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))  # recycle workers, bounding slow leaks
max_requests_jitter = max_requests // 10
# Each worker imports server:app and so opens its own MongoDB client after the fork (pymongo is not fork-safe).
preload_app = False
# The worker heartbeat file in RAM: on a container's disk-backed /tmp, fchmod can stall workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# gunicorn 25+ opens a control socket (reload, resize, shut down) at one per-user path, which two
# instances on one host would share; off unless GUNICORN_CONTROL_SOCKET names a path for it.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

# The app writes one JSON line per request (app.access); gunicorn's own access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# X-Forwarded-* are trusted only through the app's ProxyFix (TRUSTED_PROXIES), never by gunicorn itself.
forwarded_allow_ips = ""
proxy_allow_ips = ""

# Refuse oversized request lines and headers before they reach Flask.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
