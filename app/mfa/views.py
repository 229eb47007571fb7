"""The second factor's nouns: my TOTP factor, my recovery codes, and the sign-in's second step."""

from __future__ import annotations

from flask_jwt_extended import get_current_user

from app.auth import public
from app.decorators import json_required
from app.extensions import limiter
from app.mfa import service
from app.mfa.docs import CONFIRM, ENROL, MFA_LOGIN, REAUTHENTICATED
from app.throttling import ip_key, setting
from app.views.auth import auth_limited
from app.views.base import BaseResource, make_api

blueprint, api = make_api("mfa", __name__)


class MyTotp(BaseResource):
    # Each write checks a password or a code: throttled as guesses are at login. Reading the state guesses nothing.
    decorators = [limiter.limit(setting("RATELIMIT_AUTH"), key_func=ip_key, methods=["POST", "DELETE"])]

    def get(self):
        """Whether my second factor is off, pending or on."""
        return service.status(get_current_user()), 200

    @json_required(schema=ENROL)
    def post(self, body: dict):
        """Start turning on a second factor (TOTP)."""
        return service.enrol(get_current_user(), body.get("password")), 201

    @json_required(schema=REAUTHENTICATED)
    def delete(self, body: dict):
        """Turn the second factor off."""
        service.disable(get_current_user(), body.get("password"), body.get("code"))
        return self.no_content()


class MyTotpConfirmation(BaseResource):
    decorators = [auth_limited]

    @json_required(schema=CONFIRM)
    def post(self, body: dict):
        """Turn the second factor on with a first code."""
        return {"recoveryCodes": service.confirm(get_current_user(), body["code"])}, 200


class MyRecoveryCodes(BaseResource):
    decorators = [auth_limited]

    @json_required(schema=REAUTHENTICATED)
    def post(self, body: dict):
        """Replace my recovery codes."""
        user = get_current_user()
        return {"recoveryCodes": service.regenerate_recovery_codes(user, body.get("password"), body.get("code"))}, 200


class MfaLogin(BaseResource):
    decorators = [auth_limited]

    @public
    @json_required(schema=MFA_LOGIN)
    def post(self, body: dict):
        """Finish signing in with a second-factor code."""
        return service.complete(body["mfaToken"], body["code"], body.get("tokenTransport")), 200


api.add_resource(MyTotp, "/me/mfa/totp")
api.add_resource(MyTotpConfirmation, "/me/mfa/totp/confirm")
api.add_resource(MyRecoveryCodes, "/me/mfa/recovery-codes")
api.add_resource(MfaLogin, "/auth/login/mfa")
