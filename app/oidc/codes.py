"""One-time secrets: login codes (callback -> token pair) and link tickets (API -> browser), stored hashed.

Each is 256 random bits, kept only as its SHA-256, spent by one atomic find-and-delete, and refused once
its short lifetime has passed (MongoDB's TTL index only sweeps once a minute).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from app.models import User, utcnow
from app.models.oidc_state import LinkTicket, LoginCode

LOGIN_CODE_SECONDS = 60
LINK_TICKET_SECONDS = 60


def new_secret() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """What is stored in place of a secret: a leaked database holds nothing usable."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def is_live(raw: dict[str, Any]) -> bool:
    """True until the document's `expires_at` (read as aware UTC, also where a server kept it as text)."""
    expires = raw.get("expires_at")
    if isinstance(expires, str):
        try:
            expires = datetime.fromisoformat(expires)
        except ValueError:
            return False
    if not isinstance(expires, datetime):
        return False
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    return expires > utcnow()


def spend(model: type, field: str, value: str) -> dict[str, Any] | None:
    """Remove and return the live document holding `value`'s hash; None when unknown, used or expired."""
    raw = model._get_collection().find_one_and_delete({field: digest(value)})
    return raw if raw is not None and is_live(raw) else None


def issue_login_code(user: User) -> str:
    """A login code for `user`, valid once for LOGIN_CODE_SECONDS."""
    code = new_secret()
    expires = utcnow() + timedelta(seconds=LOGIN_CODE_SECONDS)
    LoginCode(code_hash=digest(code), user=user, expires_at=expires).save(force_insert=True)
    return code


def spend_login_code(code: str) -> User | None:
    """The active account a login code was issued for, once; None for an unknown, used or expired code."""
    raw = spend(LoginCode, "code_hash", code)
    if raw is None:
        return None
    return User.objects(id=raw["user"], active=True).first()


def issue_link_ticket(user: User, provider: str) -> str:
    """A ticket that lets one browser start linking `provider` to `user`, once, for LINK_TICKET_SECONDS."""
    ticket = new_secret()
    expires = utcnow() + timedelta(seconds=LINK_TICKET_SECONDS)
    LinkTicket(ticket_hash=digest(ticket), user=user, provider=provider, expires_at=expires).save(force_insert=True)
    return ticket


def spend_link_ticket(ticket: str, provider: str) -> User | None:
    """The active account a link ticket was issued for, for this provider only, once."""
    raw = spend(LinkTicket, "ticket_hash", ticket)
    if raw is None or raw.get("provider") != provider:
        return None
    return User.objects(id=raw["user"], active=True).first()
