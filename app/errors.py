"""One error shape for every layer: RFC 9457 `application/problem+json`.

Flask's own errors, flask-restful's (through `Api.handle_error`), JWT failures,
validation and unexpected exceptions all end in `handle_error`.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, g
from flask_jwt_extended.exceptions import CSRFError, JWTExtendedException
from jwt import PyJWTError
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError
from werkzeug.exceptions import HTTPException

from app.json import dumps

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ApiError(Exception):
    """An expected failure with its HTTP status; subclasses name the common ones."""

    status = 400

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        self.errors = errors
        self.headers = headers or {}


class BadRequest(ApiError):
    """400: the request is malformed or fails validation (field problems in `errors`)."""

    status = 400


class Unauthorized(ApiError):
    """401: no valid credentials; always tells the client to use a Bearer token."""

    status = 401

    def __init__(self, detail: str = "A valid access token is required", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="api"'})
        super().__init__(detail, **kwargs)


class Forbidden(ApiError):
    """403: authenticated, but not allowed to do this."""

    status = 403


class NotFound(ApiError):
    """404: no such resource (or one the caller must not know exists)."""

    status = 404


class NotAcceptable(ApiError):
    """406: the client accepts no JSON type, and JSON is all this API speaks."""

    status = 406


class Conflict(ApiError):
    """409: the change clashes with the current state (a duplicate, say)."""

    status = 409


class Gone(ApiError):
    """410: it existed once and cannot come back (an upload grant that expired unused)."""

    status = 410


class PreconditionFailed(ApiError):
    """412: `If-Match` names a version that is no longer current."""

    status = 412


class UnsupportedMediaType(ApiError):
    """415: the body is not JSON."""

    status = 415


class UnprocessableContent(ApiError):
    """422: well-formed, but what it points at fails the checks (an uploaded file that is not what was declared)."""

    status = 422


class TooManyRequests(ApiError):
    """429: throttled or locked out; `Retry-After` says for how long."""

    status = 429


class ServiceUnavailable(ApiError):
    """503: a dependency (the database) is unreachable; try again shortly."""

    status = 503


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build a problem+json response."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:  # a status the standard library has no name for
        phrase = "Error"
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": phrase,
        "status": status,
        "detail": detail or phrase,
    }
    request_id = g.get("request_id") if g else None
    if request_id:
        body["requestId"] = request_id
    if errors:
        body["errors"] = errors
    response = Response(dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return keep_retry_after(response)


def keep_retry_after(response: Response) -> Response:
    """Mark a Retry-After the app set itself, so the rate limiter's window does not replace it (app.middleware)."""
    if "Retry-After" in response.headers:
        response.own_retry_after = response.headers["Retry-After"]  # type: ignore[attr-defined]
    return response


def from_http_exception(error: HTTPException) -> Response:
    """Keep werkzeug's status and headers (`Allow`, `Retry-After`, ...) but use our body."""
    if error.response is not None and error.code is None:
        return error.response
    status = error.code or 500
    headers = {
        key: value for key, value in error.get_headers() if key.lower() not in ("content-type", "content-length")
    }
    detail = getattr(error, "problem_detail", None) or error.description
    if status == 405:
        detail = "The method is not allowed for this resource; see the Allow header"
    elif status == 404 and not getattr(error, "problem_detail", None):
        detail = "The requested resource was not found"
    elif status == 429:  # Flask-Limiter's description is the bare limit
        detail = f"Too many requests: the limit is {detail}; see Retry-After"
    return problem(status, detail, errors=getattr(error, "problem_errors", None), headers=headers)


# What a client may learn about a rejected token; never the token itself.
TOKEN_ERROR_DETAILS = {
    "NoAuthorizationError": "A valid access token is required (Authorization: Bearer <token>)",
    "InvalidHeaderError": "The Authorization header must be 'Bearer <token>'",
    "ExpiredSignatureError": "The token has expired",
    "RevokedTokenError": "The token has been revoked",
    "WrongTokenError": "The wrong kind of token was sent (access and refresh tokens are not interchangeable)",
    "UserLookupError": "The account behind this token is inactive or no longer exists",
}


def challenge(error_name: str) -> str:
    """The Bearer challenge; RFC 6750 leaves the error code out when no token was sent at all."""
    if error_name == "NoAuthorizationError":
        return 'Bearer realm="api"'
    return 'Bearer realm="api", error="invalid_token"'


def is_unavailable(error: BaseException) -> bool:
    """True when the error means the database cannot be reached (answer 503, not 500)."""
    return isinstance(error, (ConnectionFailure, ServerSelectionTimeoutError))


def handle_error(error: Exception) -> Response:
    """Turn any exception into a problem response; unexpected ones are logged, never shown."""
    if isinstance(error, ApiError):
        return problem(error.status, error.detail, errors=error.errors, headers=error.headers)
    if isinstance(error, HTTPException):
        return from_http_exception(error)
    if isinstance(error, CSRFError):
        # The refresh cookie came without the CSRF token issued with it: a forged request, not a missing login.
        log.info("refused refresh cookie: %s", error)
        return problem(403, "The X-CSRF-Token header is missing or does not match the refresh cookie")
    if isinstance(error, (JWTExtendedException, PyJWTError)):
        # flask-jwt-extended would answer 422 for some of these; a bad token is a 401.
        log.info("rejected token: %s", type(error).__name__)
        detail = TOKEN_ERROR_DETAILS.get(type(error).__name__, "The token is invalid")
        return handle_error(Unauthorized(detail, headers={"WWW-Authenticate": challenge(type(error).__name__)}))
    if is_unavailable(error):
        log.error("database unavailable: %s", type(error).__name__)
        return problem(503, "The database is unavailable; try again shortly", headers={"Retry-After": "5"})
    log.exception("unhandled %s in request %s", type(error).__name__, g.get("request_id", "-") if g else "-")
    return problem(500, "An unexpected error occurred; it has been logged")


def register_error_handlers(app: Flask) -> None:
    """Route every exception Flask sees through `handle_error`."""
    app.register_error_handler(Exception, handle_error)
    app.register_error_handler(HTTPException, handle_error)
