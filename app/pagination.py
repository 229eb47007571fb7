"""Pagination for every list: page numbers, keyset cursors, query parsing, the envelope and RFC 8288 Link headers.

Every list sorts on one field and then on `_id`: MongoDB returns documents with equal sort values "in any
order" unless the sort includes a unique field, so without it a page boundary inside a run of equal values
could repeat or skip items. Numbered pages (`page`, `perPage`) skip over the earlier items and count the
matches: simple, and fine for the first pages, but a server walks every skipped index entry and every match
for the count. Cursor pages (`cursor`, from a previous page's `nextCursor` or `Link: rel="next"`) continue
after the last item seen, `(value, _id)`: a range on the index that serves the first page, so page 1,000
costs what page 1 does; they carry no total (that would be a count on every page) and stay stable while
items are added.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request

from app.errors import BadRequest
from app.models import BaseDocument

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
MAX_CURSOR_LENGTH = 2048
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - EPOCH


@dataclass(frozen=True)
class Page:
    """Which slice of a list the client asked for."""

    page: int
    per_page: int

    @property
    def skip(self) -> int:
        return (self.page - 1) * self.per_page


def parse_int(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high]; 400 naming it otherwise."""
    raw = args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or not low <= int(raw) <= high:
        raise BadRequest(
            f"Query parameter {name} must be an integer from {low} to {high}",
            errors=[{"field": name, "message": f"must be an integer from {low} to {high}"}],
        )
    return int(raw)


