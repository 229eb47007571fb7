"""Mail: account messages (verification, password reset, e-mail change, security notices) sent by a job via SMTP.

`smtp` is the seam to the transport (the standard library's smtplib, or the log in development), `messages`
renders the templates, `links` issues and spends the one-time tokens the links carry, `job` is the
`send_mail` job a worker runs, `outbox` is what request code calls to queue a message, `service` completes
the mailed flows, and the `*_views`/`*_docs` modules are its three REST nouns.
"""

from __future__ import annotations

from flask import Flask

from app import events
from app.database import register_models
from app.docs import add_docs
from app.jobs import register_kind
from app.mail import (
    email_change_docs,
    email_change_views,
    job,
    reset_docs,
    reset_views,
    service,
    verification_docs,
    verification_views,
)
from app.mail.models import AccountToken, MailMessage
from app.mail.outbox import KIND
from app.views.router import add_views

NEEDS = ("app.jobs",)
# Beside app/mail/ and tests/mail/, what `flask remove mail` deletes (app/scaffold/remove.py reads it).
OWNS = (
    "config/mail.py",
    "docs/mail.md",
    "app/templates/mail",
    "tests/integration/test_mail.py",
    "tests/integration/mail_sink.py",
    # the second factor's notices are tested through mail's harness
    "tests/mfa/test_notices.py",  # capability: mfa
    "tests/integration/test_mfa.py",  # capability: mfa
)


def init_app(app: Flask) -> None:
    """Serve the mailed flows, send mail from workers, and act on account events."""
    add_views(app, verification_views, reset_views, email_change_views)
    add_docs(app, verification_docs, reset_docs, email_change_docs)
    register_models(app, AccountToken, MailMessage)
    register_kind(app, KIND, job.run)
    events.subscribe(app, events.SIGNED_UP, service.signed_up)
    events.subscribe(app, events.VERIFICATION_NEEDED, service.verification_needed)
    events.subscribe(app, events.PASSWORD_CHANGED, service.password_changed)
    events.subscribe(app, events.IDENTITY_LINKED, service.identity_linked)
    events.subscribe(app, events.IDENTITY_UNLINKED, service.identity_unlinked)
    # capability: mfa
    events.subscribe(app, events.MFA_ENABLED, service.mfa_enabled)
    events.subscribe(app, events.MFA_DISABLED, service.mfa_disabled)
    events.subscribe(app, events.RECOVERY_CODE_USED, service.recovery_code_used)
    # end capability: mfa
