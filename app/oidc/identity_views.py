"""The signed-in user's linked sign-in providers: list, link (start, then confirm), unlink."""

from __future__ import annotations

from flask_jwt_extended import current_user, get_current_user

from app.decorators import json_required
from app.models import mongo_to_dict
from app.oidc.identity_docs import LINK_CONFIRM, LINK_START, UNLINK
from app.oidc.models import Identity
from app.oidc.service import confirm_link, start_link, unlink
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
        url = start_link(
            get_current_user(),
            provider,
            body.get("password"),
            body["codeChallenge"],
            body.get("returnTo"),
            code=body.get("code"),
        )
        return {"loginUrl": url}, 200

    @json_required(schema=UNLINK)
    def delete(self, provider: str, body: dict):
        """Unlink a provider from my account."""
        unlink(get_current_user(), provider, body.get("password"), code=body.get("code"))
        return self.no_content()


class MyIdentityConfirmation(BaseResource):
    @json_required(schema=LINK_CONFIRM)
    def post(self, provider: str, body: dict):
        """Finish linking a provider to my account."""
        identity, created = confirm_link(get_current_user(), provider, body["linkCode"], body["codeVerifier"])
        return identity_to_dict(identity), 201 if created else 200


api.add_resource(MyIdentityList, "/me/identities")
api.add_resource(MyIdentityItem, "/me/identities/<provider>")
api.add_resource(MyIdentityConfirmation, "/me/identities/<provider>/confirm")
