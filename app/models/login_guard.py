"""Failed-login counters behind the lock-out."""

from __future__ import annotations

from typing import ClassVar

from mongoengine import DateTimeField, IntField, StringField

from app.models.base import BaseDocument


class LoginGuard(BaseDocument):
    """Failures for one login name within the current window, and the lock they lead to.

    Keyed by a hash of the normalised email, so unknown addresses are counted
    the same as real ones without storing them. The TTL index drops a guard
    once neither its window nor its lock matters any more.
    """

    COLLECTION: ClassVar[str] = "login_guards"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        "indexes": [{"fields": ["key"], "unique": True}, {"fields": ["expires_at"], "expireAfterSeconds": 0}],
    }

    key = StringField(required=True)
    failures = IntField(required=True, default=0, min_value=0)
    window_started = DateTimeField(required=True)
    locked_until = DateTimeField()
    expires_at = DateTimeField(required=True)
