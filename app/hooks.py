"""Per-request hooks: the request id, the security headers every response carries, no cookie sessions."""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, current_app, g, request
from flask.sessions import SessionInterface, SessionMixin

from app.errors import NotAcceptable

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

API_CSP = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI runs its bundled scripts and styles from this origin; nothing inline, nothing remote.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def assign_request_id() -> None:
    """Keep a well-formed incoming X-Request-ID, otherwise make one."""
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID.match(incoming) else str(uuid.uuid4())


JSON_TYPES = ("application/json", "application/problem+json")


def require_json_accept() -> None:
    """Refuse (406) an `Accept` header that admits no JSON type; no header means anything goes."""
    if not request.headers.get("Accept", "").strip() or is_docs_path(request.path):
        return
    if request.accept_mimetypes.best_match(JSON_TYPES) is None:
        raise NotAcceptable("This API answers with JSON only; send an Accept header that allows application/json")


def is_docs_path(path: str) -> bool:
    """The Swagger UI page and its assets, which need a wider CSP than the API."""
    return path.startswith(("/apidocs", "/flasgger_static", "/static/"))


def set_security_headers(response: Response) -> Response:
    """Headers for every response, errors included."""
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if is_docs_path(request.path):
        headers["Content-Security-Policy"] = DOCS_CSP
    else:
        headers["Content-Security-Policy"] = API_CSP
        headers.setdefault("Cache-Control", "no-store")  # a view may allow revalidation instead
    if request.is_secure or current_app.config.get("HSTS_ALWAYS"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    headers.pop("X-Powered-By", None)
    if g.get("request_id"):
        headers["X-Request-ID"] = g.request_id
    return response


BODILESS = (204, 304)


def drop_bodiless_content_type(response: Response) -> Response:
    """No Content-Type on a 204 or 304: there is no content to type.

    flask-restful labels every answer `application/json`, 204s included, and a typed client that sees that label
    tries to parse the empty body. werkzeug already strips it from 304s; Flask's and ours are all covered here.
    """
    if response.status_code in BODILESS:
        response.headers.pop("Content-Type", None)
    return response


class NoCookieSessions(SessionInterface):
    """No Flask cookie session: the API authenticates with tokens, and the OIDC paths keep their own cookie.

    Flask's default interface builds a signing serializer and parses cookies on every request (~50 µs, measured
    by the benchmark) for a session nothing here reads; `flask.session` is a null session that refuses writes.
    """

    def open_session(self, app: Flask, request: object) -> SessionMixin:
        return self.make_null_session(app)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None


def register_hooks(app: Flask) -> None:
    """Bind the hooks to `app`."""
    app.session_interface = NoCookieSessions()
    app.before_request(assign_request_id)
    app.before_request(require_json_accept)
    app.after_request(set_security_headers)
    app.after_request(drop_bodiless_content_type)
