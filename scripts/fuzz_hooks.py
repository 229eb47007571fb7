"""Schemathesis hooks for `make fuzz`: the post lists' `cursor` gets a real cursor from the server.

A cursor is signed, so a generated string is (rightly) refused with a 400 that the positive-data check would
count as a failure, and the keyset path would never run. Wherever the fuzzer sends `cursor` to a post list,
this swaps in a cursor the server gave out for that list and sort (dropping `page`, which does not mix with
it), so every phase exercises cursor pages; with no cursor to be had (fewer than two posts), `cursor` goes.
Loaded by scripts/fuzz.py through SCHEMATHESIS_HOOKS; FUZZ_BASE and FUZZ_TOKEN come from it too.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

import schemathesis

LISTS = ("/api/v1/posts", "/api/v1/me/posts")


def real_cursor(path: str, sort: Any) -> str | None:
    """A cursor the running server gives out for `path` and `sort` (None if it has none to give)."""
    query = {"perPage": 1, **({"sort": sort} if isinstance(sort, str) else {})}
    request = urllib.request.Request(f"{os.environ['FUZZ_BASE']}{path}?{urlencode(query)}")
    if os.environ.get("FUZZ_TOKEN"):
        request.add_header("Authorization", f"Bearer {os.environ['FUZZ_TOKEN']}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read()).get("nextCursor")
    except (urllib.error.URLError, ValueError):
        return None  # a generated sort the server refuses: no cursor for it


@schemathesis.hook
def map_query(context: schemathesis.HookContext, query: dict[str, Any] | None) -> dict[str, Any] | None:
    """Swap a generated `cursor` on a post list for a real one (a string-typed cursor only: others stay negative)."""
    operation = context.operation
    if not query or operation is None or operation.path not in LISTS or not isinstance(query.get("cursor"), str):
        return query
    cursor = real_cursor(operation.path, query.get("sort"))
    query = {k: v for k, v in query.items() if k not in ("cursor", "page")}
    if cursor is not None:
        query["cursor"] = cursor
    return query


@schemathesis.hook
def filter_failure(context: schemathesis.HookContext, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure except a 400 that names only `cursor`, for a cursor the server never gave out.

    The coverage phase sends its own values without `map_query`; no schema can tell a signed cursor from any
    other string, so refusing a made-up one is the documented behaviour, not a contract breach.
    """
    if case.operation.path not in LISTS or response.status_code != 400:
        return True
    try:
        fields = {error["field"] for error in json.loads(response.content)["errors"]}
    except (ValueError, KeyError, TypeError):
        return True
    return fields != {"cursor"}
