"""Post attachments: the one posts module that knows uploads, so `flask remove uploads` takes it and the lines
marked `capability: uploads` in posts, and posts stays (without attachments)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any

from app.uploads.docs import ATTACHMENT_IDS
from app.uploads.service import attaching, discard_uploads, with_attachments

__all__ = ["ATTACHMENT_IDS", "claim", "discard", "move", "shown"]


def claim(extras: ExitStack, raw: dict[str, Any], body: Mapping[str, Any]) -> None:
    """Claim a new post's uploads for the rest of `extras` (released if the write fails)."""
    raw["attachments"] = extras.enter_context(attaching(raw["_id"], raw["author"], body.get("attachments"), [])) or []


def move(extras: ExitStack, raw: dict[str, Any], body: Mapping[str, Any], changes: dict[str, Any]) -> None:
    """Claim and release uploads as a change to the post's list asks, around the rest of `extras`."""
    ids = extras.enter_context(
        attaching(raw["_id"], raw["author"], body.get("attachments"), raw.get("attachments") or [])
    )
    if ids is not None:
        changes["set__attachments"] = ids


def discard(raw: dict[str, Any]) -> None:
    """A deleted post's files go now, from the store too."""
    discard_uploads(post=raw["_id"])


def shown(posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Posts as responses show them: each attachment id replaced by the attachment."""
    return with_attachments(posts)
