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
            # The owner's live sessions, newest first (`GET /me/sessions`); its prefix serves revoking them all.
            ("user", "revoked", "-created_at", "-_id"),
        ],
    }

    private_fields: ClassVar[frozenset[str]] = frozenset({"refresh_jti"})

    user = UUIDReferenceField(User, required=True, reverse_delete_rule=CASCADE)
    refresh_jti = StringField(required=True)
    revoked = BooleanField(required=True, default=False)
    expires_at = DateTimeField(required=True)
    # What the owner sees to recognise a session: how it signed in (`password`, `oidc:<provider>`) and from
    # what client (sessions started before these were kept have neither), and its latest refresh (none yet:
    # the sign-in is its last use).
    sign_in_method = StringField(max_length=64)
    user_agent = StringField(max_length=200)
    last_used_at = DateTimeField()
