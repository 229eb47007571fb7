"""Resetting a forgotten password: ask for a link by e-mail, then set a new password with its token."""

from __future__ import annotations

import hashlib
import json

from flask import request

from app.accounts import normalise_email
from app.auth import public
from app.decorators import json_required
from app.errors import BadRequest
from app.extensions import limiter
from app.mail import outbox, service
from app.mail.reset_docs import PASSWORD_RESET_CONFIRM, PASSWORD_RESET_REQUEST, RESET_ACCEPTED
from app.text import trim
from app.throttling import ip_key, setting
from app.views.auth import auth_limited
from app.views.base import BaseResource, make_api

blueprint, api = make_api("password_reset", __name__)

# Only small declared bodies are read for the key: the view reads the body again, and must find it whole.
MAX_KEYED_BODY = 4096


def email_key() -> str:
    """The address a reset is asked for (normalised and hashed), whether or not an account uses it."""
    if request.content_length is None or request.content_length > MAX_KEYED_BODY:
        return ip_key()
    try:
        email = json.loads(request.get_data(cache=True)).get("email")
    except (ValueError, AttributeError):
        return ip_key()
    if not isinstance(email, str):
        return ip_key()
    return "email:" + hashlib.sha256(trim(email).lower().encode("utf-8", "replace")).hexdigest()


class PasswordReset(BaseResource):
    decorators = [
        limiter.limit(setting("RATELIMIT_MAIL_PER_EMAIL"), key_func=email_key),
        limiter.limit(setting("RATELIMIT_MAIL_PER_ADDRESS"), key_func=ip_key),
    ]

    @public
    @json_required(schema=PASSWORD_RESET_REQUEST)
    def post(self, body: dict):
        """Mail a password-reset link, if an account uses the address (the answer is the same either way)."""
        try:
            email = normalise_email(body["email"])
        except BadRequest:
            email = trim(body["email"]).lower()  # no account can have it; still the same work and answer
        # The same work for every address: queue a job; the worker looks the address up, not this request.
        outbox.send_password_reset(email)
        return RESET_ACCEPTED, 202


class PasswordResetConfirm(BaseResource):
    decorators = [auth_limited]

    @public
    @json_required(schema=PASSWORD_RESET_CONFIRM)
    def post(self, body: dict):
        """Set a new password with the token from the link."""
        service.reset_password(body["token"], body["newPassword"])
        return self.no_content()


api.add_resource(PasswordReset, "/auth/password-reset")
api.add_resource(PasswordResetConfirm, "/auth/password-reset/confirm")
