"""Page-number pagination for every list: query parsing, the envelope, and the RFC 8288 Link header."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import request

from app.errors import BadRequest

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 100_000


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
    """`sort=field` or `sort=-field` from `allowed` (API name -> stored name), as a pymongo sort.

    No `_id` tie-breaker: the index for each (filter, sort) pair returns equal values in its own stable
    order, so pages neither repeat nor skip items, and indexes stay free of `_id` (which some
    MongoDB-compatible servers cannot hold in a compound index).
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
    return [(stored, direction)]


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
    items: list[Any], total: int, page: Page, extra_args: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The list envelope with a Link header to first/prev/next/last; a page past the end is empty, not an error."""
    total_pages = max(1, math.ceil(total / page.per_page))
    body = {
        "items": items,
        "page": page.page,
        "perPage": page.per_page,
        "total": total,
        "totalPages": total_pages,
    }
    return body, 200, {"Link": link_header(page, total_pages, extra_args)}


def link_header(page: Page, total_pages: int, extra_args: Mapping[str, str] | None = None) -> str:
    """RFC 8288 links, keeping the other query parameters the client sent."""
    kept = {
        k: v for k, v in (request.args if extra_args is None else extra_args).items() if k not in ("page", "perPage")
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


def paginate_queryset(
    queryset: Any, page: Page, serialise: Callable[[Any], dict[str, Any]]
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Count and slice a MongoEngine queryset into the list envelope.

    An unfiltered list is counted from the collection's metadata rather than by reading every document.
    """
    unfiltered = not queryset._query
    total = queryset._collection.estimated_document_count() if unfiltered else queryset.count()
    items = [serialise(doc) for doc in queryset.skip(page.skip).limit(page.per_page)]
    return paginated(items, total, page)
