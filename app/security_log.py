"""The security log: each account's record of what happened to it, written as the events are published.

Core code and capabilities publish account events (app/events.py); this module subscribes to the ones an owner
should be able to review and stores one `SecurityEvent` each, with the address and user agent of the request
that caused it. Entries are kept for RETENTION (a TTL index) and go with the account (CASCADE).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask, g

from app import events
from app.client import client_ip, client_user_agent
from app.database import register_models
from app.models import SecurityEvent, User

# Events recorded under their own name: the event names are the log's types.
RECORDED = (
    events.SIGNED_IN,
    events.SIGN_IN_FAILED,
    events.EMAIL_CHANGED,
    events.IDENTITY_LINKED,
    events.IDENTITY_UNLINKED,
    events.SESSION_REVOKED,
    events.MFA_ENABLED,
    events.MFA_DISABLED,
    events.RECOVERY_CODE_USED,
)


def record(user: User, event_type: str) -> uuid.UUID:
    """Store one entry for `user`, with the current request's address and user agent (None outside a request)."""
    entry = SecurityEvent(user=user.id, type=event_type, ip_address=client_ip(), user_agent=client_user_agent())
    entry.save(force_insert=True)
    return entry.id


def recorder(event_type: str) -> events.Subscriber:
    """A subscriber that records `event_type` for the event's `user`, whatever else the event carries."""

    def subscriber(user: User, **_details: Any) -> None:
        record(user, event_type)

    return subscriber


def password_changed(user: User) -> None:
    """Record the change, and remember it: a reset publishes PASSWORD_RESET next, in the same app context."""
    g.security_log_password_change = record(user, events.PASSWORD_CHANGED)


def password_reset(user: User) -> None:
    """A reset is the change just recorded, made through a mailed link: one entry, typed as a reset."""
    changed = g.pop("security_log_password_change", None)
    if changed is None or not SecurityEvent.objects(id=changed).update_one(set__type=events.PASSWORD_RESET):
        record(user, events.PASSWORD_RESET)


def init_security_log(app: Flask) -> None:
    """Store security events for this app, and subscribe to the account events they record."""
    register_models(app, SecurityEvent)
    for event in RECORDED:
        events.subscribe(app, event, recorder(event))
    events.subscribe(app, events.PASSWORD_CHANGED, password_changed)
    events.subscribe(app, events.PASSWORD_RESET, password_reset)
