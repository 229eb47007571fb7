"""The bulk import of posts, run by a worker: idempotent, so a job run twice leaves one copy of each post.

The items wait in MongoDB (`PostImportBatch`), named by the job's id; the job's arguments hold no payload.
Imported posts count toward QUOTA_POSTS_PER_DAY: each batch takes what is left of it, and items beyond it are
reported as `overQuota`, not created.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import ujson
from flask import current_app
from pymongo.errors import BulkWriteError

from app import quotas
from app.accounts import UNVERIFIED_PUBLISH, ensure_may_publish
from app.errors import BadRequest, Forbidden
from app.jobs.queue import will_retry
from app.jobs.runner import JobFailed, Progress
from app.models import User, utcnow
from app.posts.import_docs import POST_IMPORT_ITEM
from app.posts.models import Post, PostImportBatch, normalise_tags
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


def prepare(user_id: str, import_id: str, items: list[Any]) -> Callable[[], None]:
    """Before the job is queued: charge the items to the import quota and keep them; what undoes both.

    429 once QUOTA_IMPORT_ITEMS_PER_DAY is spent, or while nothing is left of QUOTA_POSTS_PER_DAY (the job
    would create nothing); the posts themselves are charged as the job creates them.
    """
    quotas.ensure_room(user_id, "QUOTA_POSTS_PER_DAY")
    charged = quotas.charge(user_id, "QUOTA_IMPORT_ITEMS_PER_DAY", len(items), record_id=import_id)
    try:
        discard = keep_items(import_id, items)
    except BaseException:
        quotas.refund(charged)
        raise

    def undo() -> None:
        discard()
        quotas.refund(charged)

    return undo


def keep_items(import_id: str, items: list[Any]) -> Callable[[], None]:
    """Store an import's items for its job, in batches (kept at most JOB_RESULT_TTL_SECONDS); what deletes them."""
    expires = utcnow() + timedelta(seconds=current_app.config["JOB_RESULT_TTL_SECONDS"])
    PostImportBatch.collection().insert_many(
        [
            {
                "_id": str(uuid.uuid5(uuid.UUID(import_id), f"batch {number}")),
                "job": import_id,
                "index": number,
                "items": ujson.dumps(items[start : start + BATCH]),
                "expires_at": expires,
            }
            for number, start in enumerate(range(0, len(items), BATCH))
        ]
    )
    return lambda: discard_items(import_id)


def stored_batches(import_id: str, count: int) -> Iterator[tuple[int, list[Any]]]:
    """Each stored batch's first index and items, in order; JobFailed when they expired before the job ran."""
    cursor = PostImportBatch.collection().find({"job": import_id}, sort=[("index", 1)])
    seen = 0
    for batch in cursor:
        items = ujson.loads(batch["items"])
        yield batch["index"] * BATCH, items
        seen += len(items)
    if seen != count:
        raise JobFailed("The import's posts were no longer kept when it ran; submit them again")


def discard_items(import_id: str) -> None:
    """Delete an import's stored items (it ended, or was never queued)."""
    PostImportBatch.collection().delete_many({"job": import_id})


def import_batch(
    items: list[Any], start: int, author_id: str, import_id: str, may_publish: bool, errors: list[dict[str, Any]]
) -> dict[str, int]:
    """Build, charge and insert one batch: its counts of created, present, invalid and over-quota items."""
    documents = []
    invalid = 0
    for index, item in enumerate(items, start):
        try:
            documents.append(build(item, author_id, import_id, index, may_publish))
        except BadRequest as error:
            invalid += 1
            if len(errors) < MAX_REPORTED_ERRORS:
                errors.append({"index": index, "message": describe(error)})
    # One charge per batch, under an id the batch always gets: a re-run of the job is charged once.
    charge_id = str(uuid.uuid5(uuid.UUID(import_id), f"posts {start}"))
    allowed = quotas.charge_up_to(author_id, "QUOTA_POSTS_PER_DAY", len(documents), record_id=charge_id)
    inserted, duplicates = insert(documents[:allowed])
    return {"created": inserted, "present": duplicates, "invalid": invalid, "over": len(documents) - allowed}


def run(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Import every valid item the posts quota allows; report the invalid ones by index (the first 50)."""
    author_id, import_id, count = params["userId"], params["jobId"], params["count"]
    totals = {"created": 0, "present": 0, "invalid": 0, "over": 0}
    errors: list[dict[str, Any]] = []
    succeeded = False
    try:
        may_publish = publishing_allowed(author_id)
        for start, items in stored_batches(import_id, count):
            counts = import_batch(items, start, author_id, import_id, may_publish, errors)
            totals = {name: totals[name] + counts[name] for name in totals}
            progress(min(start + len(items), count), count)
        succeeded = True
    finally:
        if succeeded or not will_retry():  # the items stay only for a retry to come
            discard_items(import_id)
    return {
        "created": totals["created"],
        "alreadyPresent": totals["present"],
        "invalid": totals["invalid"],
        "overQuota": totals["over"],
        "errors": errors,
    }
