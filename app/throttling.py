"""Who a rate limit counts against, and what is never throttled.

The Limiter itself lives in `app.extensions`; its limit strings are read
from config at request time, so each app's config applies.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_jwt_extended import get_jwt_identity

from app.access import access_error

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNTHROTTLED_PATHS = ("/health", "/ready", "/apidocs", "/flasgger_static", "/static/", "/openapi.json")


def ip_key() -> str:
    """The client's address (behind proxies, as ProxyFix recovered it from the trusted hops)."""
    return "ip:" + (request.remote_addr or "unknown")


def client_key() -> str:
    """Reads count against the address; writes against the user of a valid access token, else the address.

    A write's budget follows its user across addresses, but only a token `auth_required` would accept earns
    that: an access token of a live session and an active user. A refresh token, a revoked session's token or
    a forged one counts against the address, so no one can spend another user's budget. The check is the one
    `auth_required` makes, done once per request (app.access) and reused there.
    """
    if request.method in SAFE_METHODS or access_error() is not None:
        return ip_key()
    return f"user:{get_jwt_identity()}"


def is_unthrottled() -> bool:
    """Health probes and the docs page are never throttled."""
    return request.path.startswith(UNTHROTTLED_PATHS)


def is_read_or_unthrottled() -> bool:
    """Reads are outside the per-user write limit."""
    return request.method in SAFE_METHODS or is_unthrottled()


def setting(name: str) -> Callable[[], str]:
    """A limit string read from the current app's config when a request is checked."""
    return lambda: current_app.config[name]
