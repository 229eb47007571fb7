"""The request's access token, checked once per request and remembered for the rest of it.

Two parts of a request ask whether it carries a valid access token: the rate limiter (a write counts against
the user only then) and `auth_required`. Both get the answer of one call to flask-jwt-extended's own
`verify_jwt_in_request` (signature, expiry, token type, the session's revocation, the user lookup), so the
session and user are read from the database once.
"""

from __future__ import annotations

from flask import g
from flask_jwt_extended import verify_jwt_in_request


def access_error() -> Exception | None:
    """None when the request carries a valid access token of a live session and active user, else why not.

    The error is the one the library raised (no token, a bad or expired one, a refresh token, a revoked
    session, a database that cannot be reached): `auth_required` raises it, the rate limiter only needs to
    know there was one. On success the library has stored the token for `get_jwt()` and `current_user`.
    """
    if "access_error" not in g:
        try:
            verify_jwt_in_request(locations=["headers"])  # never a cookie: it would ride along on forged requests
        except Exception as error:  # every failure is remembered and raised by `auth_required`, not here
            g.access_error = error
        else:
            g.access_error = None
    return g.access_error
