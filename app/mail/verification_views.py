"""Verifying an account's e-mail address: follow the mailed link, or ask for a new one."""

from __future__ import annotations

from flask_jwt_extended import current_user

from app.auth import public
from app.decorators import json_required
from app.errors import Conflict
from app.extensions import limiter
from app.mail import outbox, service
from app.mail.verification_docs import TOKEN_BODY, VERIFICATION_SENT
from app.throttling import client_key, setting
from app.views.auth import auth_limited
from app.views.base import BaseResource, make_api

blueprint, api = make_api("email_verification", __name__)


class EmailVerification(BaseResource):
    decorators = [auth_limited]

    @public
    @json_required(schema=TOKEN_BODY)
    def post(self, body: dict):
        """Verify my e-mail address with the token from the link."""
        service.verify_email(body["token"])
        return self.no_content()


class VerificationEmail(BaseResource):
    # Per signed-in user (client_key: writes count against the user behind the token).
    decorators = [limiter.limit(setting("RATELIMIT_MAIL_PER_EMAIL"), key_func=client_key)]

    def post(self):
        """Send me a new verification link."""
        if current_user.email_verified:
            raise Conflict("Your e-mail address is already verified")
        outbox.queue_message("verify_email", user_id=str(current_user.id))
        return VERIFICATION_SENT, 202


api.add_resource(EmailVerification, "/auth/verify-email")
api.add_resource(VerificationEmail, "/me/verification-email")
