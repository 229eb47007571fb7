"""Sign in with OpenID Connect: the providers, the flow, login codes, and the seam to Authlib (`client`)."""

from app.oidc.providers import all_providers, get_provider

__all__ = ["all_providers", "get_provider"]
