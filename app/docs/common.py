"""Building blocks every noun's OpenAPI fragments share: the problem schema and standard responses."""

from __future__ import annotations

from typing import Any

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details: the one shape of every error response.",
    "required": ["type", "title", "status", "detail", "requestId"],
    "properties": {
        "type": {"type": "string", "description": "A URI naming the problem type.", "example": "about:blank"},
        "title": {"type": "string", "description": "The HTTP status phrase.", "example": "Bad Request"},
        "status": {"type": "integer", "description": "The HTTP status code.", "example": 400},
        "detail": {"type": "string", "description": "What went wrong, for a human."},
        "requestId": {"type": "string", "description": "The request's id (X-Request-ID), for support and logs."},
        "errors": {
            "type": "array",
            "description": "Field problems, when the input was invalid.",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string", "example": "age"},
                    "message": {"type": "string", "example": "must be of type integer"},
                },
            },
        },
    },
}

ERROR_DESCRIPTIONS = {
    400: "The request is malformed or invalid; `errors` lists the field problems.",
    401: "No valid access token (missing, malformed, expired, revoked or forged).",
    403: "The token is valid but does not allow this (or the password given is wrong).",
    404: "No such resource.",
    406: "The Accept header admits no JSON type.",
    409: "The change conflicts with existing data.",
    410: "The resource existed but has expired.",
    412: "If-Match does not name the current version.",
    413: "The request body is larger than the configured limit.",
    415: "The request body is not JSON.",
    422: "The request is well-formed but cannot be processed as it stands; `detail` says why.",
    429: "Too many requests (a rate limit, a locked login, or a daily quota per account); see Retry-After.",
    503: "A service the API needs (database, job queue, object store) is unavailable; see Retry-After.",
}

REQUEST_ID_EXAMPLE = "0f5d7c2e-6b1a-4c3d-9e8f-7a6b5c4d3e2f"

ERROR_EXAMPLES = {
    400: {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "The request body is invalid: age must be of type integer",
        "requestId": REQUEST_ID_EXAMPLE,
        "errors": [{"field": "age", "message": "must be of type integer"}],
    },
    401: {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "A valid access token is required",
        "requestId": REQUEST_ID_EXAMPLE,
    },
}


def ref(name: str) -> dict[str, str]:
    """A reference to a schema under components."""
    return {"$ref": f"#/components/schemas/{name}"}


def problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    """One documented error response in the problem shape; `description` says when this operation gives it."""
    example = ERROR_EXAMPLES.get(status)
    content: dict[str, Any] = {"schema": ref("Problem")}
    if example:
        content["example"] = example
    response: dict[str, Any] = {
        "description": description or ERROR_DESCRIPTIONS[status],
        "content": {"application/problem+json": content},
    }
    if status in (429, 503):
        response["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"description": "Always `Bearer`.", "schema": {"type": "string"}}}
    return response


def errors(*statuses: int, throttled: bool = True) -> dict[str, Any]:
    """The error responses an operation can give, plus the 406 any can give and the 429 a throttled one can."""
    always = {406, 429} if throttled else {406}
    return {str(status): problem_response(status) for status in sorted({*statuses, *always})}


def json_content(schema: dict[str, Any], example: Any) -> dict[str, Any]:
    """An application/json media type with its schema and example."""
    return {"application/json": {"schema": schema, "example": example}}


def json_body(schema_name: str, example: Any) -> dict[str, Any]:
    """A required JSON request body."""
    return {"required": True, "content": json_content(ref(schema_name), example)}


def body_errors(*statuses: int) -> dict[str, Any]:
    """Errors of an operation that takes a JSON body (it can also answer 400, 413 and 415)."""
    return errors(400, 413, 415, *statuses)


BEARER = [{"bearerAuth": []}]

PAGE_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "page",
        "in": "query",
        "description": "Page number, from 1. A page past the end is empty.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1},
    },
    {
        "name": "perPage",
        "in": "query",
        "description": "Items per page.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    },
]

