"""Decorators that state an HTTP contract for the view they wrap."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from app.validation import parse_json_body, require_keys, validate


def json_required(*keys: str, schema: dict[str, Any] | None = None) -> Callable:
    """415 unless the body is JSON; 400 for malformed JSON, missing `keys` or a body that breaks `schema`.

    The parsed body reaches the view as the `body` keyword argument.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            body = parse_json_body()
            require_keys(body, keys)
            if schema is not None:
                validate(body, schema)
            return view(*args, body=body, **kwargs)

        return wrapper

    return decorator
