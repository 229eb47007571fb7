"""What each account spent against its quotas in the last 24 hours (app/quotas.py reads and writes these)."""

from __future__ import annotations

from typing import ClassVar

from mongoengine import DateTimeField, IntField, StringField

from app.models.base import BaseDocument


class QuotaUsage(BaseDocument):
    """One charge: `amount` of quota `name` spent by `account` at `created_at`.

    One record per charge, not a counter: a rolling window is the sum of the records newer than a day, and
    the TTL index drops each once it leaves every window (`expires_at` is a day after the charge).
    """

    COLLECTION: ClassVar[str] = "quota_usage"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        "indexes": [
            # The window's sum: equality on account and quota, a range on the charge's time.
            {"fields": ["account", "quota", "created_at"]},
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
        ],
    }

    # The canonical id string of the account (not a reference: a deleted account's records just expire).
    account = StringField(required=True)
    quota = StringField(required=True)
    amount = IntField(required=True, min_value=1)
    expires_at = DateTimeField(required=True)
