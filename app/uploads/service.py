"""Upload rules: grants, completion checks, serving URLs, attachments to posts, deletion and purge.

The API never sees file bytes: it signs a POST policy the store enforces, then checks what the store
holds (size, type, owner, and the file's first bytes) before the file is moved to its final key.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import current_app

from app import quotas
from app.errors import BadRequest, Conflict, Gone, NotFound, ServiceUnavailable, UnprocessableContent
from app.models import User, utcnow
from app.models.serialize import isoformat
from app.text import trim
from app.uploads.models import CONTENT_TYPES, Upload
from app.uploads.s3 import ObjectChanged, ObjectStore, StoreUnavailable
from app.uploads.store import current_store

log = logging.getLogger(__name__)

# The first bytes of each accepted type: the store records whatever type the form claimed, so the
# API looks at the file itself before anyone is sent a URL to it.
SIGNATURES = {
    "image/png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "image/gif": lambda head: head[:6] in (b"GIF87a", b"GIF89a"),
    "image/webp": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
}
SIGNATURE_BYTES = 16
STRAY_BATCH = 1000
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME = 100
UNAVAILABLE = "The file store is unavailable; try again shortly"
CHANGED = "The uploaded file was replaced while it was being checked; nothing was copied: complete it again"


def store_needed(fn: Callable) -> Callable:
    """503 with Retry-After when the store cannot be reached while `fn` needs it."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except StoreUnavailable:
            raise ServiceUnavailable(UNAVAILABLE, headers={"Retry-After": "5"}) from None

    return wrapper


def field_error(field: str, message: str, detail: str | None = None) -> BadRequest:
    """A 400 naming one field."""
    return BadRequest(detail or f"{field} {message}", errors=[{"field": field, "message": message}])


def download_name(filename: str) -> str:
    """The name a download is saved under: last path part, ASCII letters, digits, `._ -` only.

    Only ever used in Content-Disposition; its extension is not trusted (the file's first bytes are).
    """
    if CONTROL.search(filename):
        raise field_error("filename", "must not contain control characters")
    name = re.split(r"[/\\]", filename)[-1]
    if not trim(name):
        raise field_error("filename", "must name a file, not a folder")
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem, dot, extension = ascii_name.rpartition(".")
    if not dot:
        stem, extension = ascii_name, ""
    stem = UNSAFE_NAME.sub("_", stem).strip(" ._") or "file"
    extension = UNSAFE_NAME.sub("", extension)[:10]
    return f"{stem[:MAX_NAME]}.{extension}" if extension else stem[:MAX_NAME]


def attachment_disposition(name: str) -> str:
    """Content-Disposition that makes browsers download rather than display (the name holds no quotes)."""
    return f'attachment; filename="{name}"'


@store_needed
def media_url(raw: Mapping[str, Any]) -> str:
    """Where a client fetches a ready file: the CDN when configured, else a short-lived presigned GET."""
    config = current_app.config
    if config["MEDIA_BASE_URL"]:
        return f"{config['MEDIA_BASE_URL']}/{raw['key']}"
    return current_store().presigned_get(
        raw["key"],
        config["MEDIA_URL_SECONDS"],
        content_type=raw["content_type"],
        disposition=attachment_disposition(raw["filename"]),
    )


def upload_body(raw: Mapping[str, Any]) -> dict[str, Any]:
    """An upload as the API shows it to its owner."""
    body: dict[str, Any] = {
        "id": str(raw["_id"]),
        "status": raw["status"],
        "filename": raw["filename"],
        "contentType": raw["content_type"],
        "size": raw["size"],
    }
    if raw["status"] == "pending":
        body["expiresAt"] = isoformat(raw["expires_at"])
    else:
        body["url"] = media_url(raw)
    return body


def attachment_body(raw: Mapping[str, Any]) -> dict[str, Any]:
    """An upload as a post shows it."""
    return {"id": str(raw["_id"]), "contentType": raw["content_type"], "size": raw["size"], "url": media_url(raw)}


