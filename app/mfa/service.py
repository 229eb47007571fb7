"""The second factor's rules: enrolment, confirmation, turning it off, recovery codes, the sign-in's second step,
and the answers to the core's questions (does this sign-in need another step? does this change have its code?).

Every code check goes through `check_code`: a TOTP code is accepted once per time step (the step is stored with
a compare-and-set, so two requests with one code cannot both pass), a recovery code once ever (its digest leaves
the sealed list with a compare-and-set too). Wrong codes count toward the login lock-out of the account's e-mail,
at sign-in and at every sensitive change alike, so a stolen password or token never buys unlimited guesses.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from mongoengine import NotUniqueError
from pymongo import ReturnDocument

from app import events
from app.accounts import reauthenticate
from app.errors import ApiError, BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from app.lockout import ensure_not_locked, record_failure
from app.mfa import sealing, totp
from app.mfa.models import MfaChallenge, TotpFactor
from app.models import User, utcnow
from app.one_time import digest, is_live, new_secret
from app.sign_in import complete_sign_in

log = logging.getLogger("app.mfa")

RECOVERY_CODES = 10
# 16 characters of base32 (80 random bits), shown in groups of four: too many to guess online, and their digests
# are sealed too, so a database dump alone does not even allow trying offline.
RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
RECOVERY_LENGTH = 16
MAX_ATTEMPTS = 5

ALREADY_ON = "A second factor is already on for this account; turn it off first to enrol another"
NONE_PENDING = "No enrolment is waiting to be confirmed; start one with POST /api/v1/me/mfa/totp"
NONE_ON = "No second factor is on for this account"
WRONG_CONFIRMATION = "The code does not match: check the device's clock and enter the code it shows now"
CODE_NEEDED = "This change needs a code from your authenticator app (or an unused recovery code) in `code`"
WRONG_CODE = "The code is wrong, or was already used"
TOKEN_GONE = "The mfaToken is unknown, spent or expired; sign in again"  # noqa: S105 (a message)


class FactorUnreadable(ApiError):
    """500: a stored factor opens with no FIELD_ENCRYPTION_KEY (a key was dropped too early); the operator must act."""

    status = 500


def active_factor(user: User) -> TotpFactor | None:
    """The account's confirmed factor, if it has one."""
    return TotpFactor.objects(user=user.id, active=True).first()


def _secret(factor: TotpFactor) -> str:
    try:
        return sealing.unseal(factor.sealed_secret)
    except sealing.SealBroken:
        log.error("TOTP factor %s opens with no FIELD_ENCRYPTION_KEY", factor.id)
        raise FactorUnreadable("The second factor cannot be read; the operator has been told") from None


def _recovery_digests(factor: TotpFactor) -> list[str]:
    if not factor.sealed_recovery_codes:
        return []
    try:
        return json.loads(sealing.unseal(factor.sealed_recovery_codes))
    except sealing.SealBroken:
        log.error("the recovery codes of TOTP factor %s open with no FIELD_ENCRYPTION_KEY", factor.id)
        raise FactorUnreadable("The recovery codes cannot be read; the operator has been told") from None


def normalise_recovery_code(code: str) -> str:
    """What a recovery code is compared as: lower case, without the dashes and spaces people type."""
    return "".join(code.split()).replace("-", "").lower()


def new_recovery_codes() -> tuple[list[str], str]:
    """Ten fresh codes as shown (`abcd-efgh-ijkl-mnop`), and their digests sealed, as stored."""
    shown = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        shown.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    sealed = sealing.seal(json.dumps([digest(normalise_recovery_code(code)) for code in shown]))
    return shown, sealed


def status(user: User) -> dict[str, Any]:
    """Whether the account's factor is off, waiting for its first code, or on, and how many recovery codes are left.

    A client reads it to show the right button; nothing secret is in it (the codes left are counted, not shown).
    """
    factor = TotpFactor.objects(user=user.id).first()
    if factor is None:
        return {"status": "off", "recoveryCodesLeft": 0}
    if not factor.active:
        return {"status": "pending", "recoveryCodesLeft": 0}
    return {"status": "on", "recoveryCodesLeft": len(_recovery_digests(factor))}


