"""The mail outbox: which messages were sent, so a retried or repeated job never sends one twice."""

from __future__ import annotations

from typing import ClassVar

from mongoengine import CASCADE, DateTimeField, IntField, StringField

from app.models.base import BaseDocument, UUIDReferenceField
from app.models.user import User

STATUSES = ("sending", "sent")


class MailMessage(BaseDocument):
    """One message by its id (the job's id, also its Message-ID header): never its body, links or tokens.

    `sending` with `attempts` > 1 means an earlier attempt failed or died; `sent` is final. Kept for
    MAIL_OUTBOX_TTL_SECONDS, then MongoDB's TTL index removes it; deleting the account removes it too.
    """

    meta: ClassVar[dict] = {
        "collection": "mail_messages",
        "indexes": ["user", {"fields": ["expires_at"], "expireAfterSeconds": 0}],
    }

    template = StringField(required=True, max_length=40)
    user = UUIDReferenceField(User, reverse_delete_rule=CASCADE)
    status = StringField(required=True, choices=STATUSES, default="sending")
    attempts = IntField(required=True, default=0, min_value=0)
    sent_at = DateTimeField()
    expires_at = DateTimeField(required=True)
