"""The bulk import of posts, run by a worker: idempotent, so a job run twice leaves one copy of each post."""

from __future__ import annotations

import uuid
from typing import Any

from pymongo.errors import BulkWriteError

from app.accounts import UNVERIFIED_PUBLISH, ensure_may_publish
from app.errors import BadRequest, Forbidden
from app.jobs.runner import JobFailed, Progress
from app.models import User, utcnow
from app.posts.import_docs import POST_IMPORT_ITEM
from app.posts.models import Post, normalise_tags
from app.text import trim
from app.validation import validate

BATCH = 500
MAX_REPORTED_ERRORS = 50
DUPLICATE_KEY = 11000


def post_id(import_id: str, index: int) -> uuid.UUID:
    """The same id for the same item of the same import, however often the job runs."""
    return uuid.uuid5(uuid.UUID(import_id), str(index))


def build(item: Any, author_id: str, import_id: str, index: int, may_publish: bool = True) -> dict[str, Any]:
    """The stored document for one item, checked like a created post; 400 (BadRequest) when it is invalid."""
    validate(item, POST_IMPORT_ITEM)
    if item.get("status") == "published" and not may_publish:
        raise BadRequest(UNVERIFIED_PUBLISH, errors=[{"field": "status", "message": "needs a verified address"}])
    now = utcnow()
    post = Post(
        id=post_id(import_id, index),
        author=author_id,
        title=trim(item["title"]),
        body=item["body"],
        tags=normalise_tags(item.get("tags", [])),
        status=item.get("status", "draft"),
        created_at=now,
        updated_at=now,
    )
    post.validate()
    document = post.to_mongo().to_dict()
    document["author"] = author_id  # stored as the canonical id string, as the model stores references
    return document


def publishing_allowed(author_id: str) -> bool:
    """Whether the author may publish now, as `POST /posts` decides; a deleted account imports nothing."""
    author = User.objects(id=author_id).first()
    if author is None:
        raise JobFailed("The account no longer exists")
    try:
        ensure_may_publish(author)
    except Forbidden:
        return False
    return True


def insert(documents: list[dict[str, Any]]) -> tuple[int, int]:
    """Insert unordered; an id already present (an earlier run of this job) counts as present, not an error."""
    if not documents:
        return 0, 0
    try:
        result = Post.collection().insert_many(documents, ordered=False)
        return len(result.inserted_ids), 0
    except BulkWriteError as error:
        errors = error.details.get("writeErrors", [])
        others = [e for e in errors if e.get("code") != DUPLICATE_KEY]
        if others:
            raise
        return error.details.get("nInserted", len(documents) - len(errors)), len(errors)


def describe(error: BadRequest) -> str:
    """One line naming each field problem of an item."""
    if error.errors:
        return "; ".join(f"{e['field']} {e['message']}" for e in error.errors)
    return error.detail


def run(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Import every valid item; report the invalid ones by index (the first 50)."""
    items, author_id, import_id = params["items"], params["userId"], params["jobId"]
    may_publish = publishing_allowed(author_id)
    created = present = invalid = 0
    errors: list[dict[str, Any]] = []
    for start in range(0, len(items), BATCH):
        documents = []
        for index in range(start, min(start + BATCH, len(items))):
            try:
                documents.append(build(items[index], author_id, import_id, index, may_publish))
            except BadRequest as error:
                invalid += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append({"index": index, "message": describe(error)})
        inserted, duplicates = insert(documents)
        created, present = created + inserted, present + duplicates
        progress(min(start + BATCH, len(items)), len(items))
    return {"created": created, "alreadyPresent": present, "invalid": invalid, "errors": errors}
