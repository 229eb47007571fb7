"""What every resource shares: the Api class, the JSON representation, `BaseResource`."""

from __future__ import annotations

from typing import Any

import flask_restful
from flask import Blueprint, Response

from app.auth import secure
from app.errors import handle_error, keep_retry_after
from app.json import dumps


def output_json(data: Any, code: int, headers: dict[str, str] | None = None) -> Response:
    """Encode a resource's return value with ujson."""
    body = "" if code == 204 or data is None else dumps(data)
    response = Response(body, status=code, mimetype="application/json" if body else None)
    response.headers.extend(headers or {})
    return keep_retry_after(response)  # a view's own Retry-After (202, a running job) stays


class Api(flask_restful.Api):
    """flask-restful's Api, sending its errors down the app's one error path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.representations = {"application/json": output_json}

    def handle_error(self, e: Exception) -> Response:
        return handle_error(e)


def make_api(name: str, import_name: str) -> tuple[Blueprint, Api]:
    """A blueprint for one REST noun and its Api."""
    blueprint = Blueprint(name, import_name)
    return blueprint, Api(blueprint)


class BaseResource(flask_restful.Resource):
    """Every resource inherits this; methods return `data, status, headers`.

    Secure by default: every method needs an access token unless marked `@public`.
    """

    method_decorators = [secure]

    @staticmethod
    def no_content() -> tuple[str, int]:
        """204 with an empty body."""
        return "", 204
