"""The sign-in flow: start (state, nonce, PKCE kept server-side), callback checks, and who the person is here.

The browser holds one opaque cookie; each authorization request is stored under the hashes of its `state`
and of that cookie, so a callback is accepted once, within OIDC_STATE_SECONDS, and only from the browser
that started it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from flask import current_app
from mongoengine import NotUniqueError

from app import events
from app.accounts import normalise_email
from app.errors import BadRequest, Conflict, Forbidden, NotFound, ServiceUnavailable, Unauthorized
from app.models import User, utcnow
from app.oidc import client
from app.oidc.codes import issue_link_ticket, issue_login_code, spend_link_ticket
from app.oidc.models import Identity, OidcState
from app.oidc.providers import Provider, get_provider
from app.one_time import digest, is_live
from app.text import trim

log = logging.getLogger(__name__)

COOKIE_NAME = "oidc_browser"
COOKIE_VALUE = re.compile(r"^[A-Za-z0-9_-]{43}$")
PROVIDER_ERROR = re.compile(r"^[a-z_]{1,64}$")
RETRY_AFTER = {"Retry-After": "5"}
STATE_FAILED = "The sign-in could not be verified (its state is missing, used, expired or from another browser)"


@dataclass(frozen=True)
class Outcome:
    """How a callback ended: a login code for the client app, or a provider linked to a signed-in account."""

    return_to: str | None
    login_code: str | None = None
    linked: str | None = None


def unavailable() -> ServiceUnavailable:
    """503: the provider is down, slow or broken; nothing was redirected there."""
    return ServiceUnavailable("The sign-in provider is unavailable; try again shortly", headers=RETRY_AFTER)


def check_return_to(return_to: str | None) -> None:
    """400 unless `return_to` is absent or exactly one of OIDC_RETURN_URLS."""
    if return_to is not None and return_to not in current_app.config["OIDC_RETURN_URLS"]:
        raise BadRequest(
            "returnTo is not one of the allowed return URLs",
            errors=[{"field": "returnTo", "message": "must be exactly one of the configured return URLs"}],
        )


def browser_value(cookie: str | None) -> str:
    """The browser's opaque cookie value: kept when well-formed, so two tabs can sign in at once; else new."""
    return cookie if cookie and COOKIE_VALUE.match(cookie) else secrets.token_urlsafe(32)


def start(provider: Provider, return_to: str | None, cookie: str | None, link_ticket: str | None) -> tuple[str, str]:
    """The provider's authorization URL and the browser cookie value; 400/401/503 before anything is stored."""
    check_return_to(return_to)
    link_user = None
    if link_ticket is not None:
        link_user = spend_link_ticket(link_ticket, provider.name)
        if link_user is None:
            raise Unauthorized("The link ticket is unknown, used or expired; ask for a new one")
    try:
        metadata = client.discover(provider)
    except client.ProviderUnavailable:
        raise unavailable() from None
    browser, state = browser_value(cookie), secrets.token_urlsafe(32)
    nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    OidcState(
        provider=provider.name,
        state_hash=digest(state),
        browser_hash=digest(browser),
        nonce=nonce,
        code_verifier=verifier,
        return_to=return_to,
        link_user=link_user,
        expires_at=utcnow() + timedelta(seconds=current_app.config["OIDC_STATE_SECONDS"]),
    ).save(force_insert=True)
    # Linking asks the person to sign in at the provider again: a link started by someone else's ticket
    # cannot complete silently on the strength of an existing provider session.
    prompt = "login" if link_user is not None else None
    url = client.authorization_url(provider, metadata, state=state, nonce=nonce, code_verifier=verifier, prompt=prompt)
    return url, browser


def spend_state(provider: Provider, state: str | None, cookie: str | None) -> dict[str, Any]:
    """The stored request for this state, from this browser, for this provider: removed, so it works once."""
    if not state or not cookie or len(state) > 512 or not COOKIE_VALUE.match(cookie):
        raise Unauthorized(STATE_FAILED)
    raw = OidcState.collection().find_one_and_delete(
        {"state_hash": digest(state), "browser_hash": digest(cookie), "provider": provider.name}
    )
    if raw is None or not is_live(raw):
        raise Unauthorized(STATE_FAILED)
    return raw


def finish(provider: Provider, args: dict[str, str], cookie: str | None) -> Outcome:
    """Check the callback, exchange the code, and find (or create, or link) the account."""
    error = args.get("error")
    if error is not None:
        with contextlib.suppress(Unauthorized):  # spend the request, so its state cannot be used again
            spend_state(provider, args.get("state"), cookie)
        reason = error if PROVIDER_ERROR.match(error) else "an error"
        raise Unauthorized(f"The sign-in provider answered {reason}; the sign-in did not complete")
    stored = spend_state(provider, args.get("state"), cookie)
    if "iss" in args and args["iss"] != provider.issuer:
        # RFC 9207: an answer naming another issuer may come from a mix-up attack.
        raise Unauthorized("The answer names another issuer than this provider")
    code = args.get("code")
    if not code or len(code) > 2048:
        raise Unauthorized("The provider's answer carries no authorization code")
    try:
        metadata = client.discover(provider)
        if "iss" not in args and metadata.get("authorization_response_iss_parameter_supported"):
            raise Unauthorized("The answer lacks the issuer this provider always sends")
        claims = client.verify_callback(
            provider, metadata, code=code, code_verifier=stored["code_verifier"], nonce=stored["nonce"]
        )
    except client.ProviderUnavailable:
        raise unavailable() from None
    except client.ProviderRejected as rejected:
        log.info("OIDC sign-in with %s rejected: %s", provider.name, rejected)
        raise Unauthorized("The sign-in provider's answer did not check out; sign in again") from None
    return_to = stored.get("return_to")
    if stored.get("link_user"):
        link(provider, claims, stored["link_user"])
        return Outcome(return_to=return_to, linked=provider.name)
    user = sign_in(provider, claims)
    return Outcome(return_to=return_to, login_code=issue_login_code(user, provider.name))


