"""Who a rate limit counts against, and what is never throttled.

The Limiter itself lives in `app.extensions`; its limit strings are read
from config at request time, so each app's config applies.
"""

from __future__ import annotations

from collections.abc import Callable

import jwt
from flask import current_app, g, request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNTHROTTLED_PATHS = ("/health", "/ready", "/apidocs", "/flasgger_static", "/static/", "/openapi.json")


def ip_key() -> str:
    """The client's address (behind proxies, as ProxyFix recovered it from the trusted hops)."""
    return "ip:" + (request.remote_addr or "unknown")


def client_key() -> str:
    """Reads count against the address; writes against the user behind a well-signed token, else the address.

    Verifying a token costs more than the rest of a read, and the view verifies it again; writes are rarer,
    and their budget must follow the user across addresses. Only the signature and expiry are checked here
    (PyJWT with the app's key and algorithms; no database call), so a forged token cannot spend someone
    else's budget; `auth_required` does the rest. Worked out once per request: several limits ask.
    """
    if request.method in SAFE_METHODS:
        return ip_key()
    if "rate_limit_key" not in g:
        g.rate_limit_key = _user_key() or ip_key()
    return g.rate_limit_key


def _user_key() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or len(header) > 4096:
        return None
    config = current_app.config
    try:
        claims = jwt.decode(
            header[7:],
            config["JWT_SECRET_KEY"],
            algorithms=config["JWT_DECODE_ALGORITHMS"],
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        return None  # a bad token simply counts against the address
    return f"user:{claims['sub']}"


def is_unthrottled() -> bool:
    """Health probes and the docs page are never throttled."""
    return request.path.startswith(UNTHROTTLED_PATHS)


def is_read_or_unthrottled() -> bool:
    """Reads are outside the per-user write limit."""
    return request.method in SAFE_METHODS or is_unthrottled()


def setting(name: str) -> Callable[[], str]:
    """A limit string read from the current app's config when a request is checked."""
    return lambda: current_app.config[name]
