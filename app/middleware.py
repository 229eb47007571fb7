"""What sits between the network and the views: trusted proxies, CORS and rate limits."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.utils import host_is_trusted

from app.cookies import CSRF_HEADER
from app.errors import BadRequest
from app.extensions import cors, limiter

EXPOSED_HEADERS = [
    "Location",
    "ETag",
    "Link",
    "Retry-After",
    "X-Request-ID",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
]


def init_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto only from the configured number of proxies."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def init_hosts(app: Flask) -> None:
    """Refuse requests for a Host the app is not meant to serve (when ALLOWED_HOSTS is set).

    Not Flask's TRUSTED_HOSTS: that check fails again inside flask-restful's
    error routing and escapes as a 500.
    """
    allowed = app.config["ALLOWED_HOSTS"]
    if not allowed:
        return

    @app.before_request
    def check_host() -> None:
        if not host_is_trusted(request.host, allowed):
            raise BadRequest("The Host header names a host this API does not serve")


def init_cors(app: Flask) -> None:
    """CORS stays off unless CORS_ORIGINS lists the origins allowed to call the API.

    Listed origins may send credentials (the refresh cookie, with `credentials: 'include'`); a `*` turns that
    off for all, since flask-cors would otherwise echo any origin back with credentials allowed.
    """
    origins = app.config["CORS_ORIGINS"]
    if origins:
        cors.init_app(
            app,
            resources={r"/api/*": {"origins": origins}},
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "X-Request-ID",
                CSRF_HEADER,
            ],
            expose_headers=EXPOSED_HEADERS,
            supports_credentials="*" not in origins,
            max_age=600,
        )


def settle_retry_after(response: Response) -> Response:
    """Flask-Limiter sets Retry-After on every response from its window.

    It belongs only on a 429 from the limiter itself; a 503 or a login lock-out carries its own value.
    """
    owned = getattr(response, "own_retry_after", None)
    if owned is not None:
        response.headers["Retry-After"] = owned
    elif response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response


def init_throttling(app: Flask) -> None:
    """Bind the limiter; its storage comes from RATELIMIT_STORAGE_URI."""
    # after_request hooks run in reverse order: registered first, this runs after the limiter's.
    app.after_request(settle_retry_after)
    limiter.init_app(app)
