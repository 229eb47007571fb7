"""One-time tokens for mailed links: 256 random bits, stored only as SHA-256, spent once, short-lived.

Tokens are made in the worker that mails them, so the raw value never reaches the database, the queue's
Redis or a log: only the message (and the log sender, in development) ever holds it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from app.mail.models import AccountToken
from app.models import User, utcnow
from app.one_time import digest, is_live, new_secret

LIFETIMES = {
    "verify_email": "EMAIL_VERIFICATION_TTL_SECONDS",
    "password_reset": "PASSWORD_RESET_TTL_SECONDS",
    "email_change": "EMAIL_CHANGE_TTL_SECONDS",
}
# For these kinds only the newest request counts: an older link dies when a newer one is issued.
NEWEST_ONLY = frozenset({"password_reset", "email_change"})
# These kinds carry the password stamp: any password change or reset after the request kills the link.
STAMPED = frozenset({"password_reset", "email_change"})


def password_stamp(password_hash: str | None) -> str:
    """A digest of the current password hash: it changes with every password change (argon2 salts anew)."""
    return digest(password_hash or "no password")[:32]


def lifetime_seconds(kind: str) -> int:
    return current_app.config[LIFETIMES[kind]]


def issue(
    kind: str, user: User, message_id: str, requested_at: datetime, *, new_email: str | None = None
) -> str | None:
    """A new token for `user`, or None when a newer request of a newest-only kind already has one.

    A retry of the same message replaces the token the failed attempt made, so one message has one token.
    """
    tokens = AccountToken.objects(user=user, kind=kind)
    if kind in NEWEST_ONLY:
        if tokens.filter(requested_at__gt=requested_at).only("id").first() is not None:
            return None
        tokens.delete()
    else:
        tokens.filter(message_id=message_id).delete()
    raw = new_secret()
    AccountToken(
        kind=kind,
        user=user,
        token_hash=digest(raw),
        message_id=message_id,
        email=user.email,
        new_email=new_email,
        password_stamp=password_stamp(user.password_hash) if kind in STAMPED else None,
        requested_at=requested_at,
        expires_at=utcnow() + timedelta(seconds=lifetime_seconds(kind)),
    ).save(force_insert=True)
    return raw


def spend(kind: str, raw: str) -> dict[str, Any] | None:
    """Remove and return the live token of `kind`; None when unknown, used, expired or of another kind."""
    found = AccountToken.collection().find_one_and_delete({"token_hash": digest(raw), "kind": kind})
    return found if found is not None and is_live(found) else None


def revoke(user_id: Any, *kinds: str) -> None:
    """Kill every outstanding token of these kinds for the user (a password or address change)."""
    for kind in kinds:
        AccountToken.objects(user=user_id, kind=kind).delete()
