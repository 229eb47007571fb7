"""Rendering account messages: a subject, a plain-text body and an HTML body from app/templates/mail/."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any

from flask import current_app, render_template

from config.mail import DEV_FRONTEND_URL

SUBJECTS = {
    "verify_email": "Verify your e-mail address",
    "password_reset": "Reset your password",
    "password_changed": "Your password was changed",
    "email_change": "Confirm your new e-mail address",
    "email_change_notice": "A change of your e-mail address was requested",
    "identity_linked": "A sign-in provider was linked to your account",
    "identity_unlinked": "Sign-in providers were unlinked from your account",
    # capability: mfa
    "mfa_enabled": "A second factor was turned on for your account",
    "mfa_disabled": "The second factor of your account was turned off",
    "mfa_recovery_code_used": "A recovery code of your account was used",
    # end capability: mfa
}
# Where each token's link opens in the client app (pinned: the client app routes these paths).
LINK_PATHS = {"verify_email": "/verify-email", "password_reset": "/reset-password", "email_change": "/confirm-email"}


def frontend_url() -> str:
    """The client app's base URL (production requires FRONTEND_URL; development falls back to a local one)."""
    return current_app.config["FRONTEND_URL"] or DEV_FRONTEND_URL


def link(kind: str, token: str) -> str:
    """`<FRONTEND_URL>/<path>?token=<token>`: links go to the client app, which calls the API."""
    return f"{frontend_url()}{LINK_PATHS[kind]}?token={token}"


def lifetime(seconds: int) -> str:
    """`30 minutes`, `48 hours`: how long a link works, for people."""
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(seconds // 60, 1)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def when(moment: datetime) -> str:
    """`2026-01-31 12:00 UTC`: when something happened, unambiguous in every time zone."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def mask(email: str) -> str:
    """`a***@example.com`: enough for the owner of the old address to recognise, not to harvest."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def message_id_header(message_id: str) -> str:
    """The Message-ID, stable across retries of one job, in the sender's domain."""
    domain = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"] or "")[1].rpartition("@")[2] or "localhost"
    return f"<{message_id}@{domain}>"


def render(template: str, to: str, message_id: str, **context: Any) -> EmailMessage:
    """The message `template` for `to`, with a text and an HTML alternative."""
    config = current_app.config
    subject = SUBJECTS[template]
    context = {"app_name": config["APP_NAME"], "frontend_url": frontend_url(), "subject": subject, **context}
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["MAIL_DEFAULT_SENDER"] or f"no-reply@{_host(frontend_url())}"
    message["To"] = to
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id_header(message_id)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    message.set_content(render_template(f"mail/{template}.txt", **context))
    message.add_alternative(render_template(f"mail/{template}.html", **context), subtype="html")
    return message


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
