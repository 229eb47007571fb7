"""Posts: public reading, owner writes, `/me/posts`, conditional requests.

Reads and creates go to the collection directly and serialise raw documents (`raw_to_dict`): a create's
body is checked against the documented schema, and `new_post_document` stores what the model would. Changes
go through the model's querysets (atomic conditional updates).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from flask import request

from app.accounts import ensure_may_publish
from app.auth import current_user, optional_user, public
from app.decorators import json_required
from app.errors import BadRequest, Forbidden, NotFound, PreconditionFailed
from app.etag import etag, if_match_versions, not_modified
from app.models import User, mongo_to_dict, raw_to_dict
from app.pagination import (
    cursor_paginated,
    keyset_page,
    next_cursor,
    paginated,
    parse_cursor,
    parse_page,
    parse_query,
    parse_sort,
)
from app.posts.docs import POST_CREATE, POST_UPDATE
from app.posts.models import STATUSES, Post, new_post_document, normalise_tags
from app.text import trim
from app.uploads.service import attaching, discard_uploads, with_attachments
from app.views.base import BaseResource, make_api

blueprint, api = make_api("posts", __name__)

SORTS = {"createdAt": "created_at", "updatedAt": "updated_at", "title": "title"}
DEFAULT_SORT = "-createdAt"
MAX_QUERY_LENGTH = 100
# Readers may keep a copy but must revalidate it (If-None-Match); shared caches never store drafts.
ITEM_CACHE_CONTROL = "private, no-cache"


def invalid(name: str, message: str) -> BadRequest:
    """A 400 naming the query parameter."""
    return BadRequest(f"Query parameter {name} {message}", errors=[{"field": name, "message": message}])


def parse_filters(args: Mapping[str, str], *, mine: bool) -> dict[str, Any]:
    """The MongoDB filter for `tag`, `q`, and `author` (public list) or `status` (your own posts), checked first.

    `q` is escaped, so the user's text is matched literally and can never become a pattern.
    """
    query: dict[str, Any] = {}
    if (tag := args.get("tag")) is not None:
        query["tags"] = trim(tag).lower()
    if not mine and (author := args.get("author")) is not None:
        try:
            query["author"] = str(uuid.UUID(author))  # ids are stored as canonical strings
        except ValueError:
            query["author"] = None
    if (text := args.get("q")) is not None:
        pattern = {"$regex": re.escape(text), "$options": "i"}
        query["$or"] = [{"title": pattern}, {"body": pattern}]
    if mine and (status := args.get("status")) is not None:
        query["status"] = status
    problems = [
        {"field": name, "message": message}
        for name, message, bad in (
            ("tag", "must be 1 to 30 characters", not 1 <= len(query.get("tags", "x")) <= 30),
            ("author", "must be a user id (UUID)", "author" in query and query["author"] is None),
            ("q", f"must be 1 to {MAX_QUERY_LENGTH} characters", not 1 <= len(args.get("q", "x")) <= MAX_QUERY_LENGTH),
            ("status", "must be draft or published", query.get("status", "draft") not in STATUSES),
        )
        if bad
    ]
    if problems:
        raise BadRequest("Invalid query parameters", errors=problems)
    return query


def list_posts(base: dict[str, Any], *, mine: bool = False) -> tuple[dict[str, Any], int, dict[str, str]]:
    """One page of posts matching `base` and the client's filters, in the requested order, with the Link header.

    By `cursor`: the page after the cursor's post, with no count (see app.pagination); by `page`: counted and
    skipped to, with `nextCursor` to go on by cursor from there.
    """
    page, sort, filters, after = parse_query(
        parse_page,
        lambda: parse_sort(SORTS, DEFAULT_SORT),
        lambda: parse_filters(request.args, mine=mine),
        lambda: parse_cursor(request.args.get("sort", DEFAULT_SORT)),
    )
    query = {**base, **filters}
    collection = Post._get_collection()
    field = sort[0][0]
    sort_name = request.args.get("sort", DEFAULT_SORT)
    if after is not None:
        raws, following = keyset_page(collection, query, sort, sort_name, page.per_page, after)
        return cursor_paginated(with_attachments([raw_to_dict(Post, raw) for raw in raws]), page, following)
    total = collection.count_documents(query)
    raws = list(collection.find(query, sort=sort, skip=page.skip, limit=page.per_page))
    following = next_cursor(raws, sort_name, field) if raws and page.skip + len(raws) < total else None
    return paginated(with_attachments([raw_to_dict(Post, raw) for raw in raws]), total, page, next_cursor=following)


def find_post(post_id: str) -> dict[str, Any]:
    """The raw post with this id; 404 for unknown and malformed ids alike."""
    try:
        key = uuid.UUID(post_id)
    except ValueError:
        raise NotFound("No post with this id") from None
    raw = Post._get_collection().find_one({"_id": str(key)})
    if raw is None:
        raise NotFound("No post with this id")
    return raw


def can_change(raw: Mapping[str, Any], user: User) -> bool:
    """Authors change their own posts; admins change any."""
    return user.is_admin or raw["author"] == str(user.id)


def visible_to(raw: Mapping[str, Any], user: User | None) -> bool:
    """Published posts are public; a draft exists only for its author and admins."""
    return raw["status"] == "published" or (user is not None and can_change(raw, user))


def writable_post(post_id: str) -> dict[str, Any]:
    """The post the caller may change: 404 when it cannot even see it, 403 when it sees but may not change it."""
    raw = find_post(post_id)
    if not visible_to(raw, current_user):
        raise NotFound("No post with this id")
    if not can_change(raw, current_user):
        raise Forbidden("Only the author or an admin can change this post")
    return raw


def conditional_filter(post_id: str) -> dict[str, Any]:
    """The write's filter: the post, at a version `If-Match` allows (any version without it)."""
    versions = if_match_versions()
    if versions is None:
        return {"id": post_id}
    return {"id": post_id, "version__in": versions}


