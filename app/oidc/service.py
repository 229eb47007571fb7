"""The sign-in flow: start (state, nonce, PKCE kept server-side), callback checks, and who the person is here.

The browser holds one opaque cookie; each authorization request is stored under the hashes of its `state`
and of that cookie, so a callback is accepted once, within OIDC_STATE_SECONDS, and only from the browser
that started it. What the callback hands back (a login code, a link code) is bound by PKCE to the client
app that started the flow, and a link code to the account that asked for the link as well.
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
from app.accounts import normalise_email, reauthenticate
from app.errors import BadRequest, Conflict, Forbidden, NotFound, ServiceUnavailable, Unauthorized
from app.models import User, utcnow
from app.oidc import client, codes
from app.oidc.models import Identity, OidcState
from app.oidc.providers import Provider, get_provider
from app.one_time import CODE_CHALLENGE, digest, is_live, verifier_matches
from app.text import trim

log = logging.getLogger(__name__)

COOKIE_NAME = "oidc_browser"
COOKIE_VALUE = re.compile(r"^[A-Za-z0-9_-]{43}$")
PROVIDER_ERROR = re.compile(r"^[a-z_]{1,64}$")
RETRY_AFTER = {"Retry-After": "5"}
STATE_FAILED = "The sign-in could not be verified (its state is missing, used, expired or from another browser)"


VERIFY_FIRST = (
    "Verify your e-mail address first: a provider can be linked only to an account whose address is proven "
    "(follow the link we mailed you, or ask for a new one with POST /api/v1/me/verification-email)"
)


@dataclass(frozen=True)
class Outcome:
    """How a callback ended: a login code for the client app, or a link code for the account that asked."""

    return_to: str | None
    login_code: str | None = None
    link_code: str | None = None


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


def check_challenge(code_challenge: str | None, method: str | None) -> str:
    """The client's PKCE challenge; 400 unless it is an S256 challenge (43 base64url characters)."""
    if method is not None and method != "S256":
        raise BadRequest(
            "Only the S256 code challenge method is accepted",
            errors=[{"field": "codeChallengeMethod", "message": "must be S256"}],
        )
    if not code_challenge or not CODE_CHALLENGE.match(code_challenge):
        raise BadRequest(
            "codeChallenge is missing or malformed",
            errors=[
                {
                    "field": "codeChallenge",
                    "message": "must be the base64url SHA-256 (43 characters, no padding) of a 43-128 character "
                    "code verifier",
                }
            ],
        )
    return code_challenge


def browser_value(cookie: str | None) -> str:
    """The browser's opaque cookie value: kept when well-formed, so two tabs can sign in at once; else new."""
    return cookie if cookie and COOKIE_VALUE.match(cookie) else secrets.token_urlsafe(32)


def start(
    provider: Provider,
    return_to: str | None,
    cookie: str | None,
    link_ticket: str | None,
    code_challenge: str | None,
    challenge_method: str | None = None,
) -> tuple[str, str]:
    """The provider's authorization URL and the browser cookie value; 400/401/503 before anything is stored.

    `code_challenge` is the client app's PKCE challenge for the code this flow ends with; for a link it must
    be the one given when the link was asked for (the ticket keeps it).
    """
    check_return_to(return_to)
    code_challenge = check_challenge(code_challenge, challenge_method)
    link_user = None
    if link_ticket is not None:
        ticket = codes.spend_link_ticket(link_ticket, provider.name)
        if ticket is None or ticket["code_challenge"] != code_challenge:
            raise Unauthorized("The link ticket is unknown, used, expired or for another code challenge; ask again")
        link_user = User.objects(id=ticket["user"], active=True).first()
        if link_user is None:
            raise Unauthorized("The account that asked for this link is inactive or gone")
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
        client_challenge=code_challenge,
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
    return_to, challenge = stored.get("return_to"), stored["client_challenge"]
    if stored.get("link_user"):
        # Nothing is linked here: the account that asked confirms with its own token and the verifier.
        link_user = User.objects(id=stored["link_user"], active=True).first()
        if link_user is None:
            raise Unauthorized("The account that asked for this link is inactive or gone")
        identity = proven_identity(provider, claims, link_user)
        link_code = codes.issue_link_code(link_user, provider.name, challenge, identity)
        return Outcome(return_to=return_to, link_code=link_code)
    user = sign_in(provider, claims)
    return Outcome(return_to=return_to, login_code=codes.issue_login_code(user, provider.name, challenge))


def exchange_login_code(login_code: str, code_verifier: str) -> codes.SignIn:
    """The account a login code was issued for and how it signed in; 401 for an unknown, used or expired code or
    a wrong verifier."""
    signed_in = codes.spend_login_code(login_code, code_verifier)
    if signed_in is None:
        raise Unauthorized(
            "The login code is unknown, used or expired, or the code verifier does not match; sign in again"
        )
    return signed_in


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