def enrol(user: User, password: str | None) -> dict[str, str]:
    """Start an enrolment (replacing one still pending): the secret and its otpauth URI, shown this once.

    409 when a factor is already on; the password (or, without one, a fresh sign-in) proves it is the owner.
    """
    if active_factor(user) is not None:
        raise Conflict(ALREADY_ON)
    reauthenticate(user, password)
    secret = totp.new_secret()
    for attempt in range(2):
        try:
            TotpFactor.objects(user=user.id, active=False).modify(
                upsert=True,
                new=True,
                set__sealed_secret=sealing.seal(secret),
                set__last_step=0,
                unset__sealed_recovery_codes=True,
                set_on_insert__id=uuid.uuid4(),
                set_on_insert__active=False,
                set_on_insert__created_at=utcnow(),
            )
            break
        except NotUniqueError:
            # Another request made the account's one factor first: a pending one is replaced on the second try;
            # one turned on meanwhile stays, and this is a 409.
            if attempt:
                raise Conflict(ALREADY_ON) from None
    log.info("TOTP enrolment started: %s", user.id)
    uri = totp.provisioning_uri(secret, user.email, current_app.config["APP_NAME"])
    return {"secret": secret, "otpauthUri": uri}


def confirm(user: User, code: str) -> list[str]:
    """Turn the pending factor on with a first code from the app; the ten recovery codes, shown this once.

    400 for a wrong code; 409 when a factor is already on; 404 when no enrolment is pending.
    """
    factor = TotpFactor.objects(user=user.id).first()
    if factor is None:
        raise NotFound(NONE_PENDING)
    if factor.active:
        raise Conflict(ALREADY_ON)
    step = totp.matching_step(_secret(factor), code.strip())
    if step is None:
        raise BadRequest(WRONG_CONFIRMATION)
    shown, sealed = new_recovery_codes()
    # The same pending enrolment still (not replaced, not confirmed by a concurrent request): then it turns on.
    turned_on = TotpFactor.objects(id=factor.id, active=False, sealed_secret=factor.sealed_secret).update_one(
        set__active=True, set__last_step=step, set__sealed_recovery_codes=sealed, set__enabled_at=utcnow()
    )
    if not turned_on:
        raise Conflict("The enrolment changed meanwhile (replaced or confirmed); start again if it is not on")
    log.info("TOTP factor on: %s", user.id)
    events.publish(events.MFA_ENABLED, user=user)
    return shown


def disable(user: User, password: str | None, code: str | None) -> None:
    """Turn the factor off (its recovery codes go with it) after the password and a code; 404 when none is on."""
    if active_factor(user) is None:
        raise NotFound(NONE_ON)
    reauthenticate(user, password, code)  # the subscriber below checks `code`
    if TotpFactor.objects(user=user.id).delete():
        log.info("TOTP factor off: %s", user.id)
        events.publish(events.MFA_DISABLED, user=user)


def regenerate_recovery_codes(user: User, password: str | None, code: str | None) -> list[str]:
    """A new set of ten recovery codes after the password and a code; the old set stops working."""
    if active_factor(user) is None:
        raise NotFound(NONE_ON)
    reauthenticate(user, password, code)
    shown, sealed = new_recovery_codes()
    if not TotpFactor.objects(user=user.id, active=True).update_one(set__sealed_recovery_codes=sealed):
        raise NotFound(NONE_ON)
    log.info("recovery codes replaced: %s", user.id)
    return shown


def _accept_step(factor: TotpFactor, step: int) -> bool:
    """Record `step` as the last accepted, unless it (or a later one) already was: no code works twice."""
    return bool(TotpFactor.objects(id=factor.id, active=True, last_step__lt=step).update_one(set__last_step=step))


def _spend_recovery_code(factor: TotpFactor, code: str) -> bool:
    """Remove the code's digest from the sealed list (compare-and-set, retried on a concurrent change)."""
    wanted = digest(normalise_recovery_code(code))
    for _ in range(3):
        digests = _recovery_digests(factor)
        if wanted not in digests:
            return False
        remaining = sealing.seal(json.dumps([d for d in digests if d != wanted]))
        if TotpFactor.objects(id=factor.id, active=True, sealed_recovery_codes=factor.sealed_recovery_codes).update_one(
            set__sealed_recovery_codes=remaining
        ):
            return True
        factor = TotpFactor.objects(id=factor.id, active=True).first()
        if factor is None:
            return False
    return False


