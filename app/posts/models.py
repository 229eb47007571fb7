"""Posts: the example resource every new noun can copy."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from mongoengine import CASCADE, DateTimeField, IntField, ListField, StringField

from app.models.base import BaseDocument, UUIDReferenceField, utcnow
from app.models.user import User
from app.text import trim

STATUSES = ("draft", "published")
SORT_FIELDS = ("created_at", "updated_at", "title")
# Every list query filters on equality fields first, then sorts on one field and `_id` (the unique tie-breaker,
# app.pagination): one index per (filter family, sort field), ending with `_id`, serves each of them, and
# its cursor pages, without an in-memory sort.
FILTER_PREFIXES = (("status",), ("tags", "status"), ("author", "status"))


class Post(BaseDocument):
    """A titled text by one author; `version` grows by one with every change (it is the ETag)."""

    COLLECTION: ClassVar[str] = "posts"
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        "indexes": [{"fields": [*prefix, field, "_id"]} for prefix in FILTER_PREFIXES for field in SORT_FIELDS],
    }

    # Deleting an account deletes its posts (documented on DELETE /me).
    author = UUIDReferenceField(User, required=True, reverse_delete_rule=CASCADE)
    title = StringField(required=True, min_length=1, max_length=200)
    body = StringField(required=True, min_length=1, max_length=20_000)
    tags = ListField(StringField(min_length=1, max_length=30), max_length=10, default=list)
    status = StringField(required=True, choices=STATUSES, default="draft")
    version = IntField(required=True, min_value=1, default=1)
    # capability: uploads
    # Ids of the author's ready uploads it shows, in order (app.uploads.service keeps them claimed).
    attachments = ListField(StringField(), max_length=10, default=list)
    # end capability: uploads


IMPORT_BATCHES = "post_import_batches"


class PostImportBatch(BaseDocument):
    """Up to a batch of an import's items, kept as the JSON text the client sent, until the import ends.

    An import's body (up to POST_IMPORT_MAX_BYTES) is kept here, not in the job's arguments in Redis: Redis
    holds the rate limiter's counters and the mail queue in memory, and a job's arguments stay as long as its
    record. The import deletes its batches when it ends; the TTL index drops those of a job that never ran.
    Text, not documents: BSON could outgrow MongoDB's 16 MiB document limit where JSON fits (small numbers in
    deep arrays), and the job checks each item itself.
    """

    COLLECTION: ClassVar[str] = IMPORT_BATCHES
    meta: ClassVar[dict] = {
        "collection": COLLECTION,
        "indexes": [{"fields": ["job", "index"]}, {"fields": ["expires_at"], "expireAfterSeconds": 0}],
    }

    job = StringField(required=True)
    index = IntField(required=True, min_value=0)
    items = StringField(required=True)
    expires_at = DateTimeField(required=True)


def normalise_tags(tags: list[str]) -> list[str]:
    """Trimmed, lower-case, first occurrence kept: the one spelling tags are stored and filtered under."""
    return list(dict.fromkeys(trim(tag).lower() for tag in tags))


def new_post_document(author: str, title: str, body: str, tags: list[str], status: str) -> dict[str, Any]:
    """A new post exactly as `Post(...).save()` stores it, built as a plain document for a raw insert.

    Why: building, validating and saving a MongoEngine document was a third of an authenticated create
    (bench/README.md). The create path validates the body against the documented schema first, which is at
    least as strict as this model's fields, so the model's second check added nothing; and
    tests/posts/test_post_document.py checks that this is what the model would store and that the model
    accepts every document built from a schema-valid body. Arguments are already trimmed and normalised.
    """
    now = utcnow()
    return {
        "_id": str(uuid.uuid4()),
        "created_at": now,
        "updated_at": now,
        "author": author,
        "title": title,
        "body": body,
        "tags": tags,
        "status": status,
        "version": 1,
        "attachments": [],  # capability: uploads
    }
