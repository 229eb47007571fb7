"""Mail's documents: the one-time tokens mailed links carry, and the outbox of sent messages."""

from __future__ import annotations

from typing import ClassVar

from mongoengine import CASCADE, DateTimeField, EmailField, IntField, StringField, UUIDField

from app.models.base import BaseDocument, UUIDReferenceField
from app.models.user import User

KINDS = ("verify_email", "password_reset", "email_change")
STATUSES = ("sending", "sent")


class AccountToken(BaseDocument):
    """A token mailed in a link, kept only as its SHA-256 and spent by one atomic find-and-delete.

    The raw token exists only in the worker that mails it and in the message itself. `message_id` ties the
    token to the mail that carries it, so a retried send replaces its own token rather than adding one.
    `email` is the address the link was sent to (verification proves that address, not a later one);
    `password_stamp` is a digest of the password hash at issue time, so any later password change (or reset)
    kills a reset or e-mail-change token. MongoDB's TTL index sweeps expired tokens; `spend` checks `expires_at` itself.
    """

    COLLECTION: ClassVar[str] = "account_tokens"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        "indexes": [
            {"fields": ["token_hash"], "unique": True},
            ("user", "kind"),
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
        ],
    }
    private_fields: ClassVar[frozenset[str]] = frozenset({"token_hash", "password_stamp"})

    kind = StringField(required=True, choices=KINDS)
    user = UUIDReferenceField(User, required=True, reverse_delete_rule=CASCADE)
    token_hash = StringField(required=True)
    message_id = UUIDField(binary=False, required=True)
    email = EmailField(required=True, max_length=254)
    new_email = EmailField(max_length=254)
    password_stamp = StringField()
    requested_at = DateTimeField(required=True)
    expires_at = DateTimeField(required=True)


class MailMessage(BaseDocument):
    """One message by its id (the job's id, also its Message-ID header): never its body, links or tokens.

    `sending` with `attempts` > 1 means an earlier attempt failed or died; `sent` is final. Kept for
    MAIL_OUTBOX_TTL_SECONDS, then MongoDB's TTL index removes it; deleting the account removes it too.
    """

    COLLECTION: ClassVar[str] = "mail_messages"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        "indexes": ["user", {"fields": ["expires_at"], "expireAfterSeconds": 0}],
    }

    template = StringField(required=True, max_length=40)
    user = UUIDReferenceField(User, reverse_delete_rule=CASCADE)
    status = StringField(required=True, choices=STATUSES, default="sending")
    attempts = IntField(required=True, default=0, min_value=0)
    sent_at = DateTimeField()
    expires_at = DateTimeField(required=True)
