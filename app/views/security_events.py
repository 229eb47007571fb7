"""The signed-in user's security log."""

from __future__ import annotations

from flask_jwt_extended import current_user

from app.models import SecurityEvent
from app.models.serialize import to_json_value
from app.pagination import paginate_documents, parse_page
from app.views.base import BaseResource, make_api

blueprint, api = make_api("security_events", __name__)


def event_to_dict(event: SecurityEvent) -> dict:
    """An entry as its owner reads it."""
    return {
        "type": event.type,
        "createdAt": to_json_value(event.created_at),
        "ipAddress": event.ip_address,
        "userAgent": event.user_agent,
    }


class SecurityEventList(BaseResource):
    def get(self):
        """List what happened to my account."""
        # Newest first; `_id` breaks ties, and the (user, -created_at, -_id) index serves it.
        return paginate_documents(
            SecurityEvent,
            parse_page(),
            event_to_dict,
            filters={"user": current_user.id},
            order_by=("-created_at", "-id"),
        )


api.add_resource(SecurityEventList, "/me/security-events")