@store_needed
def grant_upload(user: User, filename: str, content_type: str, size: int) -> dict[str, Any]:
    """Record a pending upload and sign a POST policy for exactly this file at a key the server chose.

    The declared size counts toward QUOTA_UPLOAD_BYTES_PER_DAY now (429 once spent): the policy lets the store
    take exactly that many bytes, whether or not the upload is ever completed.
    """
    config = current_app.config
    limit = config["UPLOAD_MAX_BYTES"]
    if size > limit:
        raise field_error("size", f"must be at most {limit} bytes", f"The file is larger than the {limit} byte limit")
    name = download_name(filename)
    charged = quotas.charge(str(user.id), "QUOTA_UPLOAD_BYTES_PER_DAY", size)
    try:
        return signed_grant(user, name, content_type, size)
    except BaseException:
        quotas.refund(charged)  # no grant, no charge (the store was down, say)
        raise


def signed_grant(user: User, name: str, content_type: str, size: int) -> dict[str, Any]:
    """The pending upload, recorded, and its signed POST policy."""
    config = current_app.config
    store = current_store()  # first: building it can take a moment, and the expiry below must match the policy's
    seconds = config["UPLOAD_GRANT_SECONDS"]
    upload = Upload(
        owner=user,
        filename=name,
        content_type=content_type,
        size=size,
        # whole seconds, as the policy's expiration is written
        expires_at=(utcnow() + timedelta(seconds=seconds)).replace(microsecond=0),
    )
    upload.key = f"pending/{upload.id}"
    fields = {
        "Content-Type": content_type,
        "Content-Disposition": attachment_disposition(name),
        "x-amz-meta-owner": str(user.id),
    }
    # Every field must match exactly, and the body must be exactly `size` bytes: only a POST policy can
    # bound the size (a presigned PUT cannot). boto3 adds the bucket and key conditions.
    conditions: list[Any] = [{name: value} for name, value in fields.items()]
    conditions.append(["content-length-range", size, size])
    url, form = store.presigned_post(upload.key, fields, conditions, seconds)
    upload.save(force_insert=True)
    return {
        "id": str(upload.id),
        "status": "pending",
        "uploadUrl": url,
        "uploadFields": form,
        "expiresAt": isoformat(upload.expires_at),
    }


def own_upload(upload_id: str, user: User) -> dict[str, Any]:
    """The caller's upload as stored; 404 for anyone else's, unknown, malformed or being-deleted ones alike."""
    try:
        key = str(uuid.UUID(upload_id))
    except ValueError:
        raise NotFound("No upload with this id") from None
    raw = Upload.collection().find_one({"_id": key, "owner": str(user.id)})
    if raw is None or raw["status"] == "deleting":
        raise NotFound("No upload with this id")
    return raw


def problems_with(raw: Mapping[str, Any], size: int, content_type: str, owner: str, head: bytes) -> list[dict]:
    """How the stored object differs from what was declared (empty when it is the file that was granted)."""
    problems = []
    if size != raw["size"]:
        problems.append(
            {"field": "size", "message": f"the stored file has {size} bytes, not the {raw['size']} declared"}
        )
    if content_type != raw["content_type"]:
        problems.append({"field": "contentType", "message": "the store recorded a different type than declared"})
    elif not SIGNATURES[raw["content_type"]](head):
        problems.append({"field": "contentType", "message": f"the file's content is not {raw['content_type']}"})
    if owner != raw["owner"]:
        problems.append({"field": "owner", "message": "the file was not uploaded with this upload's grant"})
    return problems


@store_needed
def complete_upload(upload_id: str, user: User) -> dict[str, Any]:
    """Verify what the store holds, copy it to its final key and mark it ready; safe to repeat.

    Every read after the first names the version it saw (its ETag), and the copy is conditional on it: a
    grant lets its holder post to the pending key again until it expires, so a file swapped in after the
    checks would otherwise be served unchecked. A swap is 409 and nothing is copied.
    """
    raw = own_upload(upload_id, user)
    if raw["status"] == "ready":
        return upload_body(raw)
    try:
        return _verify_and_copy(raw, current_store())
    except ObjectChanged:
        raise Conflict(CHANGED) from None


