"""Queuing account messages from request code: each is a `send_mail` job, whose id is the message's id.

Requests never send mail themselves: a slow or unreachable SMTP server must not slow or fail the API. The
job carries only what names the message (template, account, address, when it was asked for); the worker
makes the token and renders the link, so no token travels through the queue.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
import uuid
from typing import Any

from flask import current_app
from limits import parse

from app.errors import ServiceUnavailable, TooManyRequests
from app.extensions import limiter
from app.jobs import service as jobs
from app.mail.links import password_stamp
from app.models import User, utcnow
from app.models.serialize import isoformat

log = logging.getLogger("app.mail")

KIND = "send_mail"
RESULT_TTL_SECONDS = 3600


def queue_message(template: str, *, user_id: str | None = None, **params: Any) -> str:
    """Queue one message; its id. 503 (ServiceUnavailable) when the queue cannot be reached."""
    config = current_app.config
    message_id = str(uuid.uuid4())
    job_params = {"template": template, "messageId": message_id, "requestedAt": isoformat(utcnow()), **params}
    if user_id is not None:
        job_params["userId"] = user_id
    jobs.enqueue(
        KIND,
        # A reset request names no account (it must not look one up): its job belongs to itself alone.
        user_id or f"message:{message_id}",
        job_params,
        total=1,
        result_ttl=RESULT_TTL_SECONDS,
        retries=config["MAIL_RETRIES"],
        retry_intervals=config["MAIL_RETRY_INTERVALS"],
        job_id=message_id,
    )
    return message_id


def queue_message_or_log(template: str, *, user_id: str | None = None, **params: Any) -> str | None:
    """Queue a message that must not fail the request it follows (the change already happened); log if not."""
    try:
        return queue_message(template, user_id=user_id, **params)
    except ServiceUnavailable:
        log.error("mail %s for account %s not queued: the job queue is unavailable", template, user_id)
        return None


def send_verification(user_id: str) -> str | None:
    """A verification link to the account's current address (best effort: it can be asked for again)."""
    return queue_message_or_log("verify_email", user_id=user_id)


def send_password_reset(email: str) -> str:
    """A reset link, if `email` belongs to an active account: the worker looks, so the request cannot tell."""
    return queue_message("password_reset", email=email)


def send_password_changed(user_id: str) -> str | None:
    """The notice that the password changed (best effort: the change stands either way)."""
    return queue_message_or_log("password_changed", user_id=user_id)


def count_mail_to(address: str) -> None:
    """Count one e-mail-change confirmation to `address` (normalised), across accounts; 429 past the limit.

    The per-account limit on the route cannot stop many accounts mailing one address, so confirmations are
    also counted per target (RATELIMIT_MAIL_PER_TARGET), under a hash of the address: the limiter's store never
    holds it. Counted here, once the request is sure to send (right password, a new address), so wrong
    guesses cannot use up someone else's address. The rate limiter's own strategy and storage (the shared Redis
    in production), through its public `limiter` property.
    """
    limit = parse(current_app.config["RATELIMIT_MAIL_PER_TARGET"])
    key = hashlib.sha256(address.encode()).hexdigest()
    strategy = limiter.limiter
    try:
        if strategy.hit(limit, "mail-to", key):
            return
        reset_at = strategy.get_window_stats(limit, "mail-to", key).reset_time
    except Exception:  # the store is unreachable: the per-account limit still holds, as the limiter's fallback does
        log.warning("rate-limit store unavailable; not counting e-mail-change mail per address")
        return
    raise TooManyRequests(
        "Too many confirmations were sent to this address lately; try again later",
        headers={"Retry-After": str(max(1, math.ceil(reset_at - time.time())))},
    )


def send_email_change(user: User, new_email: str) -> None:
    """A confirmation link to the new address (429 past the per-address limit) and a notice to the old one.

    The job carries the password stamp of the moment it was asked for (a digest of the hash, never the hash):
    a password change or reset before the worker runs voids the request, as it voids an issued link.
    """
    count_mail_to(new_email)
    user_id = str(user.id)
    stamp = password_stamp(user.password_hash)
    queue_message("email_change", user_id=user_id, newEmail=new_email, passwordStamp=stamp)
    queue_message_or_log("email_change_notice", user_id=user_id, email=user.email, newEmail=new_email)


def send_identity_linked(user_id: str, provider: str) -> str | None:
    """The notice that a provider was linked (best effort: the link stands either way)."""
    return queue_message_or_log("identity_linked", user_id=user_id, provider=provider)


# capability: mfa
def send_security_notice(template: str, user_id: str) -> str | None:
    """A notice about the account's second factor (`mfa_enabled`, ...): best effort, the change stands either way."""
    return queue_message_or_log(template, user_id=user_id)


# end capability: mfa
def send_identity_unlinked(user_id: str, providers: list[str], *, by_reset: bool) -> str | None:
    """The notice naming the providers unlinked, by their owner or by a password reset."""
    return queue_message_or_log("identity_unlinked", user_id=user_id, providers=providers, byReset=by_reset)
