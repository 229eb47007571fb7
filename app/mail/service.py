"""Completing the mailed flows: following a verification, password-reset or e-mail-change link.

Every wrong, used, expired or foreign token gets the same 400, so a response never tells which it was.
"""

from __future__ import annotations

import logging
from typing import Any

from mongoengine import NotUniqueError

from app import events
from app.accounts import set_password
from app.errors import BadRequest, Conflict
from app.mail import links, outbox
from app.models import User

log = logging.getLogger("app.mail")

INVALID_LINK = "This link is invalid, expired or already used; ask for a new one"


def _token_user(kind: str, raw: str) -> tuple[dict[str, Any], User]:
    """Spend the token; its active account, or the one generic 400."""
    token = links.spend(kind, raw)
    user = None if token is None else User.objects(id=token["user"], active=True).first()
    if token is None or user is None:
        raise BadRequest(INVALID_LINK)
    return token, user


def verify_email(raw: str) -> None:
    """Mark the address verified, if it is still the one the link was sent to."""
    token, user = _token_user("verify_email", raw)
    if not User.objects(id=user.id, email=token["email"]).update_one(set__email_verified=True):
        raise BadRequest(INVALID_LINK)  # the account has moved to another address since
    log.info("email verified: %s", user.id)


def reset_password(raw: str, new_password: str) -> None:
    """Set a new password: every session is revoked, the lock-out cleared, the owner told.

    PASSWORD_RESET follows, so every other way in (linked providers) is evicted too: a reset is how an
    owner takes an account back from whoever else got in.
    """
    token, user = _token_user("password_reset", raw)
    if token.get("password_stamp") != links.password_stamp(user.password_hash) or token["email"] != user.email:
        raise BadRequest(INVALID_LINK)  # the password (or the address) changed after the link was sent
    # The link came through the mailbox, which proves the address as verification would.
    set_password(user, new_password, set__email_verified=True)
    log.info("password reset: %s", user.id)
    events.publish(events.PASSWORD_RESET, user=user)


def confirm_email_change(raw: str) -> None:
    """Move the account to the new address; 409 when another account took it in the meantime."""
    token, user = _token_user("email_change", raw)
    if token["email"] != user.email or token.get("password_stamp") != links.password_stamp(user.password_hash):
        raise BadRequest(INVALID_LINK)  # the address or the password changed since the link was sent
    try:
        moved = User.objects(id=user.id, email=token["email"]).update_one(
            set__email=token["new_email"], set__email_verified=True
        )
    except NotUniqueError:
        raise Conflict("An account with this email already exists") from None
    if not moved:
        raise BadRequest(INVALID_LINK)
    # Reset links went to the old address; they must not open the account any more.
    links.revoke(user.id, "password_reset", "verify_email")
    log.info("email changed: %s", user.id)
    events.publish(events.EMAIL_CHANGED, user=user)


def password_changed(user: User) -> None:
    """After any password change or reset: reset links and pending e-mail changes die (the stamp kills them
    anyway, queued ones included) and the owner is told."""
    links.revoke(user.id, "password_reset", "email_change")
    outbox.send_password_changed(str(user.id))


def identity_linked(user: User, provider: str) -> None:
    """A provider was linked: tell the owner which, when, and how to undo it."""
    outbox.send_identity_linked(str(user.id), provider)


def identity_unlinked(user: User, providers: list[str], by_reset: bool) -> None:
    """Providers were unlinked: tell the owner which (after a reset, so they can link theirs again)."""
    outbox.send_identity_unlinked(str(user.id), providers, by_reset=by_reset)


# capability: mfa
def mfa_enabled(user: User) -> None:
    """A second factor was turned on: someone who did not do it (with the password) learns at once."""
    outbox.send_security_notice("mfa_enabled", str(user.id))


def mfa_disabled(user: User) -> None:
    """The second factor was turned off: the account is back to one factor, which its owner must know."""
    outbox.send_security_notice("mfa_disabled", str(user.id))


def recovery_code_used(user: User) -> None:
    """A recovery code was spent: either the device is lost, or someone holds the codes."""
    outbox.send_security_notice("mfa_recovery_code_used", str(user.id))


# end capability: mfa
def signed_up(user: User) -> None:
    """A new account gets a link that proves its address."""
    outbox.send_verification(str(user.id))


def verification_needed(user: User) -> None:
    """An unverified account tried to sign in: a fresh link (the caller throttles)."""
    outbox.send_verification(str(user.id))
