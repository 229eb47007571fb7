"""Logging: one handler on the root logger, and one JSON line per request on `app.access`.

Other records use the text FORMAT, or one JSON object per line when LOG_FORMAT is `json`
(for log collectors that parse lines; a traceback then stays inside its record).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask_jwt_extended import get_jwt

from app.json import dumps
from config import ConfigError

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
access_log = logging.getLogger("app.access")


class RequestIdFilter(logging.Filter):
    """Stamp each record with the current request's id ('-' outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, requestId, message and any traceback."""

    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "requestId": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return dumps(entry)


class AppHandler(logging.StreamHandler):
    """The app's stderr handler: a type of our own, so a later app finds it rather than adding a second."""


def _install(logger: logging.Logger, formatter: logging.Formatter, *filters: logging.Filter) -> None:
    """Give `logger` one stderr handler of ours per process; a later app only changes its format."""
    for handler in logger.handlers:
        if isinstance(handler, AppHandler):
            handler.setFormatter(formatter)
            return
    handler = AppHandler()
    handler.setFormatter(formatter)
    for log_filter in filters:
        handler.addFilter(log_filter)
    logger.addHandler(handler)


def formatter_for(log_format: str) -> logging.Formatter:
    """The root handler's formatter for LOG_FORMAT (`text`, the default, or `json`)."""
    if log_format == "json":
        return JsonFormatter()
    if log_format != "text":
        raise ConfigError(f"LOG_FORMAT must be 'text' or 'json', got {log_format!r}")
    return logging.Formatter(FORMAT)


def init_logging(app: Flask) -> None:
    """Configure logging once per process (later apps only adjust format and levels) and time every request."""
    root = logging.getLogger()
    _install(root, formatter_for(app.config.get("LOG_FORMAT", "text")), RequestIdFilter())
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
    """Note when the request started, for durationMs."""
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
