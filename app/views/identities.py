"""The signed-in user's linked sign-in providers: list, link, unlink."""

from __future__ import annotations

from urllib.parse import urlencode

from flask_jwt_extended import current_user, get_current_user

from app.decorators import json_required
from app.docs.identities import LINK_START
from app.errors import Conflict, NotFound
from app.models import mongo_to_dict
from app.models.identity import Identity
from app.oidc import get_provider
from app.oidc.codes import issue_link_ticket
from app.oidc.flow import check_return_to
from app.pagination import paginate_queryset, parse_page
from app.views.base import BaseResource, make_api

blueprint, api = make_api("identities", __name__)

LAST_WAY = "This is the only way to sign in to your account: link another provider first"


def identity_to_dict(identity: Identity) -> dict:
    """An identity as its owner sees it (the account is the caller, so it is left out)."""
    return mongo_to_dict(identity, exclude=("user",))


class MyIdentityList(BaseResource):
    def get(self):
        """List the providers linked to my account."""
        identities = Identity.objects(user=current_user.id).order_by("created_at")
        return paginate_queryset(identities, parse_page(), identity_to_dict)


class MyIdentityItem(BaseResource):
    @json_required(schema=LINK_START)
    def post(self, provider: str, body: dict):
        """Start linking a provider to my account."""
        found = get_provider(provider)
        return_to = body.get("returnTo")
        check_return_to(return_to)
        ticket = issue_link_ticket(get_current_user(), found.name)
        query = {"linkTicket": ticket, **({"returnTo": return_to} if return_to else {})}
        return {"loginUrl": f"{found.login_url}?{urlencode(query)}"}, 200

    def delete(self, provider: str):
        """Unlink a provider from my account."""
        identity = Identity.objects(user=current_user.id, provider=provider).first()
        if identity is None:
            raise NotFound("No identity from this provider is linked to your account")
        if current_user.password_hash:
            identity.delete()
            return self.no_content()
        if Identity.objects(user=current_user.id).count() <= 1:
            raise Conflict(LAST_WAY)
        identity.delete()
        # Two unlinks at once could each see the other's identity: if none is left, put this one back.
        if Identity.objects(user=current_user.id).count() == 0:
            identity.save(force_insert=True)
            raise Conflict(LAST_WAY)
        return self.no_content()


api.add_resource(MyIdentityList, "/me/identities")
api.add_resource(MyIdentityItem, "/me/identities/<provider>")
