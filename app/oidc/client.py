"""The seam to Authlib: discovery, the authorization URL (PKCE S256, nonce), the code exchange, ID token and UserInfo.

Only this module imports Authlib, requests or joserfc. Everything a provider can do wrong ends in one of two
exceptions: `ProviderUnavailable` (down, slow, broken: 503) or `ProviderRejected` (it said no, or its answer
does not check out: 401). Authlib's Flask client is used without `authorize_redirect`/`authorize_access_token`,
which keep state in Flask's cookie session: here the state lives server-side (`app.oidc.service`).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from flask import current_app

from app.oidc.providers import Provider

if TYPE_CHECKING:
    from authlib.integrations.flask_client import FlaskOAuth2App

# Authlib, joserfc and requests (about 40 MiB of a worker's memory) are imported on the first sign-in, not when
# the app starts: a worker that never serves one never loads them.

log = logging.getLogger(__name__)

REQUIRED_METADATA = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")


class ProviderUnavailable(Exception):
    """The provider could not be reached, was too slow, or answered with something unusable."""


class ProviderRejected(Exception):
    """The provider refused, or its answer failed a check (signature, issuer, audience, expiry, nonce, subject)."""


def _client(provider: Provider, metadata: dict[str, Any] | None = None) -> FlaskOAuth2App:
    """An Authlib client for one request; HTTP calls time out after OIDC_HTTP_TIMEOUT seconds."""
    from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App

    options: dict[str, Any] = dict(metadata or {})
    if metadata is None:
        options["server_metadata_url"] = f"{provider.issuer}/.well-known/openid-configuration"
    return FlaskOAuth2App(
        FlaskIntegration(provider.name),
        name=provider.name,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        client_kwargs={
            "scope": provider.scope,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "default_timeout": current_app.config["OIDC_HTTP_TIMEOUT"],
        },
        **options,
    )


def discover(provider: Provider) -> dict[str, Any]:
    """The provider's discovery document, reused for OIDC_DISCOVERY_CACHE_SECONDS at most.

    Each sign-in asks for it, so a provider that has gone down is noticed before a browser is sent there.
    """
    import requests

    # Per app, so two apps in one process (tests) never share a provider's document.
    cache = current_app.extensions.setdefault("oidc_discovery", {})
    cached = cache.get(provider.issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        metadata = dict(_client(provider).load_server_metadata())
    except (requests.RequestException, ValueError) as error:
        log.warning("OIDC provider %s unreachable: %s", provider.name, type(error).__name__)
        raise ProviderUnavailable from error
    missing = [key for key in REQUIRED_METADATA if not metadata.get(key)]
    if missing or metadata["issuer"] != provider.issuer:
        # OpenID Connect Discovery 4.3: the document must name exactly the issuer it was fetched for.
        log.error(
            "OIDC provider %s: discovery document unusable (missing %s or issuer mismatch)", provider.name, missing
        )
        raise ProviderUnavailable
    metadata.pop("_loaded_at", None)
    cache[provider.issuer] = (time.monotonic() + current_app.config["OIDC_DISCOVERY_CACHE_SECONDS"], metadata)
    return metadata


def authorization_url(
    provider: Provider, metadata: dict[str, Any], *, state: str, nonce: str, code_verifier: str, prompt: str | None
) -> str:
    """The authorization request: response_type=code, the fixed redirect URI and scope, state, nonce, PKCE S256."""
    extra = {"prompt": prompt} if prompt else {}
    result = _client(provider, metadata).create_authorization_url(
        provider.callback_url, state=state, nonce=nonce, code_verifier=code_verifier, **extra
    )
    return result["url"]


def verify_callback(
    provider: Provider, metadata: dict[str, Any], *, code: str, code_verifier: str, nonce: str
) -> dict[str, Any]:
    """Exchange the code (with the PKCE verifier), check the ID token, and read UserInfo: the person's claims.

    The ID token's signature (JWKS), `iss`, `aud`, `exp`, `iat` and `nonce` are checked by Authlib; UserInfo
    must name the same subject (OpenID Connect Core 5.3.2), or it may describe someone else.
    """
    import requests
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError

    client = _client(provider, metadata)
    try:
        token = client.fetch_access_token(provider.callback_url, code=code, code_verifier=code_verifier)
        if "id_token" not in token:
            raise ProviderRejected("the token response has no ID token")
        claims = dict(client.parse_id_token(token, nonce, claims_options={"iss": {"values": [provider.issuer]}}))
        info = dict(client.userinfo(token=token))
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else 503
        if status >= 500 or status == 429:
            log.warning("OIDC provider %s answered %s", provider.name, status)
            raise ProviderUnavailable from error
        raise ProviderRejected(f"the provider answered {status}") from error
    except (requests.RequestException, ValueError) as error:
        log.warning("OIDC provider %s unreachable: %s", provider.name, type(error).__name__)
        raise ProviderUnavailable from error
    except (AuthlibBaseError, JoseError) as error:
        raise ProviderRejected(_describe(error)) from error
    if info.get("sub") != claims.get("sub"):
        raise ProviderRejected("UserInfo names another subject than the ID token")
    return {**info, **claims}


def _describe(error: Exception) -> str:
    """A short reason for the log, never token contents."""
    return getattr(error, "error", None) or type(error).__name__
