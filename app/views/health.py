"""Liveness and readiness probes for load balancers and orchestrators (public, never throttled)."""

from __future__ import annotations

from mongoengine.connection import get_db

from app import events
from app.auth import public
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
        """MongoDB answers a ping; until it does, the load balancer should send traffic elsewhere.

        A server that cannot be reached raises a pymongo connection error, which the one error path
        (app.errors.handle_error) answers with 503 and Retry-After, as for every other route.
        """
        get_db().client.admin.command("ping")
        events.publish(events.CHECKING_READY)  # e.g. 503 with Retry-After while the job queue cannot be reached
        return {"status": "ready"}, 200


api.add_resource(Health, "/health")
api.add_resource(Ready, "/ready")
