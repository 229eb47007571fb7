"""Verifying an account's e-mail address: follow the mailed link, or ask for a new one."""

from __future__ import annotations

from flask_jwt_extended import current_user

from app.auth import auth_required, public
from app.decorators import json_required
from app.errors import Conflict
from app.extensions import limiter
from app.mail import outbox, service
from app.mail.verification_docs import TOKEN_BODY, VERIFICATION_SENT
from app.throttling import client_key, setting
from app.views.auth import auth_limited
from app.views.base import BaseResource, make_api

blueprint, api = make_api("email_verification", __name__)

# Per signed-in user: applied under `auth_required`, so a request without a valid token is a 401 and never
# spends a user's budget (client_key counts writes against the token's user). The route's default limit
# applies too, on every request alike (override_defaults=False: a limit on a method is known to Flask-Limiter
# only once it has run, so overriding would leave the route's first request counted differently).
mail_per_user = limiter.limit(setting("RATELIMIT_MAIL_PER_EMAIL"), key_func=client_key, override_defaults=False)


class EmailVerification(BaseResource):
    decorators = [auth_limited]

    @public
    @json_required(schema=TOKEN_BODY)
    def post(self, body: dict):
        """Verify my e-mail address with the token from the link."""
        service.verify_email(body["token"])
        return self.no_content()


class VerificationEmail(BaseResource):
    @auth_required
    @mail_per_user
    def post(self):
        """Send me a new verification link."""
        if current_user.email_verified:
            raise Conflict("Your e-mail address is already verified")
        outbox.queue_message("verify_email", user_id=str(current_user.id))
        return VERIFICATION_SENT, 202


api.add_resource(EmailVerification, "/auth/verify-email")
api.add_resource(VerificationEmail, "/me/verification-email")