def stale_or_gone(post_id: str) -> Exception:
    """Why a conditional write matched nothing: 412 if the post still exists, else 404."""
    if Post.objects(id=post_id).only("id").first() is None:
        return NotFound("No post with this id")
    return PreconditionFailed("The post has changed since you read it; fetch it again and reapply your change")


def item_response(data: dict[str, Any], version: int, status: int = 200) -> tuple[Any, int, dict[str, str]]:
    """An item with its attachments and ETag, revalidated by clients rather than stored blindly."""
    return with_attachments([data])[0], status, {"ETag": etag(version), "Cache-Control": ITEM_CACHE_CONTROL}


class PostList(BaseResource):
    @public
    def get(self):
        """List published posts."""
        return list_posts({"status": "published"})

    @json_required(schema=POST_CREATE)
    def post(self, body: dict):
        """Write a post."""
        if body.get("status") == "published":
            ensure_may_publish(current_user)
        raw = new_post_document(
            author=str(current_user.id),
            title=trim(body["title"]),
            body=body["body"],
            tags=normalise_tags(body.get("tags", [])),
            status=body.get("status", "draft"),
        )
        with attaching(raw["_id"], raw["author"], body.get("attachments"), []) as attachments:
            raw["attachments"] = attachments or []
            Post._get_collection().insert_one(raw)
        data, status, headers = item_response(raw_to_dict(Post, raw), raw["version"], 201)
        return data, status, {**headers, "Location": f"{request.path}/{raw['_id']}"}


class PostItem(BaseResource):
    @public
    def get(self, post_id: str):
        """Show a post."""
        raw = find_post(post_id)
        if not visible_to(raw, optional_user()):
            raise NotFound("No post with this id")
        if not_modified(raw["version"]):
            return None, 304, {"ETag": etag(raw["version"]), "Cache-Control": ITEM_CACHE_CONTROL}
        return item_response(raw_to_dict(Post, raw), raw["version"])

    @json_required(schema=POST_UPDATE)
    def patch(self, post_id: str, body: dict):
        """Change a post; one atomic conditional update, so concurrent writers cannot both win."""
        raw = writable_post(post_id)
        if body.get("status") == "published" and raw["status"] != "published":
            ensure_may_publish(current_user)
        changes: dict[str, Any] = {"inc__version": 1}
        if "title" in body:
            changes["set__title"] = trim(body["title"])
        if "body" in body:
            changes["set__body"] = body["body"]
        if "tags" in body:
            changes["set__tags"] = normalise_tags(body["tags"])
        if "status" in body:
            changes["set__status"] = body["status"]
        with attaching(raw["_id"], raw["author"], body.get("attachments"), raw.get("attachments") or []) as ids:
            if ids is not None:
                changes["set__attachments"] = ids
            post = Post.objects(**conditional_filter(raw["_id"])).modify(new=True, **changes)
            if post is None:
                raise stale_or_gone(raw["_id"])
        return item_response(mongo_to_dict(post), post.version)

    def delete(self, post_id: str):
        """Delete a post."""
        raw = writable_post(post_id)
        if Post.objects(**conditional_filter(raw["_id"])).delete() == 0:
            raise stale_or_gone(raw["_id"])
        discard_uploads(post=raw["_id"])  # its files go with it, now
        return self.no_content()


class MyPosts(BaseResource):
    def get(self):
        """List my posts, drafts included."""
        # `$in` on status keeps the (author, status, sort) indexes usable: MongoDB merges the two sorted runs.
        return list_posts({"author": str(current_user.id), "status": {"$in": list(STATUSES)}}, mine=True)


api.add_resource(PostList, "/posts")
api.add_resource(PostItem, "/posts/<post_id>")
api.add_resource(MyPosts, "/me/posts")