def _verify_and_copy(raw: Mapping[str, Any], store: ObjectStore) -> dict[str, Any]:
    """The checks and the conditional copy of `complete_upload`."""
    stored = store.head(raw["key"])
    if stored is None:
        return _nothing_uploaded(raw)
    head = store.first_bytes(raw["key"], SIGNATURE_BYTES, etag=stored.etag)
    problems = problems_with(raw, stored.size, stored.content_type, stored.metadata.get("owner", ""), head)
    if problems:
        store.delete([raw["key"]])
        raise UnprocessableContent(
            "The uploaded file is not what was declared, so it was deleted: "
            + "; ".join(p["message"] for p in problems),
            errors=problems,
        )
    final = f"media/{raw['_id']}{CONTENT_TYPES[raw['content_type']]}"
    store.copy(
        raw["key"],
        final,
        etag=stored.etag,
        content_type=raw["content_type"],
        disposition=attachment_disposition(raw["filename"]),
        metadata={"owner": raw["owner"]},
    )
    done = Upload.objects(id=raw["_id"], status="pending").modify(new=True, set__status="ready", set__key=final)
    store.delete([raw["key"]])
    if done is None:  # completed by a concurrent call, or deleted meanwhile
        fresh = Upload.collection().find_one({"_id": raw["_id"]})
        if fresh is None or fresh["status"] != "ready":
            store.delete([final])
            raise NotFound("No upload with this id")
        return upload_body(fresh)
    return upload_body(done.to_mongo())


def _nothing_uploaded(raw: Mapping[str, Any]) -> dict[str, Any]:
    """No object at the pending key: done meanwhile (200), grant spent unused (410), or not yet (409)."""
    fresh = Upload.collection().find_one({"_id": raw["_id"]})
    if fresh is not None and fresh["status"] == "ready":
        return upload_body(fresh)
    if raw["expires_at"] <= utcnow():
        raise Gone("The upload grant expired before a file arrived; request a new upload")
    raise Conflict("Nothing has been uploaded yet: POST uploadFields and the file to uploadUrl first")


@store_needed
def delete_upload(upload_id: str, user: User) -> None:
    """Delete an upload and its object; 409 while a post shows it."""
    raw = own_upload(upload_id, user)
    collection = Upload.collection()
    # Marked first, conditionally: a post cannot claim it in between, and a failed store call can be undone.
    marked = collection.update_one(
        {"_id": raw["_id"], "post": None, "status": raw["status"]},
        {"$set": {"status": "deleting", "updated_at": utcnow()}},
    )
    if marked.modified_count == 0:
        fresh = collection.find_one({"_id": raw["_id"]})
        if fresh is not None and fresh.get("post"):
            raise Conflict("A post shows this upload: remove it from the post's attachments first")
        raise NotFound("No upload with this id")
    try:
        current_store().delete([raw["key"]])
    except StoreUnavailable:
        collection.update_one({"_id": raw["_id"]}, {"$set": {"status": raw["status"]}})
        raise
    collection.delete_one({"_id": raw["_id"]})


def discard_uploads(*, post: str | None = None, owner: str | None = None) -> int:
    """Delete a post's (or an account's) uploads and their objects now, in batches.

    If the store is unreachable the records stay, marked `deleting`, and `flask purge-uploads` finishes the job:
    the post or account is gone either way.
    """
    query = {"post": post} if post is not None else {"owner": owner}
    collection = Upload.collection()
    found = list(collection.find(query, {"key": 1}))
    if not found:
        return 0
    ids = [raw["_id"] for raw in found]
    collection.update_many({"_id": {"$in": ids}}, {"$set": {"status": "deleting", "post": None}})
    try:
        current_store().delete(raw["key"] for raw in found)
    except StoreUnavailable:
        log.warning("object store unavailable: %d uploads left for `flask purge-uploads` to delete", len(ids))
        return 0
    collection.delete_many({"_id": {"$in": ids}})
    return len(ids)


@store_needed
def purge_uploads(grace_seconds: int) -> int:
    """Delete pending uploads whose grant ended more than `grace_seconds` ago, and unfinished deletions."""
    collection = Upload.collection()
    cutoff = utcnow() - timedelta(seconds=grace_seconds)
    expired = list(collection.find({"status": "pending", "expires_at": {"$lt": cutoff}}, {"key": 1}))
    deleting = list(collection.find({"status": "deleting"}, {"key": 1}))
    if not expired and not deleting:
        return 0
    # Objects first: a record is only removed once nothing is left behind in the bucket.
    current_store().delete(raw["key"] for raw in [*expired, *deleting])
    removed = 0
    for status, found in (("pending", expired), ("deleting", deleting)):
        if found:  # conditional: an upload completed meanwhile is ready now and stays
            removed += collection.delete_many(
                {"_id": {"$in": [r["_id"] for r in found]}, "status": status}
            ).deleted_count
    return removed


