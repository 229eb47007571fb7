"""Liveness and readiness probes for load balancers and orchestrators (public, never throttled)."""

from __future__ import annotations

from mongoengine.connection import get_db

from app.auth import public
from app.database import is_unavailable
from app.errors import ServiceUnavailable
from app.views.base import BaseResource, make_api

blueprint, api = make_api("health", __name__)


class Health(BaseResource):
    @public
    def get(self):
        """The process answers; no dependency is touched, so a slow database never restarts healthy workers."""
        return {"status": "ok"}, 200


class Ready(BaseResource):
    @public
    def get(self):
        """MongoDB answers a ping; until it does, the load balancer should send traffic elsewhere."""
        try:
            get_db().client.admin.command("ping")
        except Exception as error:
            if not is_unavailable(error):
                raise
            raise ServiceUnavailable(
                "The database is unavailable; try again shortly", headers={"Retry-After": "5"}
            ) from None
        return {"status": "ready"}, 200


api.add_resource(Health, "/health")
api.add_resource(Ready, "/ready")
