"""Request bodies: strict JSON parsing and validation against the documented schema.

The schema that documents a request body in `app/docs` is the one that
validates it, so docs and behaviour cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import fastjsonschema
from flask import request
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from app.errors import BadRequest, UnsupportedMediaType

MAX_DEPTH = 32
INT64 = (-(2**63), 2**63 - 1)
FORMATS = FormatChecker()


def is_json_mimetype(mimetype: str) -> bool:
    """`application/json` or a `+json` suffix type."""
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def read_body() -> bytes:
    """The raw body; 413 past the request's limit (MAX_CONTENT_LENGTH, or a route's own), whatever its framing.

    Werkzeug checks a declared Content-Length, but a chunked body is cut at the limit and read as if it
    ended there, so it is read here up to one byte past the limit instead.
    """
    limit = request.max_content_length
    if request.content_length is not None or limit is None or "wsgi.input_terminated" not in request.environ:
        return request.get_data(cache=True)  # Werkzeug's own 413 for a declared length
    stream, chunks, size = request.environ["wsgi.input"], [], 0
    while size <= limit and (chunk := stream.read(limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise RequestEntityTooLarge()
    return b"".join(chunks)


def parse_json_body() -> Any:
    """The request body as JSON; 415 for another media type, 400 for anything MongoDB could not store."""
    if not is_json_mimetype(request.mimetype):
        raise UnsupportedMediaType("The request body must be JSON (Content-Type: application/json)")
    raw = read_body()
    try:
        text = raw.decode("utf-8")
        body = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = "nesting too deep" if isinstance(exc, RecursionError) else "not valid UTF-8 JSON"
        raise BadRequest(f"The request body is malformed: {reason}") from None
    problem = _unsafe(body, 0)
    if problem:
        raise BadRequest(f"The request body is malformed: {problem}")
    return body


def _unsafe(value: Any, depth: int) -> str | None:
    """Why a parsed value cannot be stored safely, or None."""
    if depth > MAX_DEPTH:
        return "nesting too deep"
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "a string holds a lone surrogate"
        return None
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return None
    if isinstance(value, int):
        return None if INT64[0] <= value <= INT64[1] else "an integer does not fit in 64 bits"
    if isinstance(value, list):
        return next((p for p in (_unsafe(item, depth + 1) for item in value) if p), None)
    for key, item in value.items():
        if key.startswith("$") or "." in key or "\x00" in key:
            return "keys may not start with '$' or contain '.'"
        found = _unsafe(key, depth + 1) or _unsafe(item, depth + 1)
        if found:
            return found
    return None


def require_keys(body: Any, keys: Iterable[str]) -> None:
    """400 naming every listed key the JSON object lacks."""
    if not isinstance(body, dict):
        raise BadRequest(
            "The request body must be a JSON object", errors=[{"field": "(body)", "message": "must be an object"}]
        )
    missing = [key for key in keys if key not in body]
    if missing:
        raise BadRequest(
            f"Missing required keys: {', '.join(missing)}",
            errors=[{"field": key, "message": "is required"} for key in missing],
        )


DRAFT_4 = "http://json-schema.org/draft-04/schema#"
_validators: dict[int, tuple[Callable[[Any], Any] | None, Draft4Validator]] = {}


def compiled(schema: dict[str, Any]) -> tuple[Callable[[Any], Any] | None, Draft4Validator]:
    """The schema's fast check (fastjsonschema; None if it cannot compile it) and its jsonschema validator.

    Why two: jsonschema walks the schema for every body (~70 µs for a post, a fifth of an authenticated
    create above the database, as benchmarked); fastjsonschema compiles it to Python once (~4 µs a body).
    A body the fast check passes is valid; any other body goes to jsonschema, which decides and explains.
    Formats are jsonschema's own checks, patterns use the same `re`, defaults are never filled in; and
    tests/test_validation.py checks that the fast check never passes what jsonschema refuses.
    """
    found = _validators.get(id(schema))
    if found is None:  # schemas are module constants: compile each once
        formats = {name: (lambda value, name=name: FORMATS.conforms(value, name)) for name in FORMATS.checkers}
        try:
            fast = fastjsonschema.compile({**schema, "$schema": DRAFT_4}, formats=formats, use_default=False)
        except fastjsonschema.JsonSchemaDefinitionException:
            fast = None
        found = _validators[id(schema)] = (fast, Draft4Validator(schema, format_checker=FORMATS))
    return found


def _passes(fast: Callable[[Any], Any], body: Any) -> bool:
    try:
        fast(body)
    except Exception:  # a refusal, or anything odd: jsonschema decides and explains
        return False
    return True


def validate(body: Any, schema: dict[str, Any]) -> None:
    """400 listing every way `body` breaks the OpenAPI (3.0, draft-4 style) schema."""
    fast, validator = compiled(schema)
    if fast is not None and _passes(fast, body):
        return
    errors = sorted(validator.iter_errors(body), key=lambda e: (list(e.absolute_path), e.validator))
    if errors:
        # jsonschema reports `required` once per missing key, each listing them all: keep each problem once
        problems = list({tuple(p.items()): p for e in errors for p in field_problems(e)}.values())
        raise BadRequest(
            "The request body is invalid: " + "; ".join(f"{p['field']} {p['message']}" for p in problems),
            errors=problems,
        )


def field_problems(error: ValidationError) -> list[dict[str, str]]:
    """Readable field problems (one per field) that never echo the submitted value back."""
    path = ".".join(str(part) for part in error.absolute_path)
    kind, arg = error.validator, error.validator_value
    if kind == "required":
        missing = [key for key in arg if isinstance(error.instance, dict) and key not in error.instance]
        return [{"field": _join(path, key), "message": "is required"} for key in missing]
    if kind == "additionalProperties":
        allowed = error.schema.get("properties", {})
        extra = sorted(key for key in error.instance if key not in allowed)
        return [{"field": _join(path, key), "message": "is not allowed"} for key in extra]
    messages = {
        "type": lambda: f"must be of type {arg if isinstance(arg, str) else ' or '.join(arg)}",
        "minLength": lambda: f"must be at least {arg} characters long",
        "maxLength": lambda: f"must be at most {arg} characters long",
        "minimum": lambda: f"must be at least {arg}",
        "maximum": lambda: f"must be at most {arg}",
        "enum": lambda: "must be one of: " + ", ".join(str(v) for v in arg),
        "format": lambda: f"must be a valid {arg}",
        "pattern": lambda: "has an invalid format",
        "minItems": lambda: f"must have at least {arg} items",
        "maxItems": lambda: f"must have at most {arg} items",
        "uniqueItems": lambda: "must not repeat items",
        "minProperties": lambda: f"must have at least {arg} fields",
    }
    message = messages.get(kind, lambda: "is invalid")()
    return [{"field": path or "(body)", "message": message}]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path and key else (path or key or "(body)")
