"""The signed-in user's sessions: where they are signed in, and ending any of them."""

from __future__ import annotations

import uuid
from typing import Any

from flask_jwt_extended import current_user, get_jwt

from app.errors import NotFound
from app.models import AuthSession, utcnow
from app.models.serialize import to_json_value
from app.pagination import paginate_documents, parse_page
from app.sessions import revoke_other_sessions, revoke_own_session
from app.views.base import BaseResource, make_api

blueprint, api = make_api("sessions", __name__)


def current_session() -> uuid.UUID:
    """The id of the session the request's access token belongs to."""
    return uuid.UUID(get_jwt()["sid"])


def session_to_dict(session: AuthSession, current: uuid.UUID) -> dict[str, Any]:
    """What the owner sees of a session: never its refresh token's id."""
    return {
        "id": str(session.id),
        "createdAt": to_json_value(session.created_at),
        "lastUsedAt": to_json_value(session.last_used_at or session.created_at),
        "signInMethod": session.sign_in_method,
        "userAgent": session.user_agent,
        "current": session.id == current,
    }


class SessionList(BaseResource):
    def get(self):
        """List my sessions."""
        current = current_session()
        # Live ones only, newest first; `_id` breaks ties, and the (user, revoked, -created_at, -_id) index serves it.
        return paginate_documents(
            AuthSession,
            parse_page(),
            lambda session: session_to_dict(session, current),
            filters={"user": current_user.id, "revoked": False, "expires_at__gt": utcnow()},
            order_by=("-created_at", "-id"),
        )

    def delete(self):
        """End every session but this one."""
        revoke_other_sessions(current_user, current_session())
        return self.no_content()


class SessionItem(BaseResource):
    def delete(self, session_id: str):
        """End one of my sessions."""
        try:
            wanted = uuid.UUID(session_id)
        except ValueError:
            wanted = None
        if wanted is None or not revoke_own_session(current_user, wanted):
            raise NotFound("You have no session with this id")
        return self.no_content()


api.add_resource(SessionList, "/me/sessions")
api.add_resource(SessionItem, "/me/sessions/<session_id>")