def _email(claims: dict[str, Any]) -> tuple[str | None, bool]:
    """The e-mail the provider reports, lower-case, and whether it says it verified it (only a real true counts)."""
    email = claims.get("email")
    if not isinstance(email, str) or not trim(email):
        return None, False
    return trim(email).lower(), claims.get("email_verified") is True


def _find_identity(provider: Provider, subject: str) -> dict[str, Any] | None:
    """The stored identity for (issuer, subject), raw: its `user` is the account id, never dereferenced."""
    return Identity.collection().find_one({"issuer": provider.issuer, "subject": subject})


def _remember(identity: dict[str, Any], claims: dict[str, Any]) -> None:
    """Keep the provider's latest e-mail for display, and stamp the sign-in."""
    email, verified = _email(claims)
    Identity.objects(id=identity["_id"]).update_one(set__email=email, set__email_verified=verified)


def sign_in(provider: Provider, claims: dict[str, Any]) -> User:
    """The account behind this (issuer, subject); a new one only for a verified e-mail nobody has."""
    identity = _find_identity(provider, str(claims["sub"]))
    if identity is not None:
        user = User.objects(id=identity["user"], active=True).first()
        if user is None:
            raise Unauthorized("The account behind this sign-in is inactive")
        _remember(identity, claims)
        return user
    email, verified = _email(claims)
    if email is None or not verified:
        raise Forbidden(
            "The provider has not verified this person's e-mail, so no account is created from it; "
            "sign up with a password, then link the provider from your account"
        )
    if User.objects(email=email).first() is not None:
        raise Conflict(_already_registered())
    return _create_account(provider, claims, email)


def _already_registered() -> str:
    return (
        "An account with this e-mail already exists and is never linked automatically: "
        "sign in with your password, then link this provider from your account"
    )


def _create_account(provider: Provider, claims: dict[str, Any], email: str) -> User:
    """A password-less account and its first identity."""
    try:
        email = normalise_email(email)
    except BadRequest:
        raise Forbidden("The provider's e-mail address is not one this API can store") from None
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    display_name = (trim(name) or email.split("@", 1)[0])[:100]
    user = User(email=email, display_name=display_name, email_verified=True)  # the provider verified it
    try:
        user.save(force_insert=True)
    except NotUniqueError:  # the unique index decides between two concurrent first sign-ins
        raise Conflict(_already_registered()) from None
    try:
        Identity(
            user=user,
            provider=provider.name,
            issuer=provider.issuer,
            subject=str(claims["sub"]),
            email=email,
            email_verified=True,
        ).save(force_insert=True)
    except NotUniqueError:
        user.delete()
        raise Conflict("This person signed in twice at once; sign in again") from None
    log.info("account created through %s: %s", provider.name, user.id)
    return user


def link(provider: Provider, claims: dict[str, Any], user_id: Any) -> None:
    """Attach this (issuer, subject) to the signed-in account that asked; 409 if it belongs elsewhere."""
    user = User.objects(id=user_id, active=True).first()
    if user is None:
        raise Unauthorized("The account that asked for this link is inactive or gone")
    subject = str(claims["sub"])
    existing = _find_identity(provider, subject)
    if existing is not None:
        if existing["user"] != str(user.id):
            raise Conflict("This provider account is already linked to another account")
        _remember(existing, claims)
        return
    email, verified = _email(claims)
    try:
        Identity(
            user=user,
            provider=provider.name,
            issuer=provider.issuer,
            subject=subject,
            email=email,
            email_verified=verified,
        ).save(force_insert=True)
    except NotUniqueError:
        raise Conflict(f"Your account is already linked to another {provider.name} account; unlink it first") from None
    log.info("identity linked: %s to %s", provider.name, user.id)
    events.publish(events.IDENTITY_LINKED, user=user, provider=provider.name)


LAST_WAY = "This is the only way to sign in to your account: link another provider first"


def start_link(user: User, provider: str, return_to: str | None) -> str:
    """The provider's login URL that links the account it returns to `user`'s (a one-time ticket in the query)."""
    found = get_provider(provider)
    check_return_to(return_to)
    ticket = issue_link_ticket(user, found.name)
    query = {"linkTicket": ticket, **({"returnTo": return_to} if return_to else {})}
    return f"{found.login_url}?{urlencode(query)}"


def unlink(user: User, provider: str) -> None:
    """Remove the provider's identity from `user`; 404 when none, 409 when it is the last way to sign in."""
    identity = Identity.objects(user=user.id, provider=provider).first()
    if identity is None:
        raise NotFound("No identity from this provider is linked to your account")
    if user.password_hash:
        identity.delete()
        events.publish(events.IDENTITY_UNLINKED, user=user, providers=[provider], by_reset=False)
        return
    if Identity.objects(user=user.id).count() <= 1:
        raise Conflict(LAST_WAY)
    identity.delete()
    # Two unlinks at once could each see the other's identity: if none is left, put this one back.
    if Identity.objects(user=user.id).count() == 0:
        identity.save(force_insert=True)
        raise Conflict(LAST_WAY)
    events.publish(events.IDENTITY_UNLINKED, user=user, providers=[provider], by_reset=False)
