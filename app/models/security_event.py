"""The security log: what happened to an account (sign-ins, failures, changes), for its owner to read."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from mongoengine import CASCADE, StringField

from app.models.base import BaseDocument, UUIDReferenceField
from app.models.user import User

# How long an entry is kept: MongoDB's TTL index removes it after this (within a minute or so).
RETENTION = timedelta(days=90)

SECURITY_EVENT_TYPES = (
    "signed_in",
    "sign_in_failed",
    "password_changed",
    "password_reset",
    "email_changed",
    "mfa_enabled",
    "mfa_disabled",
    "recovery_code_used",
    "identity_linked",
    "identity_unlinked",
    "session_revoked",
)


class SecurityEvent(BaseDocument):
    """One entry of an account's security log; deleted with the account, or after RETENTION."""

    COLLECTION: ClassVar[str] = "security_events"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        "indexes": [
            {"fields": ["created_at"], "expireAfterSeconds": int(RETENTION.total_seconds())},
            # The owner's log, newest first; its prefix serves the delete that follows the account's.
            ("user", "-created_at", "-_id"),
        ],
    }

    user = UUIDReferenceField(User, required=True, reverse_delete_rule=CASCADE)
    type = StringField(required=True, choices=SECURITY_EVENT_TYPES)
    ip_address = StringField(max_length=45)  # an IPv6 address at most
    user_agent = StringField(max_length=200)
