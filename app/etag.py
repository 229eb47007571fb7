"""Strong ETags from a document's version, and the `If-Match` / `If-None-Match` checks built on them."""

from __future__ import annotations

import re

from flask import request
from werkzeug.http import quote_etag

VERSION_TAG = re.compile(r"^v([1-9][0-9]{0,17})$")


def etag(version: int) -> str:
    """The strong ETag of one version of a resource."""
    return quote_etag(f"v{version}")


def not_modified(version: int) -> bool:
    """`If-None-Match` names this version (weak comparison, as RFC 9110 asks for GET)."""
    return request.if_none_match.contains_weak(f"v{version}")  # also true for `*`


def if_match_versions() -> list[int] | None:
    """The versions `If-Match` allows: None when absent or `*` (any), else those its strong tags name.

    An unparseable or weak tag matches nothing, so the write fails with 412 instead of passing unchecked.
    """
    header = request.if_match
    if not header or header.star_tag:
        return None
    # werkzeug reads `""` as a tag of None: it names no version, like any other tag we did not issue
    return [int(m.group(1)) for tag in header.as_set() if tag and (m := VERSION_TAG.match(tag))]
