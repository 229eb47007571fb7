"""Signing up, logging in, refreshing and logging out."""

from __future__ import annotations

import uuid

from flask import url_for
from flask_jwt_extended import current_user, get_jwt, get_jwt_request_location

from app import events
from app.accounts import authenticate, create_user, ensure_may_sign_in
from app.auth import public, refresh_required, session_required
from app.cookies import BEARER, COOKIE, clear_cookies, hand_over, sent_cookie
from app.decorators import json_required
from app.docs.auth import LOGIN, SIGNUP
from app.extensions import limiter
from app.models import mongo_to_dict
from app.sessions import revoke_session, rotate_session
from app.sign_in import sign_in
from app.throttling import ip_key, setting
from app.views.base import BaseResource, make_api

blueprint, api = make_api("auth", __name__)

# Guessing passwords or minting accounts is throttled per address, tighter than the default.
auth_limited = limiter.limit(setting("RATELIMIT_AUTH"), key_func=ip_key)


class Signup(BaseResource):
    decorators = [auth_limited]

    @public
    @json_required(schema=SIGNUP)
    def post(self, body: dict):
        """Create an account."""
        user = create_user(body["email"], body["password"], body["displayName"])
        events.publish(events.SIGNED_UP, user=user)
        return mongo_to_dict(user), 201, {"Location": url_for("me.me")}


class Login(BaseResource):
    decorators = [auth_limited]

    @public
    @json_required(schema=LOGIN)
    def post(self, body: dict):
        """Log in and get a token pair (or, for a browser, an access token and a refresh cookie)."""
        user = authenticate(body["email"], body["password"])
        ensure_may_sign_in(user)
        return sign_in(user, method="password", transport=body.get("tokenTransport", BEARER)), 200


class Refresh(BaseResource):
    decorators = [auth_limited]

    @refresh_required
    def post(self):
        """Swap a refresh token for a new token pair, handed over the way the old one came."""
        transport = COOKIE if get_jwt_request_location() == "cookies" else BEARER
        return hand_over(rotate_session(current_user, get_jwt()), transport), 200


class Logout(BaseResource):
    @session_required
    def post(self):
        """Log out this session."""
        revoke_session(uuid.UUID(get_jwt()["sid"]))
        if sent_cookie():
            clear_cookies()
        return self.no_content()


api.add_resource(Signup, "/auth/signup")
api.add_resource(Login, "/auth/login")
api.add_resource(Refresh, "/auth/refresh")
api.add_resource(Logout, "/auth/logout")
