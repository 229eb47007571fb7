"""Post rules: who sees and changes a post, publishing, creating, conditional changes and deletion, and pages.

Reads and creates go to the collection directly (raw documents): a create's body was checked against the
documented schema, and `new_post_document` stores what the model would. Changes go through the model's
querysets, as one atomic conditional update each, so concurrent writers cannot both win.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any

from app import quotas
from app.accounts import ensure_may_publish
from app.errors import Forbidden, NotFound, PreconditionFailed
from app.models import User
from app.pagination import Cursor, Page, keyset_page, next_cursor
from app.posts import attachments  # capability: uploads
from app.posts.models import Post, new_post_document, normalise_tags
from app.text import trim

NOT_FOUND = "No post with this id"


def find_page(
    query: dict[str, Any], sort: list[tuple[str, int]], sort_name: str, page: Page, after: Cursor | None
) -> tuple[list[dict[str, Any]], int | None, str | None]:
    """One page of raw posts matching `query`: the posts, the total (None by cursor) and the next cursor.

    By cursor: the page after the cursor's post, with no count (see app.pagination); by page number: counted
    and skipped to, with a cursor to go on from there.
    """
    collection = Post.collection()
    if after is not None:
        raws, following = keyset_page(collection, query, sort, sort_name, page.per_page, after)
        return raws, None, following
    total = collection.count_documents(query)
    raws = list(collection.find(query, sort=sort, skip=page.skip, limit=page.per_page))
    following = next_cursor(raws, sort_name, sort[0][0]) if raws and page.skip + len(raws) < total else None
    return raws, total, following


def find_post(post_id: str) -> dict[str, Any]:
    """The raw post with this id; 404 for unknown and malformed ids alike."""
    try:
        key = uuid.UUID(post_id)
    except ValueError:
        raise NotFound(NOT_FOUND) from None
    raw = Post.collection().find_one({"_id": str(key)})
    if raw is None:
        raise NotFound(NOT_FOUND)
    return raw


def can_change(raw: Mapping[str, Any], user: User) -> bool:
    """Authors change their own posts; admins change any."""
    return user.is_admin or raw["author"] == str(user.id)


def visible_to(raw: Mapping[str, Any], user: User | None) -> bool:
    """Published posts are public; a draft exists only for its author and admins."""
    return raw["status"] == "published" or (user is not None and can_change(raw, user))


def readable_post(post_id: str, user: User | None) -> dict[str, Any]:
    """The post `user` (None: anonymous) may read; 404 otherwise, so a draft's existence is never told."""
    raw = find_post(post_id)
    if not visible_to(raw, user):
        raise NotFound(NOT_FOUND)
    return raw


def writable_post(post_id: str, user: User) -> dict[str, Any]:
    """The post `user` may change: 404 when it cannot even see it, 403 when it sees but may not change it."""
    raw = readable_post(post_id, user)
    if not can_change(raw, user):
        raise Forbidden("Only the author or an admin can change this post")
    return raw


def conditional_filter(post_id: str, versions: list[int] | None) -> dict[str, Any]:
    """The write's filter: the post, at a version `If-Match` allows (any version without it)."""
    return {"id": post_id} if versions is None else {"id": post_id, "version__in": versions}


def stale_or_gone(post_id: str) -> Exception:
    """Why a conditional write matched nothing: 412 if the post still exists, else 404."""
    if Post.objects(id=post_id).only("id").first() is None:
        return NotFound(NOT_FOUND)
    return PreconditionFailed("The post has changed since you read it; fetch it again and reapply your change")


def create_post(user: User, body: Mapping[str, Any]) -> dict[str, Any]:
    """Store a new post by `user` (publishing needs the right to publish, and 429 once the day's quota is spent)."""
    if body.get("status") == "published":
        ensure_may_publish(user)
    charged = quotas.charge(str(user.id), "QUOTA_POSTS_PER_DAY")
    raw = new_post_document(
        author=str(user.id),
        title=trim(body["title"]),
        body=body["body"],
        tags=normalise_tags(body.get("tags", [])),
        status=body.get("status", "draft"),
    )
    try:
        extras = ExitStack()  # what other capabilities hold around the write (attachments)
        with extras:
            attachments.claim(extras, raw, body)  # capability: uploads
            Post.collection().insert_one(raw)
    except BaseException:
        quotas.refund(charged)  # no post, no charge
        raise
    return raw


def update_post(user: User, post_id: str, body: Mapping[str, Any], versions: list[int] | None) -> Post:
    """Apply `body` to the post in one atomic conditional update; 412 when `versions` no longer match."""
    raw = writable_post(post_id, user)
    if body.get("status") == "published" and raw["status"] != "published":
        ensure_may_publish(user)
    changes: dict[str, Any] = {"inc__version": 1}
    if "title" in body:
        changes["set__title"] = trim(body["title"])
    if "body" in body:
        changes["set__body"] = body["body"]
    if "tags" in body:
        changes["set__tags"] = normalise_tags(body["tags"])
    if "status" in body:
        changes["set__status"] = body["status"]
    extras = ExitStack()  # what other capabilities hold around the write (attachments)
    with extras:
        attachments.move(extras, raw, body, changes)  # capability: uploads
        post = Post.objects(**conditional_filter(raw["_id"], versions)).modify(new=True, **changes)
        if post is None:
            raise stale_or_gone(raw["_id"])
    return post


def delete_post(user: User, post_id: str, versions: list[int] | None) -> None:
    """Delete the post (at an allowed version) and, now, its files."""
    raw = writable_post(post_id, user)
    if Post.objects(**conditional_filter(raw["_id"], versions)).delete() == 0:
        raise stale_or_gone(raw["_id"])
    attachments.discard(raw)  # capability: uploads
