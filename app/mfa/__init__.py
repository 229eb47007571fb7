"""A second factor: TOTP (RFC 6238) with recovery codes, asked at every sign-in and every sensitive change.

`totp` is the seam to pyotp and `sealing` the seam to cryptography (each the only module importing its engine);
`models` the factor and the sign-ins waiting for their second step; `service` the rules and the subscribers that
answer the core's questions (SIGNING_IN: is another step needed? REAUTHENTICATING: is the code right?);
`views`/`docs` the nouns; `commands` the operator's `flask mfa-reseal` (key rotation) and `flask mfa-remove`
(docs/mfa.md).
"""

from __future__ import annotations

import logging

from flask import Flask

from app import events
from app.database import register_models
from app.docs import add_docs
from app.mfa import commands, docs, service, views
from app.mfa.models import MfaChallenge, TotpFactor
from app.views.router import add_views

NEEDS: tuple[str, ...] = ()
# Beside app/mfa/ and tests/mfa/, what `flask remove mfa` deletes (app/scaffold/remove.py reads it).
OWNS = (
    "config/mfa.py",
    "docs/mfa.md",
    "tests/integration/test_mfa.py",  # capability: mail
)

log = logging.getLogger("app.mfa")


def init_app(app: Flask) -> None:
    """Serve the factor's nouns and the second step, and answer the core's sign-in and re-authentication events."""
    add_views(app, views)
    add_docs(app, docs)
    register_models(app, TotpFactor, MfaChallenge)
    app.cli.add_command(commands.reseal_command)
    app.cli.add_command(commands.remove_command)
    events.subscribe(app, events.SIGNING_IN, service.signing_in)
    events.subscribe(app, events.REAUTHENTICATING, service.reauthenticating)
    events.subscribe(app, events.SIGN_IN_GUARDED, service.guards_sign_in)
    events.subscribe(app, events.PASSWORD_CHANGED, service.password_changed)
    events.subscribe(app, events.ACCOUNT_DELETING, service.account_deleting)
    if app.config["FIELD_ENCRYPTION_KEY_EPHEMERAL"]:
        # Development only (production refuses to start without a key): factors enrolled now stop opening at the
        # next start, when the key is new.
        log.warning(
            "FIELD_ENCRYPTION_KEY is not set: using an ephemeral key; second factors enrolled now will not "
            "work after a restart (set one in .env: see docs/mfa.md)"
        )