def parse_page(args: Mapping[str, str] | None = None) -> Page:
    """`page` (from 1) and `perPage` (1 to 100, default 20)."""
    args = request.args if args is None else args
    page, per_page = parse_query(
        lambda: parse_int(args, "page", 1, 1, MAX_PAGE),
        lambda: parse_int(args, "perPage", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    )
    return Page(page=page, per_page=per_page)


def parse_sort(
    allowed: Mapping[str, str], default: str, args: Mapping[str, str] | None = None
) -> list[tuple[str, int]]:
    """`sort=field` or `sort=-field` from `allowed` (API name -> stored name), as a pymongo sort ending with `_id`.

    `_id` is the unique tie-breaker that makes the order total (see the module's docstring); each list's
    indexes end with it too, so one index serves the filter, the sort and the cursor's range.
    """
    args = request.args if args is None else args
    raw = args.get("sort", default)
    descending = raw.startswith("-")
    stored = allowed.get(raw[1:] if descending else raw)
    if stored is None:
        choices = ", ".join(f"{name}, -{name}" for name in allowed)
        raise BadRequest(
            f"Query parameter sort must be one of {choices}",
            errors=[{"field": "sort", "message": f"must be one of {choices}"}],
        )
    direction = -1 if descending else 1
    return [(stored, direction), ("_id", direction)]


@dataclass(frozen=True)
class Cursor:
    """Where a keyset page starts: after the item whose `(sort value, _id)` was `(value, id)`."""

    sort: str
    value: Any
    id: str


def _cursor_mac(payload: bytes) -> bytes:
    """HMAC-SHA256 (128 bits kept) keyed with SECRET_KEY and bound to this list's path: not forged, not reused."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"cursor\0" + request.path.encode() + b"\0" + payload, hashlib.sha256).digest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_value(value: Any) -> Any:
    """A sort value in JSON: datetimes as microseconds since the epoch (exact), strings as they are."""
    if isinstance(value, datetime):  # aware: the client reads every stored date as UTC (app.database)
        return {"t": (value - EPOCH) // MICROSECOND}
    return value


def decode_value(value: Any) -> Any:
    """The sort value `encode_value` wrote."""
    if isinstance(value, dict) and isinstance(value.get("t"), int):
        return EPOCH + value["t"] * MICROSECOND
    if isinstance(value, str):
        return value
    raise ValueError("not a sort value")


def make_cursor(sort: str, value: Any, item_id: str) -> str:
    """The opaque, signed `cursor` for the page after the item `item_id`, whose sort value is `value`."""
    payload = json.dumps([sort, encode_value(value), item_id], separators=(",", ":"), ensure_ascii=False).encode()
    return f"{_b64(payload)}.{_b64(_cursor_mac(payload))}"


def cursor_problem(message: str) -> BadRequest:
    return BadRequest(f"Query parameter cursor {message}", errors=[{"field": "cursor", "message": message}])


def parse_cursor(sort: str, args: Mapping[str, str] | None = None) -> Cursor | None:
    """The verified `cursor` for this list and `sort`; 400 naming `cursor` if tampered with, foreign or stale."""
    args = request.args if args is None else args
    raw = args.get("cursor")
    if raw is None:
        return None
    if "page" in args:
        raise cursor_problem("cannot be combined with page: send one or the other")
    try:
        encoded, signature = raw.split(".")
        if len(raw) > MAX_CURSOR_LENGTH or not raw.isascii():
            raise ValueError
        payload, mac = _unb64(encoded), _unb64(signature)
        if _b64(payload) != encoded or _b64(mac) != signature:  # one spelling per cursor: base64's spare bits too
            raise ValueError
        if not hmac.compare_digest(mac, _cursor_mac(payload)):
            raise ValueError
        made_for, value, item_id = json.loads(payload)  # an older cursor's shape (four fields) fails here: 400
        if not isinstance(made_for, str) or not isinstance(item_id, str):
            raise ValueError
        cursor = Cursor(sort=made_for, value=decode_value(value), id=item_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise cursor_problem("is not a cursor this list gave out (altered, or from another list)") from None
    if cursor.sort != sort:
        raise cursor_problem(f"was made for sort={cursor.sort}: send the same sort, or start again without a cursor")
    return cursor


def next_cursor(page_items: list[Mapping[str, Any]], sort: str, field: str) -> str:
    """The cursor after the last of `page_items` (raw documents): its `field` value and `_id`."""
    last = page_items[-1]
    return make_cursor(sort, last[field], last["_id"])


def after_filter(query: dict[str, Any], sort: list[tuple[str, int]], after: Cursor) -> dict[str, Any]:
    """`query` narrowed to what sorts after `after`: the standard keyset condition on `(field, _id)`.

    `{$or: [{field: {$gt: value}}, {field: value, _id: {$gt: id}}]}` (`$lt` when descending): with the
    list's index on `(filter..., field, _id)` both branches are ranges of it, walked in the list's order.
    """
    field, direction = sort[0]
    beyond = "$lt" if direction < 0 else "$gt"
    keyset = {"$or": [{field: {beyond: after.value}}, {field: after.value, "_id": {beyond: after.id}}]}
    if "$or" in query:  # the list's own `$or` (a search) stays; both must hold
        return {**query, "$and": [*query.get("$and", []), keyset]}
    return {**query, **keyset}


def keyset_page(
    collection: Any, query: dict[str, Any], sort: list[tuple[str, int]], sort_name: str, per_page: int, after: Cursor
) -> tuple[list[dict[str, Any]], str | None]:
    """Raw documents of the page after `after`, and the next page's cursor (None at the end).

    One query: one more item than a page, to know whether another page follows.
    """
    raws = list(collection.find(after_filter(query, sort, after), sort=sort, limit=per_page + 1))
    items = raws[:per_page]
    if len(raws) <= per_page:
        return items, None
    return items, next_cursor(items, sort_name, sort[0][0])


def cursor_paginated(
    items: list[Any], page: Page, cursor: str | None, extra_args: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """A cursor page's envelope (no total: that would be a count per page) and its Link to first and next."""
    kept = {
        k: v
        for k, v in (request.args if extra_args is None else extra_args).items()
        if k not in ("page", "perPage", "cursor")
    }
    base = {**kept, "perPage": page.per_page}
    links = [f'<{request.path}?{urlencode({**base, "page": 1})}>; rel="first"']
    body: dict[str, Any] = {"items": items, "perPage": page.per_page}
    if cursor is not None:
        body["nextCursor"] = cursor
        links.append(f'<{request.path}?{urlencode({**base, "cursor": cursor})}>; rel="next"')
    return body, 200, {"Link": ", ".join(links)}


def parse_query(*parsers: Callable[[], Any]) -> list[Any]:
    """Run every query-parameter parser; one 400 naming every bad parameter, not just the first."""
    results: list[Any] = []
    problems: list[dict[str, str]] = []
    for parser in parsers:
        try:
            results.append(parser())
        except BadRequest as error:
            problems.extend(error.errors or [])
    if problems:
        names = ", ".join(dict.fromkeys(p["field"] for p in problems))
        raise BadRequest(f"Invalid query parameters: {names}", errors=problems)
    return results


def paginated(
    items: list[Any],
    total: int,
    page: Page,
    extra_args: Mapping[str, str] | None = None,
    next_cursor: str | None = None,
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The list envelope with a Link header to first/prev/next/last; a page past the end is empty, not an error.

    Lists that offer cursors also give `nextCursor`, to go on from here by cursor.
    """
    total_pages = max(1, math.ceil(total / page.per_page))
    body = {
        "items": items,
        "page": page.page,
        "perPage": page.per_page,
        "total": total,
        "totalPages": total_pages,
    }
    if next_cursor is not None:
        body["nextCursor"] = next_cursor
    return body, 200, {"Link": link_header(page, total_pages, extra_args)}


def link_header(page: Page, total_pages: int, extra_args: Mapping[str, str] | None = None) -> str:
    """RFC 8288 links, keeping the other query parameters the client sent."""
    kept = {
        k: v
        for k, v in (request.args if extra_args is None else extra_args).items()
        if k not in ("page", "perPage", "cursor")
    }

    def url(number: int) -> str:
        return f"{request.path}?{urlencode({**kept, 'page': number, 'perPage': page.per_page})}"

    links = [(1, "first")]
    if page.page > 1:
        links.append((min(page.page - 1, total_pages), "prev"))
    if page.page < total_pages:
        links.append((page.page + 1, "next"))
    links.append((total_pages, "last"))
    return ", ".join(f'<{url(number)}>; rel="{rel}"' for number, rel in links)


def paginate_documents(
    model: type[BaseDocument],
    page: Page,
    serialise: Callable[[Any], dict[str, Any]],
    *,
    filters: Mapping[str, Any] | None = None,
    order_by: Sequence[str] = (),
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Count and slice `model`'s documents matching `filters` (MongoEngine query keywords) into the list envelope.

    The model and filter come in as they are, not inside a queryset, so an unfiltered list is counted from the
    collection's metadata (pymongo's `estimated_document_count`) rather than by reading every document.
    """
    queryset = model.objects(**(filters or {})).order_by(*order_by)
    total = queryset.count() if filters else model.collection().estimated_document_count()
    items = [serialise(doc) for doc in queryset.skip(page.skip).limit(page.per_page)]
    return paginated(items, total, page)
