"""Authentication: flask-jwt-extended wiring, `auth_required`, and secure-by-default resources."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Flask
from flask_jwt_extended import current_user, get_current_user, verify_jwt_in_request
from flask_jwt_extended.exceptions import NoAuthorizationError

from app.access import access_error
from app.cookies import check_origin, cookie_settings, uses_cookie
from app.errors import Forbidden
from app.extensions import jwt
from app.models import AuthSession, User

__all__ = [
    "auth_required",
    "current_user",
    "init_auth",
    "optional_user",
    "public",
    "refresh_required",
    "secure",
    "session_required",
]


def init_auth(app: Flask) -> None:
    """Fix how tokens are read and checked before the JWT extension binds."""
    app.config.update(
        # Cookies for the refresh token of the cookie transport only (app.cookies); access tokens are read from
        # the header alone (app.access), and never from a query string.
        JWT_TOKEN_LOCATION=["headers", "cookies"],
        JWT_HEADER_NAME="Authorization",
        JWT_HEADER_TYPE="Bearer",
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=app.config["JWT_ACCESS_TOKEN_MINUTES"]),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(days=app.config["JWT_REFRESH_TOKEN_DAYS"]),
        JWT_IDENTITY_CLAIM="sub",
        JWT_DECODE_LEEWAY=0,
        **cookie_settings(app.config),
    )
    jwt.init_app(app)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@jwt.token_in_blocklist_loader
def is_revoked(_header: dict, payload: dict) -> bool:
    """A token is dead without `exp`, or once its session is revoked or gone."""
    session_id = _uuid(payload.get("sid"))
    if "exp" not in payload or session_id is None:
        return True
    # Raw lookups: these run on every authenticated request, and a queryset costs more than the query.
    session = AuthSession.collection().find_one({"_id": str(session_id)}, {"revoked": 1})
    return session is None or session["revoked"]


@jwt.user_lookup_loader
def load_user(_header: dict, payload: dict) -> User | None:
    """The token's active user, loaded once per request (None makes the token fail with 401)."""
    user_id = _uuid(payload.get("sub"))
    if user_id is None:
        return None
    # Public MongoEngine: the queryset iterated rather than `.first()`, which clones it twice more and indexes
    # the cursor (~20 µs more a request on the bench data). `_id` is unique: one batch, at most this user.
    return next(iter(User.objects(__raw__={"_id": str(user_id), "active": True})), None)


def _authenticating(wrapper: Callable) -> Callable:
    wrapper.authenticates = True  # type: ignore[attr-defined]
    return wrapper


def auth_required(view: Callable | None = None, *, role: str | None = None) -> Callable:
    """401 without a valid access token of an active user; 403 when the user lacks `role`."""

    def decorator(fn: Callable) -> Callable:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            error = access_error()  # checked once per request: the rate limiter may have asked already
            if error is not None:
                raise error
            if role is not None and current_user.role != role:
                raise Forbidden(f"This operation needs the {role} role")
            return fn(*args, **kwargs)

        return _authenticating(wrapper)

    return decorator(view) if view is not None else decorator


def verify_refresh_cookie() -> None:
    """403 from a foreign origin or without the matching X-CSRF-Token; 401 without a valid refresh cookie."""
    check_origin()
    verify_jwt_in_request(refresh=True, locations=["cookies"])  # the library checks the CSRF header


def refresh_required(fn: Callable) -> Callable:
    """401 without a valid, unrevoked refresh token of an active user: the Bearer one, or else the cookie."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if uses_cookie():
            verify_refresh_cookie()
        else:
            verify_jwt_in_request(refresh=True, locations=["headers"])
        return fn(*args, **kwargs)

    return _authenticating(wrapper)


def session_required(fn: Callable) -> Callable:
    """401 without the session's access token in the header or, with no Authorization header, its refresh cookie."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if uses_cookie():
            verify_refresh_cookie()
        else:
            error = access_error()
            if error is not None:
                raise error
        return fn(*args, **kwargs)

    return _authenticating(wrapper)


def public(fn: Callable) -> Callable:
    """Mark a resource method as reachable without a token (a deliberate, visible choice)."""
    fn.is_public = True  # type: ignore[attr-defined]
    return fn


def optional_user() -> User | None:
    """The signed-in user when a token is sent (a bad token is still a 401), else None."""
    error = access_error()
    if isinstance(error, NoAuthorizationError):
        return None
    if error is not None:
        raise error
    return get_current_user()


def secure(method: Callable) -> Callable:
    """Applied to every resource method: authenticate unless it is public or authenticates itself."""
    if getattr(method, "is_public", False) or getattr(method, "authenticates", False):
        return method
    return auth_required(method)
