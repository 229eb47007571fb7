"""The signed-in user's own account."""

from __future__ import annotations

import uuid

from flask_jwt_extended import current_user, get_current_user, get_jwt

from app import events
from app.accounts import reauthenticate, set_password
from app.decorators import json_required
from app.docs.me import ACCOUNT_DELETE, PASSWORD_CHANGE, PROFILE_UPDATE
from app.models import User, mongo_to_dict
from app.text import trim
from app.views.base import BaseResource, make_api

blueprint, api = make_api("me", __name__)


class Me(BaseResource):
    def get(self):
        """Show my profile."""
        return mongo_to_dict(get_current_user()), 200  # the document, not the proxy: cheaper

    @json_required(schema=PROFILE_UPDATE)
    def patch(self, body: dict):
        """Change my profile."""
        user = User.objects(id=current_user.id).modify(set__display_name=trim(body["displayName"]), new=True)
        return mongo_to_dict(user), 200

    @json_required(schema=ACCOUNT_DELETE)
    def delete(self, body: dict):
        """Delete my account and everything it owns."""
        reauthenticate(current_user, body.get("password"), body.get("code"))
        events.publish(events.ACCOUNT_DELETING, user=current_user)  # e.g. stored files go now, from the store too
        current_user.delete()  # reverse_delete_rule=CASCADE removes sessions, posts, mailed tokens and the outbox
        return self.no_content()


class MyPassword(BaseResource):
    @json_required(schema=PASSWORD_CHANGE)
    def put(self, body: dict):
        """Change (or, for an account made by a provider, set) my password."""
        reauthenticate(current_user, body.get("currentPassword"), body.get("code"))
        set_password(current_user, body["newPassword"], keep_session=uuid.UUID(get_jwt()["sid"]))
        return self.no_content()


api.add_resource(Me, "/me")
api.add_resource(MyPassword, "/me/password")
