"""What core code announces and capabilities act on, so core never imports an optional capability.

Each app keeps its own subscribers (in `app.extensions`), so two apps in one process (tests) never hear each
other. A subscriber runs in the request or command that published the event; an exception it raises is that
caller's exception, so a subscriber that must not fail the caller catches its own errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

# Someone signed up with a password (keyword: user). Mail sends the verification link.
SIGNED_UP = "signed_up"
# An unverified account tried to sign in (keyword: user). Mail sends a fresh link, throttled.
VERIFICATION_NEEDED = "verification_needed"
# An account is about to be deleted (keyword: user). Uploads removes its stored files.
ACCOUNT_DELETING = "account_deleting"
# An account's password was changed, by its owner or by a reset (keyword: user). Mail voids reset links and
# tells the owner; sign-in voids link tickets, links in progress and login codes; the security log records it.
PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an event name)
# A password reset completed, after PASSWORD_CHANGED (keyword: user). Sign-in unlinks every provider identity
# (recovering an account must evict whoever linked their own provider to it); the security log records a reset.
PASSWORD_RESET = "password_reset"  # noqa: S105 (an event name)
# A provider identity was linked to an account (keywords: user, provider). Mail tells the owner; the security log
# records it.
IDENTITY_LINKED = "identity_linked"
# Provider identities were unlinked (keywords: user, providers, by_reset). Mail tells the owner which; the security
# log records it.
IDENTITY_UNLINKED = "identity_unlinked"
# `/ready` is checking dependencies (no keywords): raise to answer 503. Jobs pings its queue.
CHECKING_READY = "checking_ready"
# Demo data is being loaded (keywords: authors, count). Posts adds demo posts.
SEEDING_DEMO = "seeding_demo"
# Asked (`ask`) before a sign-in starts a session (keywords: user, method, transport): a capability that needs
# another step answers the body to send instead (mfa: `mfaRequired` and a token for the second step).
SIGNING_IN = "signing_in"
# A sensitive change passed its password or freshness check (keywords: user, code: the body's `code` or None):
# raise to refuse it. Mfa asks for a current TOTP or recovery code when the account has the factor on.
REAUTHENTICATING = "reauthenticating"

# What the security log (app/security_log.py) records; each has the keyword `user`, plus those named.
# A session was started by a sign-in (keywords: user, method: `password` or `oidc:<provider>`).
SIGNED_IN = "signed_in"
# A password sign-in to an existing account failed (a wrong password, or an inactive account).
SIGN_IN_FAILED = "sign_in_failed"
# The account moved to a new e-mail address (a mailed change link was followed).
EMAIL_CHANGED = "email_changed"
# Sessions were revoked by their owner, or by refresh-token reuse (keywords: user, count).
SESSION_REVOKED = "session_revoked"
# A second factor was turned on, or off; a recovery code was spent at sign-in (keyword: user).
MFA_ENABLED = "mfa_enabled"
MFA_DISABLED = "mfa_disabled"
RECOVERY_CODE_USED = "recovery_code_used"

Subscriber = Callable[..., Any]


def subscribe(app: Flask, event: str, subscriber: Subscriber) -> None:
    """Call `subscriber(**details)` whenever `event` is published in this app."""
    app.extensions.setdefault("events", {}).setdefault(event, []).append(subscriber)


def publish(event: str, **details: Any) -> None:
    """Tell the current app's subscribers, in the order they subscribed."""
    for subscriber in current_app.extensions.get("events", {}).get(event, ()):
        subscriber(**details)


def ask(event: str, **details: Any) -> Any:
    """The first answer that is not None from the current app's subscribers, asked in order; None when none has one."""
    for subscriber in current_app.extensions.get("events", {}).get(event, ()):
        answer = subscriber(**details)
        if answer is not None:
            return answer
    return None
