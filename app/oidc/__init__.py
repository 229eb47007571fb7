"""Sign in with OpenID Connect, and link providers to an account.

`client` is the seam to Authlib and joserfc (the only module that imports them), `providers` the configured
providers, `service` the flow's rules (start, callback checks, who the person is here, linking, unlinking),
`codes` the one-time login codes, link tickets and link codes, `views`/`docs` the sign-in nouns and `identity_views`/
`identity_docs` the signed-in user's linked providers.
"""

from __future__ import annotations

from flask import Flask

from app import events
from app.database import register_models
from app.docs import add_docs
from app.oidc import docs, identity_docs, identity_views, service, views
from app.oidc.models import Identity, LinkCode, LinkTicket, LoginCode, OidcState
from app.views.router import add_views

NEEDS: tuple[str, ...] = ()
# Beside app/oidc/ and tests/oidc/, what `flask remove oidc` deletes (app/scaffold/remove.py reads it).
OWNS = (
    "config/oidc.py",
    "docs/oidc.md",
    "tests/integration/test_oidc.py",
    "tests/oidc_provider",
    "tests/mail/test_identity_notices.py",  # capability: mail
    "tests/mfa/test_oidc.py",  # capability: mfa
)


def init_app(app: Flask) -> None:
    """Serve provider sign-in and `/me/identities`; recovering an account evicts links and identities."""
    add_views(app, views, identity_views)
    add_docs(app, docs, identity_docs)
    register_models(app, Identity, LinkCode, LinkTicket, LoginCode, OidcState)
    events.subscribe(app, events.PASSWORD_CHANGED, service.password_changed)
    events.subscribe(app, events.PASSWORD_RESET, service.password_reset)
