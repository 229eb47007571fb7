"""Logging: one handler on the root logger, and one JSON line per request on `app.access`."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask_jwt_extended import get_jwt

from app.json import dumps

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
access_log = logging.getLogger("app.access")


class RequestIdFilter(logging.Filter):
    """Stamp each record with the current request's id ('-' outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def _install(logger: logging.Logger, formatter: logging.Formatter, *filters: logging.Filter) -> None:
    """Give `logger` one stderr handler of ours, once per process."""
    if any(getattr(h, "_app_handler", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    for log_filter in filters:
        handler.addFilter(log_filter)
    handler._app_handler = True  # type: ignore[attr-defined]
    logger.addHandler(handler)


def init_logging(app: Flask) -> None:
    """Configure logging once per process (later apps only adjust levels) and time every request."""
    root = logging.getLogger()
    _install(root, logging.Formatter(FORMAT), RequestIdFilter())
    root.setLevel(app.config["LOG_LEVEL"])
    # pymongo logs whole commands at DEBUG, documents (and so password hashes) included: never below INFO.
    logging.getLogger("pymongo").setLevel(max(logging.INFO, root.level))
    app.logger.setLevel(app.config["LOG_LEVEL"])
    # Access lines are already JSON: their own handler, not the root's text format.
    _install(access_log, logging.Formatter("%(message)s"))
    access_log.propagate = False
    access_log.setLevel(logging.INFO)
    if app.config["ACCESS_LOG"]:
        app.before_request(start_timer)
        app.after_request(log_request)


def start_timer() -> None:
    g.started = time.perf_counter()


def user_id() -> str | None:
    """The subject of a token verified during this request; no extra database call."""
    try:
        return get_jwt().get("sub")
    except RuntimeError:  # no token was verified for this request
        return None


def log_request(response: Response) -> Response:
    """One JSON line: the path only (never the query string, where secrets must not be but might be sent)."""
    entry: dict[str, Any] = {
        "requestId": g.get("request_id"),
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "durationMs": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2),
    }
    if (uid := user_id()) is not None:
        entry["userId"] = uid
    access_log.info(dumps(entry))
    return response
