"""Posts: public reading, owner writes, `/me/posts`, conditional requests (the rules are in `service`)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from flask import request
from flask_jwt_extended import get_current_user

from app.auth import current_user, optional_user, public
from app.decorators import json_required
from app.errors import BadRequest
from app.etag import etag, if_match_versions, not_modified
from app.models import mongo_to_dict, raw_to_dict
from app.pagination import (
    cursor_paginated,
    paginated,
    parse_cursor,
    parse_page,
    parse_query,
    parse_sort,
)
from app.posts import (
    attachments,  # capability: uploads
    service,
)
from app.posts.docs import POST_CREATE, POST_UPDATE
from app.posts.models import STATUSES, Post
from app.text import trim
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
    """One page of posts matching `base` and the client's filters, in the requested order, with the Link header."""
    page, sort, filters, after = parse_query(
        parse_page,
        lambda: parse_sort(SORTS, DEFAULT_SORT),
        lambda: parse_filters(request.args, mine=mine),
        lambda: parse_cursor(request.args.get("sort", DEFAULT_SORT)),
    )
    sort_name = request.args.get("sort", DEFAULT_SORT)
    raws, total, following = service.find_page({**base, **filters}, sort, sort_name, page, after)
    items = [raw_to_dict(Post, raw) for raw in raws]
    items = attachments.shown(items)  # capability: uploads
    if total is None:
        return cursor_paginated(items, page, following)
    return paginated(items, total, page, next_cursor=following)


def item_response(data: dict[str, Any], version: int, status: int = 200) -> tuple[Any, int, dict[str, str]]:
    """An item with its attachments and ETag, revalidated by clients rather than stored blindly."""
    data = attachments.shown([data])[0]  # capability: uploads
    return data, status, {"ETag": etag(version), "Cache-Control": ITEM_CACHE_CONTROL}


class PostList(BaseResource):
    @public
    def get(self):
        """List published posts."""
        return list_posts({"status": "published"})

    @json_required(schema=POST_CREATE)
    def post(self, body: dict):
        """Write a post."""
        raw = service.create_post(get_current_user(), body)
        data, status, headers = item_response(raw_to_dict(Post, raw), raw["version"], 201)
        return data, status, {**headers, "Location": f"{request.path}/{raw['_id']}"}


class PostItem(BaseResource):
    @public
    def get(self, post_id: str):
        """Show a post."""
        raw = service.readable_post(post_id, optional_user())
        if not_modified(raw["version"]):
            return None, 304, {"ETag": etag(raw["version"]), "Cache-Control": ITEM_CACHE_CONTROL}
        return item_response(raw_to_dict(Post, raw), raw["version"])

    @json_required(schema=POST_UPDATE)
    def patch(self, post_id: str, body: dict):
        """Change a post; one atomic conditional update, so concurrent writers cannot both win."""
        post = service.update_post(get_current_user(), post_id, body, if_match_versions())
        return item_response(mongo_to_dict(post), post.version)

    def delete(self, post_id: str):
        """Delete a post."""
        service.delete_post(get_current_user(), post_id, if_match_versions())
        return self.no_content()


class MyPosts(BaseResource):
    def get(self):
        """List my posts, drafts included."""
        # `$in` on status keeps the (author, status, sort) indexes usable: MongoDB merges the two sorted runs.
        return list_posts({"author": str(current_user.id), "status": {"$in": list(STATUSES)}}, mine=True)


api.add_resource(PostList, "/posts")
api.add_resource(PostItem, "/posts/<post_id>")
api.add_resource(MyPosts, "/me/posts")
