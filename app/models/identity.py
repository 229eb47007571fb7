"""External identities: a person as an OpenID provider knows them, attached to one account."""

from __future__ import annotations

from typing import ClassVar

from mongoengine import CASCADE, BooleanField, StringField

from app.models.base import BaseDocument, UUIDReferenceField
from app.models.user import User


class Identity(BaseDocument):
    """One (issuer, subject) pair, the only stable name a provider gives a person, linked to one account.

    The e-mail is kept as the provider last reported it, for display; it never decides who someone is.
    """

    meta: ClassVar[dict] = {
        "collection": "identities",
        "indexes": [
            {"fields": ["issuer", "subject"], "unique": True},
            # One identity per provider per account.
            {"fields": ["user", "provider"], "unique": True},
            # The listing: one account's, oldest first (`_id` breaks ties, as in every list).
            ("user", "created_at", "_id"),
        ],
    }

    # Deleting an account deletes its identities (documented on DELETE /me).
    user = UUIDReferenceField(User, required=True, reverse_delete_rule=CASCADE)
    provider = StringField(required=True, max_length=32)
    issuer = StringField(required=True, max_length=2048)
    subject = StringField(required=True, max_length=255)
    email = StringField(max_length=320)
    email_verified = BooleanField(required=True, default=False)
