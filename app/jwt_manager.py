"""flask-jwt-extended's JWTManager, verifying each token once per request, and the request check that uses it."""

from __future__ import annotations

import json
from typing import Any

import flask_jwt_extended
from flask import current_app, g, has_request_context, request
from flask_jwt_extended import JWTManager, decode_token, get_unverified_jwt_headers
from flask_jwt_extended.config import config
from flask_jwt_extended.default_callbacks import default_decode_key_callback
from flask_jwt_extended.exceptions import NoAuthorizationError
from flask_jwt_extended.internal_utils import (
    custom_verification_for_token,
    verify_token_not_blocklisted,
    verify_token_type,
)
from flask_jwt_extended.tokens import _decode_jwt
from flask_jwt_extended.view_decorators import _decode_jwt_from_headers, _load_user
from jwt.utils import base64url_decode


class VerifyOnceJWTManager(JWTManager):
    """The library's manager; only its token decoding is shortened, and only where that changes nothing.

    Why this replaces a library path: `JWTManager._decode_jwt_from_config` decodes every token three times
    (its claims and its header unverified, for a decode-key callback, then verified), and a write's rate-limit
    key verifies it once more; together ~0.15 ms of an authenticated call, a third of the time the app spends
    above the database (bench/README.md, "What limits the app now"). This app sets no decode-key callback and
    the default ignores both unverified values, so here the token is verified once, by the library's own
    `_decode_jwt` with the library's settings, and the result is kept for the rest of the request. Every other
    case goes the library's way: a custom decode-key callback, a CSRF value, `allow_expired`, outside a request,
    and any failure (so expired tokens still carry the header and data the library attaches to the error).
    tests/views/test_tokens.py and test_throttling.py cover the behaviour unchanged.
    """

    def _decode_jwt_from_config(
        self, encoded_token: str, csrf_value: str | None = None, allow_expired: bool = False
    ) -> dict[str, Any]:
        if (
            csrf_value
            or allow_expired
            or self._decode_key_callback is not default_decode_key_callback
            or not has_request_context()
        ):
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        verified = g.setdefault("_verified_tokens", {})
        if encoded_token not in verified:
            try:
                verified[encoded_token] = _decode_jwt(
                    algorithms=config.decode_algorithms,
                    allow_expired=False,
                    audience=config.decode_audience,
                    csrf_value=None,
                    encoded_token=encoded_token,
                    identity_claim_key=config.identity_claim_key,
                    issuer=config.decode_issuer,
                    leeway=config.leeway,
                    secret=config.decode_key,
                    verify_aud=config.decode_audience is not None,
                    verify_sub=config.verify_sub,
                )
            except Exception:  # the library's own path raises the very error it always has
                return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        return dict(verified[encoded_token])

    def verified_header(self, encoded_token: str) -> dict[str, Any]:
        """The JOSE header of a token this request verified, read once (PyJWT re-checks every character of it)."""
        headers = g.setdefault("_verified_headers", {})
        if encoded_token not in headers:
            if encoded_token in g.get("_verified_tokens", {}):  # its signature holds: the header is what was signed
                headers[encoded_token] = json.loads(base64url_decode(encoded_token.split(".", 1)[0]))
            else:
                headers[encoded_token] = get_unverified_jwt_headers(encoded_token)
        return dict(headers[encoded_token])


def verify_jwt_in_request(optional: bool = False, refresh: bool = False) -> tuple[dict, dict] | None:
    """flask-jwt-extended's `verify_jwt_in_request`, for the one place this app reads tokens from.

    Why this replaces a library path: the library looks through its token locations, verifies the token and then
    decodes the header again unverified (~50 µs: PyJWT checks each of its characters), about a tenth of an
    authenticated call's time above the database (bench/README.md). With tokens read from the Authorization
    header only (app.auth sets it), this takes the same steps with the library's own functions, errors and
    callbacks (header parsing, the one verification, type, revocation, claims check, user lookup) and leaves
    the same request state for `get_jwt()` and `current_user`; the header comes from the verified token. Any other
    setup goes the library's way. tests/views/test_tokens.py and test_secure_by_default.py cover it unchanged.
    """
    if tuple(config.token_location) != ("headers",):
        return flask_jwt_extended.verify_jwt_in_request(optional=optional, refresh=refresh)
    if request.method in config.exempt_methods:
        return None
    try:
        encoded_token, _ = _decode_jwt_from_headers()
    except NoAuthorizationError:
        if not optional:
            raise
        g._jwt_extended_jwt, g._jwt_extended_jwt_header = {}, {}
        g._jwt_extended_jwt_user, g._jwt_extended_jwt_location = {"loaded_user": None}, None
        return None
    jwt_data = decode_token(encoded_token)
    jwt_header = current_app.extensions["flask-jwt-extended"].verified_header(encoded_token)
    verify_token_type(jwt_data, refresh)
    verify_token_not_blocklisted(jwt_header, jwt_data)
    custom_verification_for_token(jwt_header, jwt_data)
    # Kept only once every check and callback has passed, as the library does.
    g._jwt_extended_jwt_user = _load_user(jwt_header, jwt_data)
    g._jwt_extended_jwt_header = jwt_header
    g._jwt_extended_jwt = jwt_data
    g._jwt_extended_jwt_location = "headers"
    return jwt_header, jwt_data
