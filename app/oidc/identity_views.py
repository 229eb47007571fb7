"""The signed-in user's linked sign-in providers: list, link, unlink."""

from __future__ import annotations

from flask_jwt_extended import current_user, get_current_user

from app.decorators import json_required
from app.models import mongo_to_dict
from app.oidc.identity_docs import LINK_START
from app.oidc.models import Identity
from app.oidc.service import start_link, unlink
from app.pagination import paginate_documents, parse_page
from app.views.base import BaseResource, make_api

blueprint, api = make_api("identities", __name__)


def identity_to_dict(identity: Identity) -> dict:
    """An identity as its owner sees it (the account is the caller, so it is left out)."""
    return mongo_to_dict(identity, exclude=("user",))


class MyIdentityList(BaseResource):
    def get(self):
        """List the providers linked to my account."""
        return paginate_documents(
            Identity,
            parse_page(),
            identity_to_dict,
            filters={"user": current_user.id},
            order_by=("created_at", "id"),  # `_id` breaks ties
        )


class MyIdentityItem(BaseResource):
    @json_required(schema=LINK_START)
    def post(self, provider: str, body: dict):
        """Start linking a provider to my account."""
        return {"loginUrl": start_link(get_current_user(), provider, body.get("returnTo"))}, 200

    def delete(self, provider: str):
        """Unlink a provider from my account."""
        unlink(current_user, provider)
        return self.no_content()


api.add_resource(MyIdentityList, "/me/identities")
api.add_resource(MyIdentityItem, "/me/identities/<provider>")
