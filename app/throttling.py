"""Who a rate limit counts against, and what is never throttled.

The Limiter itself lives in `app.extensions`; its limit strings are read
from config at request time, so each app's config applies.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_jwt_extended import decode_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNTHROTTLED_PATHS = ("/health", "/ready", "/apidocs", "/flasgger_static", "/static/", "/openapi.json")


def ip_key() -> str:
    """The client's address (behind proxies, as ProxyFix recovered it from the trusted hops)."""
    return "ip:" + (request.remote_addr or "unknown")


def client_key() -> str:
    """Reads count against the address; writes against the user behind a well-signed token, else the address.

    Verifying a token costs more than the rest of a read, and the view verifies it again; writes are rarer,
    and their budget must follow the user across addresses. Only the signature and expiry are checked here
    (no database call), so a forged token cannot spend someone else's budget; `auth_required` does the rest.
    """
    if request.method in SAFE_METHODS:
        return ip_key()
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer ") and len(header) < 4096:
        try:
            return "user:" + str(decode_token(header[7:])["sub"])
        except Exception:  # noqa: S110 (a bad token simply counts against the address)
            pass
    return ip_key()


def is_unthrottled() -> bool:
    """Health probes and the docs page are never throttled."""
    return request.path.startswith(UNTHROTTLED_PATHS)


def is_read_or_unthrottled() -> bool:
    """Reads are outside the per-user write limit."""
    return request.method in SAFE_METHODS or is_unthrottled()


def setting(name: str) -> Callable[[], str]:
    """A limit string read from the current app's config when a request is checked."""
    return lambda: current_app.config[name]
