"""In-process timing shared by both servers: wall time per request, and how much of it the database driver took.

The embedded stand-in (mongomock) does its work inside the driver calls, so "outside the driver" is what
the layers above it cost. Redis calls (the rate-limit store, when it is a real server) are counted apart: their
round trips (one per `send_packed_command`: a pipeline or a script is one) and their time, which is part of
"outside the driver" (it is the throttling's cost). Stats are read and reset over two bench-only URLs handled
before the app sees them.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable
from typing import Any

_local = threading.local()
ZERO = {"requests": 0, "total": 0.0, "driver": 0.0, "redis": 0.0, "redisTrips": 0}
_stats = dict(ZERO)
_lock = threading.Lock()

DRIVER_METHODS = (
    "find",
    "find_one",
    "count_documents",
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "find_one_and_update",
    "delete_one",
    "delete_many",
    "_find_and_modify",
)


def _timed(method: Callable) -> Callable:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        depth = getattr(_local, "depth", 0)
        _local.depth = depth + 1
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            _local.depth = depth
            if depth == 0:  # nested driver calls count once
                _local.driver = getattr(_local, "driver", 0.0) + time.perf_counter() - started

    return wrapper


def patch_driver() -> None:
    """Time every collection call and every cursor step of mongomock."""
    from mongomock.collection import Collection, Cursor

    for name in DRIVER_METHODS:
        if hasattr(Collection, name):
            setattr(Collection, name, _timed(getattr(Collection, name)))
    Cursor.__next__ = _timed(Cursor.__next__)


def _timed_redis(method: Callable) -> Callable:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            _local.redis = getattr(_local, "redis", 0.0) + time.perf_counter() - started

    return wrapper


def _counted(method: Callable) -> Callable:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _local.trips = getattr(_local, "trips", 0) + 1
        return method(*args, **kwargs)

    return wrapper


def patch_redis() -> None:
    """Count round trips to a real Redis and time its calls (single commands, scripts and pipelines)."""
    import redis.client
    import redis.connection

    redis.connection.Connection.send_packed_command = _counted(redis.connection.Connection.send_packed_command)
    redis.client.Redis.execute_command = _timed_redis(redis.client.Redis.execute_command)
    redis.client.Pipeline.execute = _timed_redis(redis.client.Pipeline.execute)


def wrap(wsgi_app: Callable, cleanup: Callable[[], None]) -> Callable:
    """The WSGI app, timed; `/__bench__/stats` reports and `/__bench__/reset` clears (and runs `cleanup`)."""

    def app(environ: dict, start_response: Callable) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/__bench__/"):
            with _lock:
                body = json.dumps(_stats).encode()
                if path.endswith("reset"):
                    _stats.update(ZERO)
                    cleanup()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        _local.driver = _local.redis = 0.0
        _local.trips = 0
        started = time.perf_counter()
        result = wsgi_app(environ, start_response)
        body = b"".join(result)  # the response is produced, not just promised
        if hasattr(result, "close"):
            result.close()
        elapsed = time.perf_counter() - started
        with _lock:
            _stats["requests"] += 1
            _stats["total"] += elapsed
            _stats["driver"] += _local.driver
            _stats["redis"] += _local.redis
            _stats["redisTrips"] += _local.trips
        return [body]

    return app
