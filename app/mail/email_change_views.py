"""Changing an account's e-mail address: ask with the password (or a fresh sign-in), confirm from the new mailbox."""

from __future__ import annotations

from flask_jwt_extended import current_user

from app.accounts import normalise_email, reauthenticate
from app.auth import auth_required, public
from app.decorators import json_required
from app.errors import BadRequest
from app.mail import outbox, service
from app.mail.email_change_docs import CHANGE_ACCEPTED, EMAIL_CHANGE
from app.mail.verification_docs import TOKEN_BODY
from app.mail.verification_views import mail_per_user
from app.views.auth import auth_limited
from app.views.base import BaseResource, make_api

blueprint, api = make_api("email_change", __name__)


class MyEmail(BaseResource):
    @auth_required
    @mail_per_user
    @json_required(schema=EMAIL_CHANGE)
    def put(self, body: dict):
        """Ask to move my account to another e-mail address."""
        reauthenticate(current_user, body.get("password"), body.get("code"))
        new_email = normalise_email(body["email"])
        if new_email == current_user.email:
            message = "is already your address"
            raise BadRequest(f"email {message}", errors=[{"field": "email", "message": message}])
        # Whether another account uses the new address is not checked here (that would tell); confirming does.
        outbox.send_email_change(current_user, new_email)
        return CHANGE_ACCEPTED, 202


class EmailConfirmation(BaseResource):
    decorators = [auth_limited]

    @public
    @json_required(schema=TOKEN_BODY)
    def post(self, body: dict):
        """Confirm a new e-mail address with the token from the link."""
        service.confirm_email_change(body["token"])
        return self.no_content()


api.add_resource(MyEmail, "/me/email")
api.add_resource(EmailConfirmation, "/auth/confirm-email")
