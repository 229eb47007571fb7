"""Who a rate limit counts against, and what is never throttled.

The Limiter itself lives in `app.extensions`; its limit strings are read
from config at request time, so each app's config applies.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt
from flask import current_app, g, has_request_context, request
from flask_jwt_extended import decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from limits.storage import RedisStorage

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNTHROTTLED_PATHS = ("/health", "/ready", "/apidocs", "/flasgger_static", "/static/", "/openapi.json")


def ip_key() -> str:
    """The client's address (behind proxies, as ProxyFix recovered it from the trusted hops)."""
    return "ip:" + (request.remote_addr or "unknown")


def client_key() -> str:
    """Reads count against the address; writes against the user behind a well-signed token, else the address.

    Verifying a token costs more than the rest of a read, and the view verifies it again; writes are rarer,
    and their budget must follow the user across addresses. Only the signature and expiry are checked here
    (flask-jwt-extended's decoding with the app's key and algorithms; no database call), so a forged token
    cannot spend someone else's budget; `auth_required` does the rest, reusing this verification.
    Worked out once per request: several limits ask.
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
    try:
        # flask-jwt-extended's verification (the app's key, algorithms and leeway), kept for the request:
        # `auth_required` then reuses it rather than verifying the token again (app.jwt_manager).
        claims = decode_token(header[7:])
    except (jwt.PyJWTError, JWTExtendedException):
        return None  # a bad token simply counts against the address
    if "exp" not in claims or not claims.get("sub"):
        return None  # as before: a token without expiry or subject counts against the address
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


# One script per limit: increment (starting the window on the first hit), then read the window's time left.
INCR_EXPIRE_TTL = """
local amount = tonumber(ARGV[2])
local current = redis.call("incrby", KEYS[1], amount)
if tonumber(current) == amount then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""


class OneTripRedisStorage(RedisStorage):
    """limits' Redis storage, with one round trip per limit per request instead of three.

    Why this replaces a library path: with the rate-limit headers on (the template sends them), Flask-Limiter
    hits each limit (one script call: INCRBY + EXPIRE) and then reads the limit it reports back from Redis
    (GET, then TTL): three round trips for a read, four for a write, each ~0.05 to 0.1 ms (bench/README.md).
    Here the hit's script also returns the window's time left, and the request's own `get`/`get_expiry` for
    that key answer from what the hit returned. Counting and the decision are unchanged (made by the
    increment); the headers show the count as of this request's own hit. Outside a request, or for a key
    this request has not hit, Redis is asked as before. Registered for the redis schemes through limits'
    own storage registry (a subclass naming its schemes), so RATELIMIT_STORAGE_URI is unchanged.
    tests/integration/test_throttling_redis.py compares it with the library's storage.
    """

    STORAGE_SCHEME = ["redis", "rediss", "redis+unix"]

    def initialize_storage(self, uri: str) -> None:
        super().initialize_storage(uri)
        self.lua_incr_expire_ttl = self.get_connection().register_script(INCR_EXPIRE_TTL)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        current, ttl = self.lua_incr_expire_ttl([self.prefixed_key(key)], [expiry, amount])
        if has_request_context():
            g.setdefault("rate_limit_hits", {})[key] = (int(current), max(int(ttl), 0) + time.time())
        return int(current)

    def _hit(self, key: str) -> tuple[int, float] | None:
        return g.get("rate_limit_hits", {}).get(key) if has_request_context() else None

    def get(self, key: str) -> int:
        hit = self._hit(key)
        return hit[0] if hit else super().get(key)

    def get_expiry(self, key: str) -> float:
        hit = self._hit(key)
        return hit[1] if hit else super().get_expiry(key)
