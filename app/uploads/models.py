"""Uploads: files a client posts straight to object storage with a short-lived grant from the API."""

from __future__ import annotations

from typing import ClassVar

from mongoengine import DateTimeField, IntField, StringField

from app.models.base import BaseDocument, UUIDReferenceField
from app.models.user import User

# The raster image types accepted, with the extension their final key gets. No SVG, HTML or PDF: a browser
# could run script from those if they were ever served inline.
CONTENT_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif"}
# pending: granted, maybe uploaded, not verified; ready: verified and at its final key;
# deleting: its owner or post is gone and its object is still to be deleted (the purge command finishes the job).
STATUSES = ("pending", "ready", "deleting")


class Upload(BaseDocument):
    """One file: its grant, what the client declared, where the object is, and the post that shows it."""

    COLLECTION: ClassVar[str] = "uploads"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        # owner: account deletion; post: post deletion and attachment changes; (status, expires_at): the purge.
        "indexes": [{"fields": ["owner"]}, {"fields": ["post"]}, {"fields": ["status", "expires_at"]}],
    }

    # No reverse-delete rule: deleting an account deletes its objects first, then these records (app.uploads).
    owner = UUIDReferenceField(User, required=True)
    filename = StringField(required=True, min_length=1, max_length=255)
    content_type = StringField(required=True, choices=tuple(CONTENT_TYPES))
    size = IntField(required=True, min_value=1)
    status = StringField(required=True, choices=STATUSES, default="pending")
    # The object's current key: `pending/<id>` until verified, then `media/<id><ext>`.
    key = StringField(required=True)
    # When the grant ends; pending uploads past it are purged (`flask purge-uploads`).
    expires_at = DateTimeField(required=True)
    # The id of the post that shows this file (at most one), or None.
    post = StringField(null=True)
