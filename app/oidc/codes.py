"""One-time secrets: login codes (callback -> token pair), link tickets (API -> browser) and link codes
(callback -> the account that asked), stored hashed.

Each is 256 random bits, kept only as its SHA-256, spent by one atomic find-and-delete, and refused once
its short lifetime has passed (MongoDB's TTL index only sweeps once a minute). Each also keeps the PKCE
challenge of the client that asked: spending checks the verifier after the delete, so a wrong one spends
the code (RFC 7636 4.6; a guess never gets a second try).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from app.models import BaseDocument, User, utcnow
from app.oidc.models import LinkCode, LinkTicket, LoginCode, OidcState
from app.one_time import digest, is_live, new_secret, verifier_matches

LOGIN_CODE_SECONDS = 60
LINK_TICKET_SECONDS = 60
LINK_CODE_SECONDS = 60


def spend(model: type, field: str, value: str, **match: Any) -> dict[str, Any] | None:
    """Remove and return the live document holding `value`'s hash; None when unknown, used or expired."""
    raw = model.collection().find_one_and_delete({field: digest(value), **match})
    return raw if raw is not None and is_live(raw) else None


def _expiry(seconds: int) -> datetime:
    return utcnow() + timedelta(seconds=seconds)


class SignIn(NamedTuple):
    """What a spent login code stands for: the account, and how it signed in (`oidc:<provider>`)."""

    user: User
    method: str


def issue(model: type[BaseDocument], hash_field: str, seconds: int, **fields: Any) -> str:
    """A new one-time secret for `model`, stored only as its digest under `hash_field`, live for `seconds`."""
    secret = new_secret()
    model(**{hash_field: digest(secret)}, expires_at=_expiry(seconds), **fields).save(force_insert=True)
    return secret


def issue_login_code(user: User, provider: str, code_challenge: str) -> str:
    """A login code for `user`, who signed in with `provider`, valid once for LOGIN_CODE_SECONDS, with the client's
    verifier only."""
    return issue(
        LoginCode, "code_hash", LOGIN_CODE_SECONDS, user=user, provider=provider, code_challenge=code_challenge
    )


def spend_login_code(code: str, code_verifier: str) -> SignIn | None:
    """The active account a login code was issued for, once, for the matching verifier; else None."""
    raw = spend(LoginCode, "code_hash", code)
    if raw is None or not verifier_matches(code_verifier, raw.get("code_challenge")):
        return None
    user = User.objects(id=raw["user"], active=True).first()
    return None if user is None else SignIn(user, f"oidc:{raw.get('provider') or 'unknown'}")


def issue_link_ticket(user: User, provider: str, code_challenge: str) -> str:
    """A ticket that lets one browser start linking `provider` to `user`, once, for LINK_TICKET_SECONDS."""
    return issue(
        LinkTicket, "ticket_hash", LINK_TICKET_SECONDS, user=user, provider=provider, code_challenge=code_challenge
    )


def spend_link_ticket(ticket: str, provider: str) -> dict[str, Any] | None:
    """The ticket (its `user` id and `code_challenge`), for this provider only, once; None otherwise."""
    raw = spend(LinkTicket, "ticket_hash", ticket)
    if raw is None or raw.get("provider") != provider:
        return None
    return raw


def issue_link_code(user: User, provider: str, code_challenge: str, identity: dict[str, Any]) -> str:
    """A link code for the account that asked: the proven `identity` (subject, email, email_verified) waits."""
    fields = {"user": user, "provider": provider, "code_challenge": code_challenge, **identity}
    return issue(LinkCode, "code_hash", LINK_CODE_SECONDS, **fields)


def spend_link_code(code: str, provider: str) -> dict[str, Any] | None:
    """The pending link for this provider, removed whoever presents it; None when unknown, used or expired."""
    return spend(LinkCode, "code_hash", code, provider=provider)


def void_for(user_id: Any) -> None:
    """Every link ticket, link in progress, link code and login code of one account stops working."""
    LinkTicket.objects(user=user_id).delete()
    OidcState.objects(link_user=user_id).delete()
    LinkCode.objects(user=user_id).delete()
    LoginCode.objects(user=user_id).delete()
