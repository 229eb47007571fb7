"""Token pairs and the sessions behind them: issue at login, rotate at refresh, revoke."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, verify_jwt_in_request
from flask_jwt_extended.exceptions import FreshTokenRequired

from app import events
from app.client import client_user_agent
from app.errors import Unauthorized
from app.models import AuthSession, User, utcnow

log = logging.getLogger(__name__)

# An access token issued by a sign-in (password or provider) counts as fresh this long; one from a refresh never.
FRESH_FOR = timedelta(minutes=5)


def _pair(user: User, session_id: uuid.UUID, refresh_jti: str, *, fresh: bool) -> dict[str, Any]:
    """A new access and refresh token for one session; only ids and the role go in the payload."""
    claims = {"sid": str(session_id), "role": user.role}
    access = create_access_token(identity=str(user.id), additional_claims=claims, fresh=FRESH_FOR if fresh else False)
    refresh = create_refresh_token(identity=str(user.id), additional_claims={**claims, "jti": refresh_jti})
    lifetime = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {
        "accessToken": access,
        "refreshToken": refresh,
        "tokenType": "Bearer",
        "expiresIn": int(lifetime.total_seconds()),
    }


def _refresh_expiry():
    return utcnow() + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]


def start_session(user: User, *, method: str) -> dict[str, Any]:
    """Log in: a new session and its first token pair, whose access token is fresh for FRESH_FOR; `method` is how
    (`password`, `oidc:<provider>`)."""
    refresh_jti = str(uuid.uuid4())
    session = AuthSession(
        user=user,
        refresh_jti=refresh_jti,
        expires_at=_refresh_expiry(),
        sign_in_method=method,
        user_agent=client_user_agent(),
    )
    session.save(force_insert=True)
    events.publish(events.SIGNED_IN, user=user, method=method)
    return _pair(user, session.id, refresh_jti, fresh=True)


def rotate_session(user: User, claims: dict[str, Any]) -> dict[str, Any]:
    """Spend a refresh token for a new pair; a spent one presented again revokes the whole session."""
    session_id = uuid.UUID(claims["sid"])
    new_jti = str(uuid.uuid4())
    # One atomic compare-and-set: of two requests with the same refresh token, exactly one wins.
    swapped = AuthSession.objects(id=session_id, refresh_jti=claims["jti"], revoked=False).update_one(
        set__refresh_jti=new_jti, set__expires_at=_refresh_expiry(), set__last_used_at=utcnow()
    )
    if not swapped:
        revoke_session(session_id)
        log.warning("refresh token reuse: session %s revoked", session_id)
        events.publish(events.SESSION_REVOKED, user=user, count=1)
        raise Unauthorized("This refresh token was already used; the session has been revoked")
    return _pair(user, session_id, new_jti, fresh=False)  # a refresh proves the token, not the person


def revoke_session(session_id: uuid.UUID) -> None:
    """Log out one session: its access and refresh tokens stop working."""
    AuthSession.objects(id=session_id).update_one(set__revoked=True)


def revoke_user_sessions(user: User, keep: uuid.UUID | None = None) -> int:
    """Revoke every session of `user`, except `keep`; returns how many."""
    query = AuthSession.objects(user=user, revoked=False)
    if keep is not None:
        query = query.filter(id__ne=keep)
    return query.update(set__revoked=True)


def revoke_own_session(user: User, session_id: uuid.UUID) -> bool:
    """The owner ends one of their live sessions; False when `user` has no such session (unknown, or another's)."""
    ended = AuthSession.objects(id=session_id, user=user.id, revoked=False).update_one(set__revoked=True)
    if ended:
        events.publish(events.SESSION_REVOKED, user=user, count=1)
    return bool(ended)


def revoke_other_sessions(user: User, current: uuid.UUID) -> int:
    """The owner ends every session but the one they are using; returns how many."""
    count = revoke_user_sessions(user, keep=current)
    if count:
        events.publish(events.SESSION_REVOKED, user=user, count=count)
    return count


def token_is_fresh() -> bool:
    """Whether the request's access token came from a sign-in within FRESH_FOR (flask-jwt-extended's own check)."""
    try:
        verify_jwt_in_request(fresh=True)
    except FreshTokenRequired:
        return False
    return True
