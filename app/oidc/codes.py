"""One-time secrets: login codes (callback -> token pair) and link tickets (API -> browser), stored hashed.

Each is 256 random bits, kept only as its SHA-256, spent by one atomic find-and-delete, and refused once
its short lifetime has passed (MongoDB's TTL index only sweeps once a minute).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

from app.models import User, utcnow
from app.oidc.models import LinkTicket, LoginCode
from app.one_time import digest, is_live, new_secret

LOGIN_CODE_SECONDS = 60
LINK_TICKET_SECONDS = 60


def spend(model: type, field: str, value: str) -> dict[str, Any] | None:
    """Remove and return the live document holding `value`'s hash; None when unknown, used or expired."""
    raw = model.collection().find_one_and_delete({field: digest(value)})
    return raw if raw is not None and is_live(raw) else None


class SignIn(NamedTuple):
    """What a spent login code stands for: the account, and how it signed in (`oidc:<provider>`)."""

    user: User
    method: str


def issue_login_code(user: User, provider: str) -> str:
    """A login code for `user`, who signed in with `provider`, valid once for LOGIN_CODE_SECONDS."""
    code = new_secret()
    expires = utcnow() + timedelta(seconds=LOGIN_CODE_SECONDS)
    LoginCode(code_hash=digest(code), user=user, provider=provider, expires_at=expires).save(force_insert=True)
    return code


def spend_login_code(code: str) -> SignIn | None:
    """The active account a login code was issued for, once; None for an unknown, used or expired code."""
    raw = spend(LoginCode, "code_hash", code)
    user = None if raw is None else User.objects(id=raw["user"], active=True).first()
    return None if user is None else SignIn(user, f"oidc:{raw.get('provider') or 'unknown'}")


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
