"""The `send_mail` job: make the token, render the message, hand it to SMTP, once per message id.

Delivery is at least once: a retry after a failed attempt makes a fresh token (replacing the failed
attempt's), and the outbox makes a job that already sent its message a no-op.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from flask import current_app

from app.jobs.runner import JobFailed, Progress
from app.mail import links, messages
from app.mail.models import MailMessage
from app.mail.smtp import TransportError, deliver
from app.models import User, utcnow

log = logging.getLogger("app.mail")

SEND_FAILED = "The message could not be sent: the mail server was unavailable or refused it"


def run(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Send the message `params` name; `sent` is false when there was nothing to send (no such account)."""
    template, message_id = params["template"], params["messageId"]
    progress(0, 1)
    if MailMessage.objects(id=message_id, status="sent").only("id").first() is not None:
        progress(1, 1)
        return {"sent": True}  # an earlier run of this job sent it: its link must stay the one that works
    # The queue carries JSON: `requestedAt` is the ISO 8601 text (with `Z`) the outbox wrote, not a stored date.
    built = BUILDERS[template](params, message_id, datetime.fromisoformat(params["requestedAt"]))
    if built is None:
        log.info("mail %s (%s): nothing to send", message_id, template)
        progress(1, 1)
        return {"sent": False}
    user, message = built
    _record_attempt(message_id, template, user)
    try:
        deliver(message)
    except TransportError as error:
        log.warning("mail %s (%s) not sent: %s", message_id, template, error)
        raise JobFailed(SEND_FAILED) from None
    MailMessage.objects(id=message_id).update_one(set__status="sent", set__sent_at=utcnow())
    log.info("mail %s (%s) %s", message_id, template, "logged" if current_app.config["MAIL_LOG_ONLY"] else "sent")
    progress(1, 1)
    return {"sent": True}


Built = tuple[User, EmailMessage] | None


def _user(params: dict[str, Any]) -> User | None:
    return User.objects(id=params["userId"], active=True).first()


def _with_link(kind: str, user: User, to: str, message_id: str, token: str | None, **context: Any) -> Built:
    if token is None:  # a newer request of the same kind has its own link; this one is not sent
        return None
    lifetime = messages.lifetime(links.lifetime_seconds(kind))
    link = messages.link(kind, token)
    message = messages.render(
        kind, to, message_id, display_name=user.display_name, link=link, lifetime=lifetime, **context
    )
    return user, message


def verify_email(params: dict[str, Any], message_id: str, requested_at: datetime) -> Built:
    """A link that proves the account's current address (nothing once it is verified)."""
    user = _user(params)
    if user is None or user.email_verified:
        return None
    token = links.issue("verify_email", user, message_id, requested_at)
    return _with_link("verify_email", user, user.email, message_id, token, email=user.email)


def password_reset(params: dict[str, Any], message_id: str, requested_at: datetime) -> Built:
    """A reset link, only when the address belongs to an active account (the request never looked)."""
    user = User.objects(email=params["email"], active=True).first()
    if user is None:
        return None
    token = links.issue("password_reset", user, message_id, requested_at)
    return _with_link("password_reset", user, user.email, message_id, token)


def email_change(params: dict[str, Any], message_id: str, requested_at: datetime) -> Built:
    """A link to the new address; following it moves the account there (nothing if the password changed since)."""
    user = _user(params)
    if user is None or params.get("passwordStamp") != links.password_stamp(user.password_hash):
        return None
    new_email = params["newEmail"]
    token = links.issue("email_change", user, message_id, requested_at, new_email=new_email)
    return _with_link("email_change", user, new_email, message_id, token, new_email=new_email)


def password_changed(params: dict[str, Any], message_id: str, requested_at: datetime) -> Built:
    """The notice after a password change: someone who did not make it learns to act."""
    user = _user(params)
    if user is None:
        return None
    return user, messages.render("password_changed", user.email, message_id, display_name=user.display_name)


def email_change_notice(params: dict[str, Any], message_id: str, requested_at: datetime) -> Built:
    """The notice to the old address: a stolen session cannot move an account away silently."""
    user = _user(params)
    if user is None:
        return None
    masked = messages.mask(params["newEmail"])
    message = messages.render(
        "email_change_notice", params["email"], message_id, display_name=user.display_name, masked_email=masked
    )
    return user, message


def identity_linked(params: dict[str, Any], message_id: str, requested_at: datetime) -> Built:
    """The notice that a provider was linked: someone who did not do it learns how to undo it."""
    user = _user(params)
    if user is None:
        return None
    message = messages.render(
        "identity_linked",
        user.email,
        message_id,
        display_name=user.display_name,
        provider=params["provider"],
        when=messages.when(requested_at),
    )
    return user, message


def identity_unlinked(params: dict[str, Any], message_id: str, requested_at: datetime) -> Built:
    """The notice naming the providers unlinked (by the owner, or all of them by a password reset)."""
    user = _user(params)
    if user is None:
        return None
    message = messages.render(
        "identity_unlinked",
        user.email,
        message_id,
        display_name=user.display_name,
        providers=", ".join(params["providers"]),
        by_reset=params["byReset"],
        when=messages.when(requested_at),
    )
    return user, message


# capability: mfa
def security_notice(params: dict[str, Any], message_id: str, requested_at: datetime) -> Built:
    """A notice about the second factor (turned on, off, a recovery code spent): the owner learns of each."""
    user = _user(params)
    if user is None:
        return None
    message = messages.render(
        params["template"], user.email, message_id, display_name=user.display_name, when=messages.when(requested_at)
    )
    return user, message


# end capability: mfa
BUILDERS = {
    "verify_email": verify_email,
    "password_reset": password_reset,
    "email_change": email_change,
    "password_changed": password_changed,
    "email_change_notice": email_change_notice,
    "identity_linked": identity_linked,
    "identity_unlinked": identity_unlinked,
    "mfa_enabled": security_notice,  # capability: mfa
    "mfa_disabled": security_notice,  # capability: mfa
    "mfa_recovery_code_used": security_notice,  # capability: mfa
}


def _record_attempt(message_id: str, template: str, user: User) -> None:
    """Count this attempt in the outbox (created on the first)."""
    expires = utcnow() + timedelta(seconds=current_app.config["MAIL_OUTBOX_TTL_SECONDS"])
    MailMessage.objects(id=message_id).update_one(
        upsert=True,
        inc__attempts=1,
        set_on_insert__template=template,
        set_on_insert__user=user,
        set_on_insert__status="sending",
        set_on_insert__created_at=utcnow(),
        set_on_insert__expires_at=expires,
    )
