"""flask-jwt-extended's JWTManager, verifying each token once per request."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from flask_jwt_extended import JWTManager
from flask_jwt_extended.config import config
from flask_jwt_extended.default_callbacks import default_decode_key_callback
from flask_jwt_extended.tokens import _decode_jwt


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
