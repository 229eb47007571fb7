"""Who a rate limit counts against, and what is never throttled.

The Limiter itself lives in `app.extensions`; its limit strings are read
from config at request time, so each app's config applies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import flask_limiter
from flask import Flask, current_app, g, has_request_context, request
from flask_jwt_extended import get_jwt_identity
from flask_limiter._manager import LimitManager
from limits.storage import MemoryStorage, RedisStorage

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


class SweepingMemoryStorage(MemoryStorage):
    """limits' in-process store (development, tests), dropping expired windows inline instead of from a timer.

    Why this replaces a library path: limits' MemoryStorage starts a new timer thread 10 ms after the last one
    on every hit, to drop expired counters; under load that is a thread started every few requests, ~50 µs a
    request (bench/README.md). Here a hit sweeps expired counters itself, at most once a second; a counter
    whose window has passed is dropped when read, as before, so counts, windows and headers are unchanged.
    Fixed windows only go through `incr`; the other strategies keep the library's own path.
    """

    STORAGE_SCHEME = ["memory"]
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.swept = time.time()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        if now - self.swept >= self.SWEEP_SECONDS:
            self.swept = now
            for stale in [k for k, expires in list(self.expirations.items()) if expires <= now]:
                self.get(stale)  # the library's own expiry check drops it
        self.get(key)
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = now + expiry
        return self.storage.get(key, 0)


class ResolvedOnceLimitManager(LimitManager):
    """Flask-Limiter's LimitManager, working out each route's limits (and exemptions) once per app, not per request.

    Why this replaces a library path: on every request Flask-Limiter re-reads each limit string, parses it into
    rate-limit items and walks the route's, blueprint's and application's limits and exemptions: ~0.1 ms of
    a request, more than the rest of the counting (bench/README.md, "What limits the app now"). What it
    works out depends only on the app (its views, blueprints and RATELIMIT_* settings, fixed once it is
    built) and on the limits declared with the limiter, so the answer is kept per app (in `app.extensions`)
    and per route, and forgotten whenever a limit, an exemption or a route hint is added. Everything that
    depends on the request still runs each time: who is counted (key functions), `exempt_when`, per-method
    limits, costs and the counting itself. tests/views/test_throttling.py and
    tests/integration/test_throttling_redis.py cover the behaviour unchanged.
    """

    def __init__(self, manager: LimitManager) -> None:  # adopts the state of the manager Flask-Limiter built
        self.__dict__.update(vars(manager))
        self._generation = 0

    def _changed(self) -> None:
        self._generation += 1

    def set_application_limits(self, limits: list) -> None:
        super().set_application_limits(limits)
        self._changed()

    def set_default_limits(self, limits: list) -> None:
        super().set_default_limits(limits)
        self._changed()

    def add_decorated_limit(self, route: str, limit: Any, override: bool = False) -> None:
        super().add_decorated_limit(route, limit, override)
        self._changed()

    def add_blueprint_limit(self, blueprint: str, limit: Any) -> None:
        super().add_blueprint_limit(blueprint, limit)
        self._changed()

    def add_route_exemption(self, route: str, scope: Any) -> None:
        super().add_route_exemption(route, scope)
        self._changed()

    def add_blueprint_exemption(self, blueprint: str, scope: Any) -> None:
        super().add_blueprint_exemption(blueprint, scope)
        self._changed()

    def add_endpoint_hint(self, endpoint: str, callable: str) -> None:
        if callable not in self._endpoint_hints.get(endpoint, ()):  # called on every request: only news count
            super().add_endpoint_hint(endpoint, callable)
            self._changed()

    def _remembered(self, app: Flask, key: tuple, work_out: Callable[[], Any]) -> Any:
        """`work_out()` once per app, key and generation of the declared limits."""
        answers = app.extensions.setdefault("resolved_rate_limits", {})
        key = (self._generation, *key)
        if key not in answers:
            if len(answers) > 4096:  # generations come and go (tests declare limits): never grow without end
                answers.clear()
            answers[key] = work_out()
        return answers[key]

    def resolve_limits(
        self,
        app: Flask,
        endpoint: str | None = None,
        blueprint: str | None = None,
        callable_name: str | None = None,
        in_middleware: bool = False,
        marked_for_limiting: bool = False,
    ) -> tuple[list, ...]:
        request_key = (endpoint, blueprint, callable_name, in_middleware, marked_for_limiting)
        found = self._remembered(
            app,
            ("limits", *request_key),
            lambda: super(ResolvedOnceLimitManager, self).resolve_limits(app, *request_key),
        )
        return tuple(list(group) for group in found)  # copies: callers may extend what they get

    def exemption_scope(self, app: Flask, endpoint: str | None, blueprint: str | None) -> Any:
        return self._remembered(
            app,
            ("exemptions", endpoint, blueprint),
            lambda: super(ResolvedOnceLimitManager, self).exemption_scope(app, endpoint, blueprint),
        )


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter's Limiter with limits resolved once per app and route (`ResolvedOnceLimitManager`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_manager = ResolvedOnceLimitManager(self.limit_manager)
