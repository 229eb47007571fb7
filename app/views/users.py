"""Accounts, as admins manage them."""

from __future__ import annotations

import uuid

from flask_jwt_extended import current_user

from app.auth import auth_required
from app.decorators import json_required
from app.docs.users import USER_ADMIN_UPDATE
from app.errors import Conflict, NotFound
from app.models import User, mongo_to_dict
from app.pagination import paginate_documents, parse_page
from app.sessions import revoke_user_sessions
from app.views.base import BaseResource, make_api

blueprint, api = make_api("users", __name__)


def find_user(user_id: str) -> User:
    """The account with this id; 404 for unknown and malformed ids alike."""
    try:
        user = User.objects(id=uuid.UUID(user_id)).first()
    except ValueError:
        user = None
    if user is None:
        raise NotFound("No account with this id")
    return user


class UserList(BaseResource):
    @auth_required(role="admin")
    def get(self):
        """List accounts (admin)."""
        # Newest first; `_id` breaks ties, so pages neither repeat nor skip, and the index serves the sort.
        return paginate_documents(User, parse_page(), mongo_to_dict, order_by=("-created_at", "-id"))


class UserItem(BaseResource):
    @auth_required(role="admin")
    def get(self, user_id: str):
        """Show an account (admin)."""
        return mongo_to_dict(find_user(user_id)), 200

    @auth_required(role="admin")
    @json_required(schema=USER_ADMIN_UPDATE)
    def patch(self, user_id: str, body: dict):
        """Change an account's role or active flag (admin)."""
        user = find_user(user_id)
        if user.id == current_user.id and (body.get("role", "admin") != "admin" or body.get("active") is False):
            raise Conflict("Admins cannot demote or deactivate themselves")
        changes = {f"set__{field}": body[field] for field in ("role", "active") if field in body}
        user = User.objects(id=user.id).modify(new=True, **changes)
        if user is None:
            raise NotFound("No account with this id")
        if not user.active:
            revoke_user_sessions(user)
        return mongo_to_dict(user), 200


api.add_resource(UserList, "/users")
api.add_resource(UserItem, "/users/<user_id>")
