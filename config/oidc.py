"""Settings for the oidc capability (sign in with OpenID Connect): defaults, derived values, refusals."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from config.env import ConfigError

DEFAULT_SCOPE = "openid email profile"
# A provider's name goes into paths and environment variable names: lower-case letters, digits, underscores.
PROVIDER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class Settings:
    """Defaults mixed into `Config`; every upper-case name can be set from the environment.

    Each provider's own variables (`OIDC_<NAME>_ISSUER`, `_CLIENT_ID`, `_CLIENT_SECRET`, `_SCOPE`) are not
    attributes: their names depend on `OIDC_PROVIDERS`, so `complete` reads them into `OIDC_CLIENTS`.
    """

    # Comma-separated provider names; empty turns the feature off.
    OIDC_PROVIDERS: list[str] = []
    # The API's public base URL; each provider's callback is <base>/api/v1/auth/oidc/<name>/callback.
    OIDC_REDIRECT_BASE_URL = ""
    # Client-app URLs a sign-in may return to, compared exactly.
    OIDC_RETURN_URLS: list[str] = []
    # Seconds to wait for a provider before answering 503.
    OIDC_HTTP_TIMEOUT = 5.0
    # How long a provider's discovery document is reused; each login re-checks the provider after that.
    OIDC_DISCOVERY_CACHE_SECONDS = 5
    # How long a browser may take at the provider between login and callback.
    OIDC_STATE_SECONDS = 600
    # Mark the state cookie Secure (always on in production, where TLS ends at the proxy).
    OIDC_COOKIE_SECURE = False


def complete(values: dict[str, Any], environ: Mapping[str, str]) -> None:
    """Read each named provider's variables into OIDC_CLIENTS (name -> issuer, client id, secret, scope)."""
    names = [name.strip().lower() for name in values.get("OIDC_PROVIDERS") or [] if name.strip()]
    values["OIDC_PROVIDERS"] = list(dict.fromkeys(names))
    clients: dict[str, dict[str, str]] = {}
    for name in values["OIDC_PROVIDERS"]:
        if not PROVIDER_NAME.match(name):
            raise ConfigError(
                f"OIDC_PROVIDERS names {name!r}: use lower-case letters, digits and underscores, starting with a letter"
            )
        prefix = f"OIDC_{name.upper()}_"
        clients[name] = {
            "issuer": environ.get(prefix + "ISSUER", "").strip().rstrip("/"),
            "client_id": environ.get(prefix + "CLIENT_ID", "").strip(),
            "client_secret": environ.get(prefix + "CLIENT_SECRET", "").strip(),
            "scope": " ".join(environ.get(prefix + "SCOPE", "").split()) or DEFAULT_SCOPE,
        }
    values["OIDC_CLIENTS"] = clients
    values["OIDC_REDIRECT_BASE_URL"] = (values.get("OIDC_REDIRECT_BASE_URL") or "").strip().rstrip("/")
    if not values.get("ALLOW_EMBEDDED_DB", True):  # production
        values["OIDC_COOKIE_SECURE"] = True


def check(values: dict[str, Any], *, production: bool) -> None:
    """Refuse a provider whose settings are incomplete or unsafe, naming the variable."""
    clients = values.get("OIDC_CLIENTS") or {}
    if values.get("OIDC_HTTP_TIMEOUT", 0) <= 0:
        raise ConfigError("OIDC_HTTP_TIMEOUT must be a positive number of seconds")
    for url in values.get("OIDC_RETURN_URLS") or []:
        _check_return_url(url, production)
    if not clients:
        return
    base = values.get("OIDC_REDIRECT_BASE_URL") or ""
    if not base:
        raise ConfigError("OIDC_REDIRECT_BASE_URL is not set: the API's public base URL, e.g. https://api.example.com")
    _check_web_url("OIDC_REDIRECT_BASE_URL", base, production)
    for name, client in clients.items():
        prefix = f"OIDC_{name.upper()}_"
        for key in ("issuer", "client_id", "client_secret"):
            if not client[key]:
                raise ConfigError(f"{prefix}{key.upper()} is not set (provider {name!r} is named in OIDC_PROVIDERS)")
        _check_web_url(prefix + "ISSUER", client["issuer"], production)
        if "openid" not in client["scope"].split():
            raise ConfigError(f"{prefix}SCOPE must include openid")


def _check_web_url(variable: str, url: str, production: bool) -> None:
    """An absolute http(s) URL; production wants https except on the loopback interface (local tests)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"{variable} must be an absolute https URL without query or fragment, got {url!r}")
    if production and parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
        raise ConfigError(f"{variable} must use https in production, got {url!r}")


def _check_return_url(url: str, production: bool) -> None:
    """An absolute URL (a web page, or a mobile app's custom scheme) with no fragment."""
    parts = urlsplit(url)
    if not parts.scheme or parts.fragment or not (parts.netloc or parts.path):
        raise ConfigError(f"OIDC_RETURN_URLS entries must be absolute URLs without a fragment, got {url!r}")
    if production and parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ConfigError(f"OIDC_RETURN_URLS entries must use https in production, got {url!r}")
