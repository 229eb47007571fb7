"""The second factor's documents: an account's TOTP factor, and the sign-ins waiting for their second step.

Nothing here is readable from a database dump alone: the shared secret and the recovery codes' digests are sealed
with FIELD_ENCRYPTION_KEY (`sealing`), and an mfaToken is kept only as its SHA-256 (`app.one_time`).
"""

from __future__ import annotations

from typing import ClassVar

from mongoengine import CASCADE, BooleanField, DateTimeField, IntField, StringField

from app.models.base import BaseDocument, UUIDReferenceField
from app.models.user import User


class TotpFactor(BaseDocument):
    """One account's authenticator: pending from enrolment until a first code confirms it, then active.

    `last_step` is the time step of the last code accepted (confirmation included): a code from that step or an
    earlier one is refused, so a code seen over a shoulder or in a log cannot be used again.
    """

    COLLECTION: ClassVar[str] = "mfa_totp_factors"
    meta: ClassVar[dict] = {"collection": COLLECTION, "indexes": [{"fields": ["user"], "unique": True}]}
    # Never in an answer, whatever a caller serialises.
    private_fields: ClassVar[frozenset[str]] = frozenset({"sealed_secret", "sealed_recovery_codes", "last_step"})

    user = UUIDReferenceField(User, required=True, reverse_delete_rule=CASCADE)
    # The base32 shared secret, sealed (app/mfa/sealing.py).
    sealed_secret = StringField(required=True)
    active = BooleanField(required=True, default=False)
    last_step = IntField(required=True, default=0, min_value=0)
    # A JSON list of the unused recovery codes' SHA-256 digests, sealed; empty until confirmation.
    sealed_recovery_codes = StringField()
    enabled_at = DateTimeField()


class MfaChallenge(BaseDocument):
    """A sign-in whose first step passed, waiting for a code: found by its mfaToken's digest, until it expires.

    It remembers how the first step signed in (`password`, `oidc:<provider>`) and which token transport it asked
    for, so the second step ends the sign-in the first one started. Each wrong code counts in `attempts`.
    """

    COLLECTION: ClassVar[str] = "mfa_challenges"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        "indexes": [
            {"fields": ["token_hash"], "unique": True},
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
            # A password change or reset, or the account's deletion, voids its challenges.
            "user",
        ],
    }
    private_fields: ClassVar[frozenset[str]] = frozenset({"token_hash"})

    token_hash = StringField(required=True)
    user = UUIDReferenceField(User, required=True, reverse_delete_rule=CASCADE)
    method = StringField(required=True, max_length=64)
    transport = StringField(required=True, max_length=16)
    attempts = IntField(required=True, default=0, min_value=0)
    expires_at = DateTimeField(required=True)
