"""Login lock-out: too many failures for one email within a window locks it for a while.

The state lives in MongoDB, so it holds across processes and restarts.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from datetime import datetime, timedelta

from flask import current_app
from mongoengine import NotUniqueError

from app.errors import TooManyRequests
from app.models import LoginGuard, utcnow


def _key(email: str) -> str:
    return hashlib.sha256(email.encode("utf-8")).hexdigest()


def _seconds(name: str) -> timedelta:
    return timedelta(seconds=current_app.config[name])


def ensure_not_locked(email: str) -> None:
    """429 with Retry-After while the email is locked, whatever the password."""
    guard = LoginGuard.objects(key=_key(email)).only("locked_until").first()
    now = utcnow()
    locked_until = guard.locked_until if guard else None
    if isinstance(locked_until, datetime) and locked_until > now:  # anything else is no (or a stale) lock
        raise TooManyRequests(
            "Too many failed logins for this account; try again later",
            headers={"Retry-After": str(max(math.ceil((locked_until - now).total_seconds()), 1))},
        )


def count_guess(email: str) -> None:
    """Count a guess (a password or a code) for `email` before it is checked; 429 once none is left.

    Counting first is what makes the limit hold under concurrency: requests sent at once each take a place in
    the window, and those past LOGIN_MAX_FAILURES are refused unchecked. The caller then says how the guess went
    (`guess_failed` or `guess_passed`). The TTL index drops a guard at `expires_at`, once neither its window nor
    its lock matters any more.
    """
    ensure_not_locked(email)
    key, now = _key(email), utcnow()
    window, lockout = _seconds("LOGIN_WINDOW_SECONDS"), _seconds("LOGIN_LOCKOUT_SECONDS")
    expires_at = now + window + lockout
    guard = LoginGuard.objects(key=key, window_started__gt=now - window).modify(
        inc__failures=1, set__expires_at=expires_at, new=True
    )
    if guard is None:  # no guard yet, or its window has passed: start a new window
        try:
            guard = LoginGuard.objects(key=key).modify(
                upsert=True,
                new=True,
                set__failures=1,
                set__window_started=now,
                set__expires_at=expires_at,
                set_on_insert__id=uuid.uuid4(),
                set_on_insert__created_at=now,
            )
        except NotUniqueError:  # a concurrent guess created it first: count against that one
            count_guess(email)
            return
    if guard.failures > current_app.config["LOGIN_MAX_FAILURES"]:
        _lock(key)
        ensure_not_locked(email)


def guess_failed(email: str) -> None:
    """The counted guess was wrong: the one that reaches the limit starts the lock."""
    key = _key(email)
    guard = LoginGuard.objects(key=key).only("failures").first()
    if guard is not None and guard.failures >= current_app.config["LOGIN_MAX_FAILURES"]:
        _lock(key)


def guess_passed(email: str) -> None:
    """The counted guess was right: it is no failure (but the earlier ones stay until a sign-in completes)."""
    # Through the driver: the field's min_value check would refuse the -1 of the increment itself.
    LoginGuard.collection().update_one({"key": _key(email), "failures": {"$gt": 0}}, {"$inc": {"failures": -1}})


def _lock(key: str) -> None:
    now, lockout = utcnow(), _seconds("LOGIN_LOCKOUT_SECONDS")
    LoginGuard.objects(key=key).update_one(
        set__locked_until=now + lockout,
        set__failures=0,
        set__window_started=now,
        set__expires_at=now + _seconds("LOGIN_WINDOW_SECONDS") + lockout,
    )


def clear_lockout(email: str) -> None:
    """Forget earlier failures: once a sign-in completes (every step passed), or a sensitive change's checks all did."""
    LoginGuard.objects(key=_key(email)).delete()
