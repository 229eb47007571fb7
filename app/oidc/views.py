"""Signing in with an OpenID provider: the provider list, the login redirect, the callback, the code exchange."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import current_app, request
from werkzeug.http import dump_cookie

from app.auth import public
from app.cookies import BEARER
from app.decorators import json_required
from app.extensions import limiter
from app.oidc.docs import LOGIN_CODE_EXCHANGE
from app.oidc.providers import OIDC_PATH, all_providers, get_provider
from app.oidc.service import COOKIE_NAME, exchange_login_code, finish, start
from app.sign_in import sign_in
from app.throttling import ip_key, setting
from app.views.base import BaseResource, make_api

blueprint, api = make_api("oidc", __name__)

# The same per-address limit as /auth/login: a login code is a password that works once.
auth_limited = limiter.limit(setting("RATELIMIT_AUTH"), key_func=ip_key)


def state_cookie(value: str) -> str:
    """The opaque browser cookie: HttpOnly, SameSite=Lax (sent on the provider's top-level redirect back),
    scoped to the OIDC paths, Secure in production."""
    config = current_app.config
    return dump_cookie(
        COOKIE_NAME,
        value,
        max_age=config["OIDC_STATE_SECONDS"],
        path=OIDC_PATH,
        secure=config["OIDC_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def with_query(url: str, **params: str) -> str:
    """`url` with `params` added to its query (the allow-listed URL may already have one)."""
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit(parts._replace(query=query))


class OidcProviders(BaseResource):
    @public
    def get(self):
        """List the sign-in providers."""
        return {"items": [{"name": p.name, "loginUrl": p.login_url} for p in all_providers()]}, 200


class OidcLogin(BaseResource):
    @public
    def get(self, provider: str):
        """Start signing in with a provider."""
        found = get_provider(provider)
        args = request.args
        url, browser = start(
            found,
            args.get("returnTo"),
            request.cookies.get(COOKIE_NAME),
            args.get("linkTicket"),
            args.get("codeChallenge"),
            args.get("codeChallengeMethod"),
        )
        return None, 302, {"Location": url, "Set-Cookie": state_cookie(browser)}


class OidcCallback(BaseResource):
    @public
    def get(self, provider: str):
        """Finish signing in with a provider."""
        outcome = finish(get_provider(provider), request.args.to_dict(), request.cookies.get(COOKIE_NAME))
        if outcome.link_code is not None:
            if outcome.return_to:
                return None, 302, {"Location": with_query(outcome.return_to, linkCode=outcome.link_code)}
            return {"linkCode": outcome.link_code}, 200
        if outcome.return_to:
            return None, 302, {"Location": with_query(outcome.return_to, loginCode=outcome.login_code)}
        return {"loginCode": outcome.login_code}, 200


class OidcToken(BaseResource):
    decorators = [auth_limited]

    @public
    @json_required(schema=LOGIN_CODE_EXCHANGE)
    def post(self, body: dict):
        """Swap a login code and its PKCE verifier for a token pair (or a browser's access token and cookie)."""
        signed_in = exchange_login_code(body["loginCode"], body["codeVerifier"])
        return sign_in(signed_in.user, method=signed_in.method, transport=body.get("tokenTransport", BEARER)), 200


api.add_resource(OidcProviders, "/auth/oidc/providers")
api.add_resource(OidcToken, "/auth/oidc/token")
api.add_resource(OidcLogin, "/auth/oidc/<provider>/login")
api.add_resource(OidcCallback, "/auth/oidc/<provider>/callback")