def check_code(user: User, factor: TotpFactor, code: str) -> bool:
    """Whether `code` is a current TOTP code not used before, or an unused recovery code (then spent and told)."""
    code = code.strip()
    if totp.looks_like_code(code):
        step = totp.matching_step(_secret(factor), code)
        return step is not None and _accept_step(factor, step)
    if _spend_recovery_code(factor, code):
        log.info("recovery code used: %s", user.id)
        events.publish(events.RECOVERY_CODE_USED, user=user)
        return True
    return False


def reauthenticating(user: User, code: str | None) -> None:
    """REAUTHENTICATING: with the factor on, a sensitive change needs a right `code` (403; wrong ones count)."""
    factor = active_factor(user)
    if factor is None:
        return
    if not code:
        raise Forbidden(CODE_NEEDED)
    ensure_not_locked(user.email)
    if not check_code(user, factor, code):
        record_failure(user.email)
        raise Forbidden(WRONG_CODE)


def signing_in(user: User, method: str, transport: str) -> dict[str, Any] | None:
    """SIGNING_IN: with the factor on, no session yet; the answer carries an mfaToken for the second step."""
    if active_factor(user) is None:
        return None
    seconds = current_app.config["MFA_TOKEN_SECONDS"]
    token = new_secret()
    MfaChallenge(
        token_hash=digest(token),
        user=user,
        method=method,
        transport=transport,
        expires_at=utcnow() + timedelta(seconds=seconds),
    ).save(force_insert=True)
    return {"mfaRequired": True, "mfaToken": token, "expiresIn": seconds}


def complete(mfa_token: str, code: str, transport: str | None) -> dict[str, Any]:
    """The second step: a right code ends the sign-in the first step started (its method and, unless `transport`
    is given, its transport); 401 for a wrong code or a spent token; the fifth wrong code spends the token."""
    raw = MfaChallenge.collection().find_one({"token_hash": digest(mfa_token)})
    if raw is None or not is_live(raw):
        raise Unauthorized(TOKEN_GONE)
    user = User.objects(id=raw["user"], active=True).first()
    factor = None if user is None else active_factor(user)
    if factor is None:  # the account was deactivated, or the factor turned off, since the first step
        MfaChallenge.collection().delete_one({"_id": raw["_id"]})
        raise Unauthorized(TOKEN_GONE)
    ensure_not_locked(user.email)
    # Each try takes one of the token's attempts first, atomically: concurrent guesses cannot exceed the five.
    raw = MfaChallenge.collection().find_one_and_update(
        {"_id": raw["_id"], "attempts": {"$lt": MAX_ATTEMPTS}},
        {"$inc": {"attempts": 1}},
        return_document=ReturnDocument.AFTER,
    )
    if raw is None:
        raise Unauthorized(TOKEN_GONE)
    if not check_code(user, factor, code):
        record_failure(user.email)
        events.publish(events.SIGN_IN_FAILED, user=user)
        if raw["attempts"] >= MAX_ATTEMPTS:
            MfaChallenge.collection().delete_one({"_id": raw["_id"]})
            raise Unauthorized(f"{WRONG_CODE}; that was the last try for this mfaToken: sign in again")
        raise Unauthorized(WRONG_CODE)
    if not MfaChallenge.collection().delete_one({"_id": raw["_id"]}).deleted_count:
        raise Unauthorized(TOKEN_GONE)  # a concurrent right code completed this sign-in already
    return complete_sign_in(user, method=raw["method"], transport=transport or raw["transport"])


def remove_for_operator(user: User) -> bool:
    """An operator takes the factor off an account whose owner lost the device and the recovery codes (after
    checking who they are, outside the API); whether there was one. The owner is told, as when they turn it off."""
    removed = TotpFactor.objects(user=user.id).delete()
    MfaChallenge.objects(user=user.id).delete()
    if removed:
        log.info("TOTP factor removed by an operator: %s", user.id)
        events.publish(events.MFA_DISABLED, user=user)
    return bool(removed)


def password_changed(user: User) -> None:
    """A password change or reset voids the sign-ins waiting for their second step (the factor stays on)."""
    MfaChallenge.objects(user=user.id).delete()


def account_deleting(user: User) -> None:
    """The account goes: its factor and its waiting sign-ins go first."""
    TotpFactor.objects(user=user.id).delete()
    MfaChallenge.objects(user=user.id).delete()
