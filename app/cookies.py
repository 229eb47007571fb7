"""The cookie transport for browsers: the refresh token in an HttpOnly cookie, bound to a CSRF token.

A refresh token in script-readable storage is stolen by any injected script; in an HttpOnly cookie it is not.
A cookie is sent by the browser on its own, so a request that uses it must also prove it comes from our page:
the `X-CSRF-Token` header must equal the token flask-jwt-extended put inside the refresh token (double submit),
and an `Origin` header, when sent, must be the API's own or one in CORS_ORIGINS. The cookie carries only the
refresh token, to the auth paths: access tokens stay in the Authorization header, so no cookie ever
authenticates another route.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, after_this_request, current_app, request
from flask_jwt_extended import get_csrf_token, set_refresh_cookies, unset_refresh_cookies

from app.errors import Forbidden

BEARER, COOKIE = "bearer", "cookie"
TRANSPORTS = (BEARER, COOKIE)
REFRESH_COOKIE = "refresh_token"
CSRF_COOKIE = "csrf_refresh_token"
CSRF_HEADER = "X-CSRF-Token"
# Sent to refresh and logout (and the other sign-in paths under it), never to other routes.
REFRESH_COOKIE_PATH = "/api/v1/auth"


def cookie_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """flask-jwt-extended's cookie and CSRF settings: only the refresh token travels in a cookie."""
    return {
        "JWT_REFRESH_COOKIE_NAME": REFRESH_COOKIE,
        "JWT_REFRESH_COOKIE_PATH": REFRESH_COOKIE_PATH,
        "JWT_REFRESH_CSRF_COOKIE_NAME": CSRF_COOKIE,
        "JWT_REFRESH_CSRF_COOKIE_PATH": "/",  # readable by the page, wherever it is served
        "JWT_REFRESH_CSRF_HEADER_NAME": CSRF_HEADER,
        "JWT_CSRF_IN_COOKIES": True,
        "JWT_CSRF_CHECK_FORM": False,  # the header only: a form post cannot set it
        "JWT_COOKIE_CSRF_PROTECT": True,  # puts the `csrf` claim in each token, checked against the header
        "JWT_COOKIE_SAMESITE": "Strict",
        "JWT_COOKIE_SECURE": config["COOKIE_SECURE"],
        "JWT_COOKIE_DOMAIN": config["COOKIE_DOMAIN"] or None,
        "JWT_SESSION_COOKIE": False,  # persistent: a reload or a browser restart keeps the session
    }


def hand_over(pair: dict[str, Any], transport: str) -> dict[str, Any]:
    """The answer's body for a new token pair: the pair itself, or (cookie) all but the refresh token.

    With the cookie transport the refresh token is set as a cookie on this response, and the body carries
    `csrfToken` for the page to send back as `X-CSRF-Token` (it may keep it in sessionStorage).
    """
    if transport != COOKIE:
        return pair
    body = {key: value for key, value in pair.items() if key != "refreshToken"}
    refresh_token = pair["refreshToken"]
    lifetime = int(current_app.config["JWT_REFRESH_TOKEN_EXPIRES"].total_seconds())

    @after_this_request
    def set_cookies(response: Response) -> Response:
        set_refresh_cookies(response, refresh_token, max_age=lifetime)
        return response

    return {**body, "csrfToken": get_csrf_token(refresh_token)}


def clear_cookies() -> None:
    """Delete both cookies on this request's response (a browser that signed out keeps no dead token)."""

    @after_this_request
    def unset(response: Response) -> Response:
        unset_refresh_cookies(response)
        return response


def uses_cookie() -> bool:
    """A refresh or logout without an Authorization header is one made with the refresh cookie."""
    return "Authorization" not in request.headers


def sent_cookie() -> bool:
    """Whether the browser sent a refresh cookie with this request."""
    return REFRESH_COOKIE in request.cookies


def check_origin() -> None:
    """403 unless an `Origin` sent is the API's own (the scheme and host asked for) or listed in CORS_ORIGINS.

    SameSite=Strict already keeps the cookie off other sites' requests; this also refuses other origins of the
    same site (another port or subdomain not listed) and `Origin: null` (sandboxed frames, file pages).
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return  # not a browser's cross-origin request (same-origin GETs, curl, tests); the CSRF header still holds
    own = f"{request.scheme}://{request.host}".lower()
    allowed = {entry.rstrip("/").lower() for entry in current_app.config["CORS_ORIGINS"] if entry != "*"}
    if origin.rstrip("/").lower() not in {own} | allowed:
        raise Forbidden("This origin may not use the refresh cookie: list it in CORS_ORIGINS, or use bearer tokens")