CURSOR_PARAMETER: dict[str, Any] = {
    "name": "cursor",
    "in": "query",
    "description": "Continue after the last item of a page: the `nextCursor` of that page (also in its "
    '`Link: rel="next"`). Opaque and signed: an altered cursor, one from another list or one made for another '
    "`sort` is a 400. Send the same `sort` and filters; not with `page`. Cursor pages cost the same at any depth "
    "and stay stable while items are added (none repeated or skipped), but carry no `total`/`totalPages` (a count "
    "on every page would cost what the cursor saves). Use `page` to jump to a numbered page or show a total; use "
    "cursors to walk a long list (infinite scroll, export, sync).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 2048},
}

LINK_HEADER = {
    "Link": {
        "description": 'RFC 8288 links: rel="first", "prev", "next", "last" (cursor pages: "first", and "next" '
        "carrying the next cursor).",
        "schema": {"type": "string"},
    }
}


PAGE_ITEMS_DOC = "The items of this page, in the list's order; empty past the end."


def page_of(item_schema: str, *, cursor: bool = False) -> dict[str, Any]:
    """A numbered page of `item_schema` items: every count is always sent, so every field is required.

    With `cursor`, the list also pages by cursor: a numbered page then carries `nextCursor` too (absent on the
    last page), to go on by cursor from there; the cursor pages themselves are `cursor_page_of`.
    """
    schema: dict[str, Any] = {
        "type": "object",
        "description": "A numbered page (`page`, `perPage`): counted, so it carries `total` and `totalPages`.",
        "required": ["items", "page", "perPage", "total", "totalPages"],
        "additionalProperties": False,
        "properties": {
            "items": {"type": "array", "items": ref(item_schema), "description": PAGE_ITEMS_DOC},
            "page": {"type": "integer", "minimum": 1},
            "perPage": {"type": "integer", "minimum": 1, "maximum": 100},
            "total": {"type": "integer", "minimum": 0},
            "totalPages": {"type": "integer", "minimum": 1},
        },
    }
    if cursor:
        schema["properties"]["nextCursor"] = {
            "type": "string",
            "description": "Send as `cursor` to go on by cursor from here (same `sort` and filters); absent on "
            "the last page.",
        }
    return schema


def cursor_page_of(item_schema: str) -> dict[str, Any]:
    """A cursor page of `item_schema` items: no count (that would cost what the cursor saves), so no `page`."""
    return {
        "type": "object",
        "description": "A cursor page (requested with `cursor`): `items` and `perPage`, and `nextCursor` until "
        "the last page; no `page`, `total` or `totalPages`.",
        "required": ["items", "perPage"],
        "additionalProperties": False,
        "properties": {
            "items": {"type": "array", "items": ref(item_schema), "description": PAGE_ITEMS_DOC},
            "perPage": {"type": "integer", "minimum": 1, "maximum": 100},
            "nextCursor": {
                "type": "string",
                "description": "Send as `cursor` for the next page (same `sort` and filters); absent on the last page.",
            },
        },
    }


def pages_of(item_schema: str) -> dict[str, dict[str, Any]]:
    """The two page schemas of a list that pages by number and by cursor: `<Item>Page`, `<Item>CursorPage`."""
    return {
        f"{item_schema}Page": page_of(item_schema, cursor=True),
        f"{item_schema}CursorPage": cursor_page_of(item_schema),
    }


def either_page(item_schema: str) -> dict[str, Any]:
    """The answer of such a list: exactly one of its two pages (`page` is in one only, so clients can narrow)."""
    return {"oneOf": [ref(f"{item_schema}Page"), ref(f"{item_schema}CursorPage")]}


def uuid_path_parameter(name: str, description: str) -> dict[str, Any]:
    """A UUID in the path (a malformed one answers 404)."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "format": "uuid"},
    }


TIMESTAMP = {"type": "string", "format": "date-time", "readOnly": True, "example": "2026-01-31T12:00:00.000Z"}
UUID = {"type": "string", "format": "uuid", "readOnly": True, "example": "3f2b6c1e-8d4a-4e8b-9a57-0c1d2e3f4a5b"}
