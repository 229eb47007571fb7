"""Sign-in's documents: sign-ins in progress, the one-time codes they end with, and linked identities.

Every one-time code keeps the PKCE challenge (RFC 7636 S256) of the client that asked for it: the code is
spent only with the matching verifier, which never left that client.
"""

from __future__ import annotations

from typing import ClassVar

from mongoengine import CASCADE, BooleanField, DateTimeField, StringField

from app.models.base import BaseDocument, UUIDReferenceField
from app.models.user import User


class OidcState(BaseDocument):
    """One authorization request: what the callback must find to accept its answer, spent on first use.

    Only hashes of the `state` value and of the browser's cookie are stored. MongoDB's TTL index removes
    abandoned requests; the callback checks `expires_at` itself, since TTL deletion runs only once a minute.
    """

    COLLECTION: ClassVar[str] = "oidc_states"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        "indexes": [
            {"fields": ["state_hash"], "unique": True},
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
            # A password change or reset voids one account's links in progress.
            {"fields": ["link_user"], "sparse": True},
        ],
    }
    private_fields: ClassVar[frozenset[str]] = frozenset(
        {"state_hash", "browser_hash", "nonce", "code_verifier", "client_challenge"}
    )

    provider = StringField(required=True, max_length=32)
    state_hash = StringField(required=True)
    browser_hash = StringField(required=True)
    nonce = StringField(required=True)
    code_verifier = StringField(required=True)
    # The client app's PKCE challenge for the code this request ends with (not the one sent to the provider).
    client_challenge = StringField(required=True, max_length=43)
    return_to = StringField(max_length=2048)
    # Set when a signed-in user is linking a provider to their account, rather than signing in.
    link_user = UUIDReferenceField(User, reverse_delete_rule=CASCADE)
    expires_at = DateTimeField(required=True)


class LinkTicket(BaseDocument):
    """A signed-in user's permission, spent on first use, to start linking a provider from a browser."""

    COLLECTION: ClassVar[str] = "oidc_link_tickets"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        "indexes": [
            {"fields": ["ticket_hash"], "unique": True},
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
            "user",
        ],
    }
    private_fields: ClassVar[frozenset[str]] = frozenset({"ticket_hash", "code_challenge"})

    ticket_hash = StringField(required=True)
    user = UUIDReferenceField(User, required=True, reverse_delete_rule=CASCADE)
    provider = StringField(required=True, max_length=32)
    code_challenge = StringField(required=True, max_length=43)
    expires_at = DateTimeField(required=True)


class LoginCode(BaseDocument):
    """A one-time code that a successful callback hands the client app, swapped for a token pair once."""

    COLLECTION: ClassVar[str] = "oidc_login_codes"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        "indexes": [
            {"fields": ["code_hash"], "unique": True},
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
            "user",
        ],
    }
    private_fields: ClassVar[frozenset[str]] = frozenset({"code_hash", "code_challenge"})

    code_hash = StringField(required=True)
    user = UUIDReferenceField(User, required=True, reverse_delete_rule=CASCADE)
    provider = StringField(required=True, max_length=32)  # the session it starts records how it signed in
    code_challenge = StringField(required=True, max_length=43)
    expires_at = DateTimeField(required=True)


class LinkCode(BaseDocument):
    """A provider account proven at the callback, waiting for the account that asked to confirm the link.

    Spent once, within 60 seconds, by that account's access token and the verifier of `code_challenge`.
    """

    COLLECTION: ClassVar[str] = "oidc_link_codes"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        "indexes": [
            {"fields": ["code_hash"], "unique": True},
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
            "user",
        ],
    }
    private_fields: ClassVar[frozenset[str]] = frozenset({"code_hash", "code_challenge"})

    code_hash = StringField(required=True)
    user = UUIDReferenceField(User, required=True, reverse_delete_rule=CASCADE)
    provider = StringField(required=True, max_length=32)
    code_challenge = StringField(required=True, max_length=43)
    # The claims the link needs: who the person is at the provider, and the e-mail it reported.
    subject = StringField(required=True, max_length=255)
    email = StringField(max_length=320)
    email_verified = BooleanField(required=True, default=False)
    expires_at = DateTimeField(required=True)


class Identity(BaseDocument):
    """One (issuer, subject) pair, the only stable name a provider gives a person, linked to one account.

    The e-mail is kept as the provider last reported it, for display; it never decides who someone is.
    """

    COLLECTION: ClassVar[str] = "identities"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
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
