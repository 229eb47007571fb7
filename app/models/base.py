"""The abstract document every model inherits: UUID ids and UTC timestamps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from bson import DBRef
from mongoengine import DateTimeField, Document, EmbeddedDocument, QuerySet, ReferenceField, UUIDField, signals
from mongoengine.connection import get_db
from pymongo.collection import Collection


def utcnow() -> datetime:
    """Now, in UTC, truncated to milliseconds as MongoDB stores it."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class UUIDReferenceField(ReferenceField):
    """A reference to another document of this app, stored as its id string, that loads when read.

    MongoEngine reads a stored reference back through the target's id field, as a `uuid.UUID`, and then looks
    that up; ids are stored as strings, so `post.author` raised DoesNotExist. This keeps the stored string,
    so the referenced document is found. Stored values and queries are unchanged.
    """

    def to_python(self, value: Any) -> Any:
        if not self.dbref and not isinstance(value, (DBRef, Document, EmbeddedDocument)):
            return DBRef(self.document_type.COLLECTION, str(value))
        return super().to_python(value)


class TimestampedQuerySet(QuerySet):
    """Bulk updates bypass `Document.save`, so they stamp `updated_at` here instead."""

    def update(self, *args: Any, **kwargs: Any) -> Any:
        if not any(key.endswith("updated_at") for key in kwargs) and not kwargs.get("__raw__"):
            kwargs["set__updated_at"] = utcnow()
        return super().update(*args, **kwargs)

    def modify(self, *args: Any, **kwargs: Any) -> Any:
        if not any(key.endswith("updated_at") for key in kwargs) and not kwargs.get("__raw__"):
            kwargs["set__updated_at"] = utcnow()
        return super().modify(*args, **kwargs)


class BaseDocument(Document):
    """UUID4 primary key, `created_at`/`updated_at` kept in UTC, and fields that never leave the server."""

    meta: ClassVar[dict[str, Any]] = {"abstract": True, "queryset_class": TimestampedQuerySet}

    # The collection's name, declared once by each model and used in its `meta` (`"collection": COLLECTION`).
    COLLECTION: ClassVar[str]

    # Names of fields `mongo_to_dict` never serialises (secrets, hashes); declared once, per model.
    private_fields: ClassVar[frozenset[str]] = frozenset()

    # Stored as the canonical string: readable in any shell or driver, and queryable by every
    # MongoDB-compatible server (binary subtype 4 is not, on some). Indexes cost 36 bytes a key, not 16.
    id = UUIDField(primary_key=True, binary=False, default=uuid.uuid4)
    # Every model's times are plain DateTimeFields: stored as BSON dates, read back as aware UTC datetimes
    # (the client is tz_aware, app.database), so no reader converts them.
    created_at = DateTimeField(required=True, default=utcnow)
    updated_at = DateTimeField(required=True, default=utcnow)

    @classmethod
    def collection(cls) -> Collection:
        """This model's pymongo collection on the current connection, for the raw reads and writes of hot paths.

        Public API (MongoEngine's `get_db`, pymongo's `Database[name]`), not MongoEngine's private accessor;
        unlike that accessor it creates no indexes on first use: the app creates them (app.database).
        """
        return get_db()[cls.COLLECTION]

    def save(self, *args: Any, **kwargs: Any) -> BaseDocument:
        self.updated_at = utcnow()
        return super().save(*args, **kwargs)


def stamp_creation(_sender: type, document: Document, created: bool = False, **_kwargs: Any) -> None:
    """On a document's first save both stamps are the moment of insertion.

    MongoEngine's `pre_save_post_validation` signal is its public word on whether a save inserts (`created`).
    """
    if created and isinstance(document, BaseDocument):
        document.created_at = document.updated_at


signals.pre_save_post_validation.connect(stamp_creation)
