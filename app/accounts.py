"""Account rules shared by the views and the CLI: creating users and checking passwords."""

from __future__ import annotations

import logging

from email_validator import EmailNotValidError, validate_email
from mongoengine import NotUniqueError

from app.errors import BadRequest, Conflict, Forbidden, Unauthorized
from app.lockout import ensure_not_locked, record_failure, record_success
from app.models import User
from app.passwords import hash_password, needs_rehash, verify_password

log = logging.getLogger(__name__)

INVALID_CREDENTIALS = "Invalid email or password"


def normalise_email(email: str) -> str:
    """The one spelling an address is stored and looked up under; 400 when it is not an address."""
    try:
        # ASCII local parts only: what the stored field (and most mail systems) accept, so never a 500 later
        return validate_email(email.strip(), check_deliverability=False, allow_smtputf8=False).normalized.lower()
    except EmailNotValidError:
        raise BadRequest(
            "The email address is not valid", errors=[{"field": "email", "message": "must be a valid email address"}]
        ) from None


def create_user(email: str, password: str, display_name: str, role: str = "user") -> User:
    """Insert a new account; 409 when the email is taken."""
    user = User(email=normalise_email(email), display_name=display_name.strip() or display_name, role=role)
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
        email = email.strip().lower()  # still counted and timed like any other address
    ensure_not_locked(email)
    user = User.objects(email=email).first()
    valid = verify_password(user.password_hash if user else None, password)
    if not valid or not user.active:
        record_failure(email)
        raise Unauthorized(INVALID_CREDENTIALS)
    record_success(email)
    if needs_rehash(user.password_hash):
        User.objects(id=user.id).update_one(set__password_hash=hash_password(password))
        log.info("password hash upgraded: %s", user.id)
    return user


def confirm_password(user: User, password: str) -> None:
    """403 unless `password` is the user's current one; guesses count toward the login lock-out.

    Sensitive changes ask for the password again, so a stolen token must not become unlimited guessing.
    """
    ensure_not_locked(user.email)
    if not verify_password(user.password_hash, password):
        record_failure(user.email)
        raise Forbidden("The password is not correct")
    record_success(user.email)