def proven_identity(provider: Provider, claims: dict[str, Any], user: User) -> dict[str, Any]:
    """What a link code keeps of the callback's claims; 409 at once if the person is linked to another account."""
    subject = str(claims["sub"])
    existing = _find_identity(provider, subject)
    if existing is not None and existing["user"] != str(user.id):
        raise Conflict("This provider account is already linked to another account")
    email, verified = _email(claims)
    return {"subject": subject, "email": email, "email_verified": verified}


def confirm_link(user: User, provider: str, link_code: str, code_verifier: str) -> tuple[Identity, bool]:
    """Link the provider account a link code holds to `user`: the identity, and whether it is new.

    404 for an unknown, used or expired code; 401 (the code is spent) when it was issued to another account
    or the verifier does not match; 409 when the provider account or this provider is taken.
    """
    found = get_provider(provider)
    pending = codes.spend_link_code(link_code, found.name)
    if pending is None:
        raise NotFound("No link is waiting under this code (unknown, used or expired); start the link again")
    if pending["user"] != str(user.id) or not verifier_matches(code_verifier, pending.get("code_challenge")):
        log.warning("link code for %s refused: another account or a wrong verifier", found.name)
        raise Unauthorized("This link code was issued to another sign-in; start the link again")
    if not user.email_verified:
        raise Forbidden(VERIFY_FIRST)
    return link(found, user, pending)


def link(provider: Provider, user: User, pending: dict[str, Any]) -> tuple[Identity, bool]:
    """Attach this (issuer, subject) to `user`; 409 if it belongs elsewhere or `user` has this provider."""
    subject = pending["subject"]
    existing = _find_identity(provider, subject)
    if existing is not None:
        if existing["user"] != str(user.id):
            raise Conflict("This provider account is already linked to another account")
        # Already this account's: keep the e-mail the provider just reported, as a sign-in does.
        identity = Identity.objects(id=existing["_id"]).modify(
            set__email=pending.get("email"), set__email_verified=pending.get("email_verified", False), new=True
        )
        return identity, False
    identity = Identity(
        user=user,
        provider=provider.name,
        issuer=provider.issuer,
        subject=subject,
        email=pending.get("email"),
        email_verified=pending.get("email_verified", False),
    )
    try:
        identity.save(force_insert=True)
    except NotUniqueError:
        raise Conflict(f"Your account is already linked to another {provider.name} account; unlink it first") from None
    log.info("identity linked: %s to %s", provider.name, user.id)
    events.publish(events.IDENTITY_LINKED, user=user, provider=provider.name)
    return identity, True


LAST_WAY = "This is the only way to sign in to your account: link another provider first"


def start_link(
    user: User,
    provider: str,
    password: str | None,
    code_challenge: str,
    return_to: str | None,
    *,
    code: str | None = None,
) -> str:
    """The provider's login URL that links the account it returns to `user`'s (a one-time ticket in the query).

    Only for a verified address (an account signed up with someone else's address must not gain a way in
    that survives the owner's recovery), and only after re-authentication (a stolen token is not enough).
    """
    found = get_provider(provider)
    check_return_to(return_to)
    if not user.email_verified:
        raise Forbidden(VERIFY_FIRST)
    reauthenticate(user, password, code)
    ticket = codes.issue_link_ticket(user, found.name, code_challenge)
    query = {"linkTicket": ticket, "codeChallenge": code_challenge, **({"returnTo": return_to} if return_to else {})}
    return f"{found.login_url}?{urlencode(query)}"


def unlink(user: User, provider: str, password: str | None, *, code: str | None = None) -> None:
    """Remove the provider's identity from `user` after re-authentication; 404 when none, 409 when it is the
    last way to sign in. The owner is told."""
    reauthenticate(user, password, code)
    identity = Identity.objects(user=user.id, provider=provider).first()
    if identity is None:
        raise NotFound("No identity from this provider is linked to your account")
    if not user.password_hash and Identity.objects(user=user.id).count() <= 1:
        raise Conflict(LAST_WAY)
    identity.delete()
    # Two unlinks at once could each see the other's identity: if none is left, put this one back.
    if not user.password_hash and Identity.objects(user=user.id).count() == 0:
        identity.save(force_insert=True)
        raise Conflict(LAST_WAY)
    log.info("identity unlinked: %s from %s", provider, user.id)
    events.publish(events.IDENTITY_UNLINKED, user=user, providers=[provider], by_reset=False)


def password_changed(user: User) -> None:
    """A password change or reset voids every link ticket, link in progress and login code of the account."""
    codes.void_for(user.id)


def password_reset(user: User) -> None:
    """A reset evicts every provider identity: whoever linked theirs no longer gets in. The owner is told which."""
    providers = sorted(Identity.objects(user=user.id).distinct("provider"))
    Identity.objects(user=user.id).delete()
    if providers:
        log.info("password reset unlinked %s from %s", ", ".join(providers), user.id)
        events.publish(events.IDENTITY_UNLINKED, user=user, providers=providers, by_reset=True)