@store_needed
def purge_stray_objects(older_than_seconds: int) -> int:
    """Delete objects under `pending/` that no pending upload owns, written more than `older_than_seconds` ago.

    A grant can be used until it expires, also after its upload was completed (or deleted, or purged): what
    it writes then is owned by nobody and would otherwise stay in the bucket. Objects younger than a grant's
    lifetime are left alone, since a grant just given may not be recorded yet.
    """
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    collection = Upload.collection()
    removed = 0
    batch: list[str] = []

    def flush() -> int:
        ids = [key.removeprefix("pending/") for key in batch]  # a pending upload's key is `pending/<its id>`
        owned = {raw["key"] for raw in collection.find({"_id": {"$in": ids}, "status": "pending"}, {"key": 1})}
        stray = [key for key in batch if key not in owned]
        current_store().delete(stray)
        batch.clear()
        return len(stray)

    for key, written in current_store().list_keys("pending/"):
        if written < cutoff:
            batch.append(key)
        if len(batch) >= STRAY_BATCH:
            removed += flush()
    if batch:
        removed += flush()
    if removed:
        log.info("purge: deleted %d stray objects under pending/", removed)
    return removed


def with_attachments(posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace each post's attachment ids with the attachments themselves (one query for the whole page)."""
    ids = [upload_id for post in posts for upload_id in post.get("attachments") or []]
    found = {}
    if ids:
        found = {raw["_id"]: raw for raw in Upload.collection().find({"_id": {"$in": ids}})}
    for post in posts:
        post["attachments"] = [
            attachment_body(found[upload_id])
            for upload_id in post.get("attachments") or []
            if upload_id in found and found[upload_id]["status"] == "ready"
        ]
    return posts


def attachment_problems(ids: list[str], author: str, post_id: str) -> list[dict[str, str]]:
    """Why each of `ids` cannot be shown by this post (unknown, someone else's, unfinished, used elsewhere)."""
    found = {raw["_id"]: raw for raw in Upload.collection().find({"_id": {"$in": ids}})} if ids else {}
    problems = []
    for index, upload_id in enumerate(ids):
        raw = found.get(upload_id)
        if raw is None or raw["owner"] != author or raw["status"] == "deleting":
            message = f"{upload_id} is not an upload of the post's author"
        elif raw["status"] != "ready":
            message = f"{upload_id} is not finished: complete it first"
        elif raw.get("post") not in (None, post_id):
            message = f"{upload_id} is attached to another post"
        else:
            continue
        problems.append({"field": f"attachments.{index}", "message": message})
    return problems


@contextmanager
def attaching(post_id: str, author: str, ids: list[str] | None, current: list[str]) -> Iterator[list[str] | None]:
    """Claim `ids` for a post around the write of its attachment list; 400 naming each upload it cannot use.

    Claims are conditional updates, so two posts cannot both take one upload. If the post write fails the new
    claims are released; if it succeeds, uploads no longer listed are released (they stay their owner's).
    Yields the ids in their canonical spelling, to store; None (the write leaves attachments alone) for None.
    """
    if ids is None:
        yield None
        return
    ids = list(dict.fromkeys(str(uuid.UUID(upload_id)) for upload_id in ids))  # canonical spelling, as stored
    problems = attachment_problems(ids, author, post_id)
    if problems:
        raise BadRequest("Attachments: " + "; ".join(p["message"] for p in problems), errors=problems)
    collection = Upload.collection()
    claimed: list[str] = []
    for index, upload_id in enumerate(ids):
        if upload_id in current:
            continue
        taken = collection.update_one(
            {"_id": upload_id, "owner": author, "status": "ready", "post": None},
            {"$set": {"post": post_id, "updated_at": utcnow()}},
        )
        if taken.modified_count == 0:
            release(post_id, claimed)
            message = f"{upload_id} was attached to another post meanwhile"
            raise BadRequest(f"Attachments: {message}", errors=[{"field": f"attachments.{index}", "message": message}])
        claimed.append(upload_id)
    try:
        yield ids
    except BaseException:
        release(post_id, claimed)
        raise
    release(post_id, [upload_id for upload_id in current if upload_id not in ids])


def release(post_id: str, ids: list[str]) -> None:
    """Detach uploads from a post; they stay their owner's, to attach elsewhere or delete."""
    if ids:
        Upload.collection().update_many(
            {"post": post_id, "_id": {"$in": ids}}, {"$set": {"post": None, "updated_at": utcnow()}}
        )
