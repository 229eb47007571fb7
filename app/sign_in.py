"""Every sign-in path ends here: ask whether another step is needed, else start the session and hand it over.

Password login and the provider code exchange call `sign_in`; a capability that adds a step (a second factor)
answers SIGNING_IN with the body to send instead and, once its step is passed, calls `complete_sign_in`, so every
path starts sessions, clears the lock-out and honours the cookie transport the same way.
"""

from __future__ import annotations

from typing import Any

from app import events
from app.cookies import hand_over
from app.lockout import clear_lockout
from app.models import User
from app.sessions import start_session


def sign_in(user: User, *, method: str, transport: str) -> dict[str, Any]:
    """The answer to a sign-in whose first step passed: another step's challenge, or the session's tokens.

    `method` is how the person signed in (`password`, `oidc:<provider>`), `transport` how tokens go back.
    """
    step = events.ask(events.SIGNING_IN, user=user, method=method, transport=transport)
    if step is not None:
        return step
    return complete_sign_in(user, method=method, transport=transport)


def complete_sign_in(user: User, *, method: str, transport: str) -> dict[str, Any]:
    """Start the session and hand its tokens over; the only place a sign-in forgets the lock-out count."""
    clear_lockout(user.email)
    return hand_over(start_session(user, method=method), transport)
