"""The configured providers: who they are, and the fixed URLs the API uses with each."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from app.errors import NotFound

OIDC_PATH = "/api/v1/auth/oidc"


@dataclass(frozen=True)
class Provider:
    """One OpenID provider as configured (OIDC_<NAME>_*); nothing a caller sends can change it."""

    name: str
    issuer: str
    client_id: str
    client_secret: str
    scope: str

    @property
    def callback_url(self) -> str:
        """The one redirect URI registered with the provider."""
        return f"{current_app.config['OIDC_REDIRECT_BASE_URL']}{OIDC_PATH}/{self.name}/callback"

    @property
    def login_url(self) -> str:
        """Where a browser starts signing in with this provider."""
        return f"{current_app.config['OIDC_REDIRECT_BASE_URL']}{OIDC_PATH}/{self.name}/login"


def all_providers() -> list[Provider]:
    """Every configured provider, in the order OIDC_PROVIDERS names them (none: the feature is off)."""
    clients = current_app.config.get("OIDC_CLIENTS") or {}
    return [Provider(name=name, **settings) for name, settings in clients.items()]


def get_provider(name: str) -> Provider:
    """The provider called `name`; 404 for any other name."""
    settings = (current_app.config.get("OIDC_CLIENTS") or {}).get(name)
    if settings is None:
        raise NotFound("No sign-in provider of this name is configured")
    return Provider(name=name, **settings)
