"""Sign-in sessions: the server-side state behind every token pair."""

from __future__ import annotations

from typing import ClassVar

from mongoengine import CASCADE, BooleanField, DateTimeField, StringField

from app.models.base import BaseDocument, UUIDReferenceField
from app.models.user import User


class AuthSession(BaseDocument):
    """One login and every token descended from it.

    Each token carries the session id (`sid`). The session holds the jti of the
    one refresh token that may still be spent; presenting any other refresh
    token of the session is reuse, and revokes the whole session. MongoDB's TTL
    index removes a session once its last refresh token has expired.
    """

    COLLECTION: ClassVar[str] = "sessions"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        "indexes": [
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
            ("user", "revoked"),
        ],
    }

    user = UUIDReferenceField(User, required=True, reverse_delete_rule=CASCADE)
    refresh_jti = StringField(required=True)
    revoked = BooleanField(required=True, default=False)
    expires_at = DateTimeField(required=True)
