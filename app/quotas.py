"""Quotas per account over any rolling 24 hours: what one account may pile up in a day.

Rate limits (app/throttling.py) bound bursts; quotas bound totals: items imported, exports run, upload bytes
granted and posts created. Each is a QUOTA_* setting (0: no quota); a charge that would cross it is a 429
naming the setting, with `Retry-After` in seconds until enough of the window has expired for it to fit.

Why insert-then-sum: each charge is its own record (`QuotaUsage`), inserted first; then the window is summed,
and when the sum is over the quota the record is deleted again and the request refused. Of two concurrent
charges, the one summing last sees both records (each inserted before its own sum), so together they can
never pass the quota on a real MongoDB (replica set or sharded: both writes and reads go to the primary of
the account's data, with no transaction needed). Near the limit both may be refused, never both admitted; a
refused client retries. A counter with a conditional update (`$inc` only while below the limit) cannot forget
spending as a rolling window must, and a document holding the window as an array grows without bound.
A record id may be chosen by the caller, which makes a charge idempotent (a job run twice is charged once).
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta

from flask import current_app
from pymongo.errors import DuplicateKeyError

from app.errors import TooManyRequests
from app.models import QuotaUsage, utcnow

WINDOW = timedelta(hours=24)
DESCRIPTIONS = {
    # what each capability's quota counts, in a 429's detail
    "QUOTA_IMPORT_ITEMS_PER_DAY": "imported items",  # capability: posts, jobs
    "QUOTA_EXPORTS_PER_DAY": "exports",  # capability: posts, jobs
    "QUOTA_UPLOAD_BYTES_PER_DAY": "upload bytes",  # capability: uploads
    "QUOTA_POSTS_PER_DAY": "created posts",  # capability: posts
}


def limit_of(name: str) -> int:
    """The quota's setting for the current app (0: no quota)."""
    return int(current_app.config[name])


def used(account: str, name: str, now: datetime | None = None) -> int:
    """What `account` spent of quota `name` in the 24 hours before `now`."""
    since = (now or utcnow()) - WINDOW
    rows = QuotaUsage.collection().aggregate(
        [
            {"$match": {"account": account, "quota": name, "created_at": {"$gt": since}}},
            {"$group": {"_id": None, "total": {"$sum": "$amount"}}},
        ]
    )
    return next((int(row["total"]) for row in rows), 0)


def remaining(account: str, name: str) -> int | None:
    """What is left of quota `name` for `account` now (None: no quota)."""
    limit = limit_of(name)
    return None if not limit else max(0, limit - used(account, name))


def ensure_room(account: str, name: str) -> None:
    """429 when nothing at all is left of quota `name` (for work that will take what is left, later)."""
    if remaining(account, name) == 0:
        raise exceeded(account, name, 1, utcnow())


def charge(account: str, name: str, amount: int = 1, *, record_id: str | None = None) -> str | None:
    """Spend `amount` of quota `name`, or raise 429 (nothing spent); the record's id, to `refund` it.

    With `record_id`, a second charge under the same id is the first one again (and costs nothing more).
    Returns None when the quota is off or the amount is nothing.
    """
    limit = limit_of(name)
    if not limit or amount <= 0:
        return None
    now = utcnow()
    record = record_id or str(uuid.uuid4())
    collection = QuotaUsage.collection()
    try:
        collection.insert_one(
            {
                "_id": record,
                "account": account,
                "quota": name,
                "amount": amount,
                "created_at": now,
                "updated_at": now,
                "expires_at": now + WINDOW,
            }
        )
    except DuplicateKeyError:
        return record  # charged already, by an earlier run of the same work
    spent = used(account, name, now)
    if spent > limit:
        collection.delete_one({"_id": record})
        raise exceeded(account, name, amount, now)
    return record


def refund(record_id: str | None) -> None:
    """Take a charge back (the work it paid for did not happen)."""
    if record_id is not None:
        QuotaUsage.collection().delete_one({"_id": record_id})


def charge_up_to(account: str, name: str, wanted: int, *, record_id: str) -> int:
    """Spend as much of `wanted` as the quota has left (0 when it has none); how much was spent.

    For work that can be done in part (an import creates the posts that fit). Idempotent by `record_id`: a
    second call returns what the first one spent.
    """
    if not limit_of(name):
        return wanted
    existing = QuotaUsage.collection().find_one({"_id": record_id}, {"amount": 1})
    if existing is not None:
        return int(existing["amount"])
    for _ in range(3):  # a concurrent charge may take what was left between the two steps: look again
        left = remaining(account, name) or 0
        if left == 0:
            return 0
        try:
            charge(account, name, min(wanted, left), record_id=record_id)
        except TooManyRequests:
            continue
        return min(wanted, left)
    return 0


def exceeded(account: str, name: str, amount: int, now: datetime) -> TooManyRequests:
    """429 naming the quota, with Retry-After: when the oldest charges will have expired enough for `amount`."""
    limit = limit_of(name)
    what = DESCRIPTIONS.get(name, name)
    if amount > limit:
        seconds = int(WINDOW.total_seconds())
        detail = f"This request alone ({amount} {what}) is more than your daily quota of {limit} ({name})"
        return TooManyRequests(detail, headers={"Retry-After": str(seconds)})
    records = QuotaUsage.collection().find(
        {"account": account, "quota": name, "created_at": {"$gt": now - WINDOW}},
        {"amount": 1, "created_at": 1},
        sort=[("created_at", 1)],
    )
    excess = used(account, name, now) + amount - limit
    seconds = 1
    for record in records:
        excess -= record["amount"]
        if excess <= 0:
            seconds = math.ceil((record["created_at"] + WINDOW - now).total_seconds())
            break
    detail = (
        f"Your daily quota of {limit} {what} ({name}) is used up for now; it frees up as the last 24 hours' "
        "use ages, see Retry-After"
    )
    return TooManyRequests(detail, headers={"Retry-After": str(max(1, seconds))})
