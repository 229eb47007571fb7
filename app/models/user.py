"""Accounts."""

from __future__ import annotations

from typing import ClassVar

from mongoengine import BooleanField, EmailField, StringField

from app.models.base import BaseDocument

ROLES = ("user", "admin")


class User(BaseDocument):
    """A person who signs in; the email is stored lower-case so uniqueness ignores case."""

    COLLECTION: ClassVar[str] = "users"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        # (-created_at, -_id) serves the admin's list, newest first (`_id` breaks ties, as in every list).
        "indexes": [{"fields": ["email"], "unique": True}, ("-created_at", "-_id")],
    }
    private_fields: ClassVar[frozenset[str]] = frozenset({"password_hash"})

    email = EmailField(required=True, max_length=254)
    display_name = StringField(required=True, min_length=1, max_length=100)
    # None for an account created by signing in with an OpenID provider: no password signs it in.
    password_hash = StringField()
    role = StringField(required=True, choices=ROLES, default="user")
    active = BooleanField(required=True, default=True)
    # Set when a link mailed to `email` was followed (verification, password reset or e-mail change).
    email_verified = BooleanField(required=True, default=False)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
