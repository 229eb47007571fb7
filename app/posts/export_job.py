"""The export of a user's posts, run by a worker; the result is kept in the job record (capped, short-lived)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

from app import quotas
from app.jobs.runner import Progress
from app.models import raw_to_dict
from app.posts import attachments  # capability: uploads
from app.posts.models import STATUSES, Post


def prepare(user_id: str, export_id: str) -> Callable[[], None]:
    """Before the job is queued: one export of the day's quota (429 once spent); what refunds it."""
    charged = quotas.charge(user_id, "QUOTA_EXPORTS_PER_DAY", record_id=export_id)
    return lambda: quotas.refund(charged)


def run(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Every post of the user, oldest first, up to POST_EXPORT_MAX_POSTS; `truncated` says whether more exist."""
    cap = current_app.config["POST_EXPORT_MAX_POSTS"]
    collection = Post.collection()
    # `$in` on status lets the author's (author, status, created_at, _id) index serve the filter and the sort
    # (MongoDB merges the two sorted runs) without an in-memory sort of the whole set; `_id` breaks ties.
    query = {"author": params["userId"], "status": {"$in": list(STATUSES)}}
    total = collection.count_documents(query)
    progress(0, min(total, cap))
    cursor = collection.find(query, sort=[("created_at", 1), ("_id", 1)], limit=cap)
    posts = [raw_to_dict(Post, raw) for raw in cursor]  # shown as post responses show them
    posts = attachments.shown(posts)  # capability: uploads
    progress(len(posts), len(posts))
    return {"count": len(posts), "total": total, "truncated": total > len(posts), "posts": posts}
