"""Account rules shared by the views and the CLI: creating users and checking passwords."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from limits import parse
from mongoengine import NotUniqueError

from app import events
from app.errors import BadRequest, Conflict, Forbidden, Unauthorized
from app.extensions import limiter
from app.lockout import clear_lockout, ensure_not_locked, record_failure
from app.models import User, utcnow
from app.passwords import hash_password, needs_rehash, verify_password
from app.sessions import FRESH_FOR, revoke_user_sessions, token_is_fresh
from app.text import trim

log = logging.getLogger(__name__)

INVALID_CREDENTIALS = "Invalid email or password"
PASSWORD_NEEDED = "This change needs your current password"  # noqa: S105 (a message)
WRONG_PASSWORD = "The password is not correct"  # noqa: S105 (a message)
SIGN_IN_AGAIN = (
    f"This account has no password, so this change needs a fresh sign-in: sign in again with your provider "
    f"and make the change within {int(FRESH_FOR.total_seconds() // 60)} minutes"
)


def normalise_email(email: str) -> str:
    """The one spelling an address is stored and looked up under; 400 when it is not an address."""
    try:
        # ASCII local parts only: what the stored field (and most mail systems) accept, so never a 500 later
        return validate_email(trim(email), check_deliverability=False, allow_smtputf8=False).normalized.lower()
    except EmailNotValidError:
        raise BadRequest(
            "The email address is not valid", errors=[{"field": "email", "message": "must be a valid email address"}]
        ) from None


def create_user(
    email: str, password: str, display_name: str, role: str = "user", *, email_verified: bool = False
) -> User:
    """Insert a new account; 409 when the email is taken."""
    user = User(
        email=normalise_email(email),
        display_name=trim(display_name) or display_name,
        role=role,
        email_verified=email_verified,
    )
    user.password_hash = hash_password(password)
    try:
        user.save(force_insert=True)
    except NotUniqueError:
        # the unique index on email decides, so two concurrent signups cannot both succeed
        raise Conflict("An account with this email already exists") from None
    log.info("account created: %s", user.id)
    return user


def authenticate(email: str, password: str) -> User:
    """The active user with these credentials, or 401; locked emails get 429 first."""
    try:
        email = normalise_email(email)
    except BadRequest:
        email = trim(email).lower()  # still counted and timed like any other address
    ensure_not_locked(email)
    user = User.objects(email=email).first()
    valid = verify_password(user.password_hash if user else None, password)
    if not valid or not user.active:
        record_failure(email)
        if user is not None:  # an unknown address has no account, so no log to write to
            events.publish(events.SIGN_IN_FAILED, user=user)
        raise Unauthorized(INVALID_CREDENTIALS)
    # The failures are not forgotten here: a second step may follow, and only a completed sign-in clears them
    # (app/sign_in.py), so a known password never buys fresh guesses at the second factor.
    if needs_rehash(user.password_hash):
        User.objects(id=user.id).update_one(set__password_hash=hash_password(password))
        log.info("password hash upgraded: %s", user.id)
    return user


def check_password(user: User, password: str | None) -> None:
    """403 unless `password` is the user's current one; guesses count toward the login lock-out.

    Sensitive changes ask for the password again, so a stolen token must not become unlimited guessing.
    A missing password is refused before the lock-out is consulted: it is no guess. The count is not cleared
    here: `reauthenticate` clears it once every check (a second factor's too) has passed.
    """
    if not password:
        raise Forbidden(PASSWORD_NEEDED)
    ensure_not_locked(user.email)
    if not verify_password(user.password_hash, password):
        record_failure(user.email)
        raise Forbidden(WRONG_PASSWORD)


def reauthenticate(user: User, password: str | None, code: str | None = None) -> None:
    """The one rule for every change to how an account signs in (or to the account itself): prove it is you.

    An account with a password gives it (as `check_password` checks it, lock-out included); one without a
    password (made by an identity provider) needs an access token from a sign-in within FRESH_FOR, since a
    refreshed token proves only that a token was kept, not that its person is at the keyboard (ASVS 5.0 V7.5).
    Any other 403 says which of the two is missing. Then REAUTHENTICATING lets a capability ask for more (a second
    factor's `code`); the lock-out count is cleared only once every check passed.
    """
    if user.password_hash:
        check_password(user, password)
    elif not token_is_fresh():
        raise Forbidden(SIGN_IN_AGAIN)
    events.publish(events.REAUTHENTICATING, user=user, code=code)
    clear_lockout(user.email)  # wrong codes count for an account without a password too


UNVERIFIED_SIGN_IN = (
    "Verify your e-mail address before signing in: follow the link in the message we sent you "
    "(a new one is on its way unless one was sent in the last few minutes)"
)
UNVERIFIED_PUBLISH = (
    "Verify your e-mail address to publish: follow the link in the message we sent you, or ask for a new one "
    "with POST /api/v1/me/verification-email"
)
# At sign-in, an unverified account is sent a new link at most this often.
VERIFICATION_RESEND_SECONDS = 300


def ensure_may_sign_in(user: User) -> None:
    """403 for an unverified account while REQUIRE_VERIFIED_EMAIL is on; it is sent a fresh link (throttled)."""
    if user.email_verified or not current_app.config["REQUIRE_VERIFIED_EMAIL"]:
        return
    if _first_in_window(f"1 per {VERIFICATION_RESEND_SECONDS} seconds", "verification-at-sign-in", str(user.id)):
        events.publish(events.VERIFICATION_NEEDED, user=user)
    raise Forbidden(UNVERIFIED_SIGN_IN)


def _first_in_window(limit: str, *key: str) -> bool:
    """Whether this is the first event for `key` within the window (counted in the rate limiter's store)."""
    try:
        return limiter.limiter.hit(parse(limit), *key)
    except Exception:  # the store is unreachable: sending once more beats never sending
        log.warning("rate-limit store unavailable; not throttling %s", key[0])
        return True


def ensure_may_publish(user: User) -> None:
    """403 for an account whose address is still unverified UNVERIFIED_GRACE_HOURS after it signed up.

    A new account may publish at once; one that never proves its address loses that right after the grace
    period, so an address typed by someone else cannot carry content for long.
    """
    if user.email_verified or user.is_admin:  # admins are made by an operator (flask create-admin)
        return
    if utcnow() - user.created_at >= timedelta(hours=current_app.config["UNVERIFIED_GRACE_HOURS"]):
        raise Forbidden(UNVERIFIED_PUBLISH)


def set_password(user: User, new_password: str, *, keep_session: uuid.UUID | None = None, **changes: Any) -> None:
    """Store a new password: other sessions end first, the lock-out is cleared, PASSWORD_CHANGED is published.

    Sessions go before the hash changes: if the database fails in between, nothing stays open that the new
    password was meant to close. `keep_session` is the caller's own (a change); a reset keeps none.
    """
    new_hash = hash_password(new_password)
    revoke_user_sessions(user, keep=keep_session)
    User.objects(id=user.id).update_one(set__password_hash=new_hash, **changes)
    clear_lockout(user.email)
    log.info("password changed: %s", user.id)
    events.publish(events.PASSWORD_CHANGED, user=user)
