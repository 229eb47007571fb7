"""A test-only noun for the core's HTTP tests: a public read and a validated write at `/api/v1/probe`.

The request plumbing (request ids, `Accept`, strict JSON bodies, CORS) is the core's, so its tests need a JSON
noun that no capability owns: each test that needs one adds this to its app (`add_probe`). It is never
documented, so the spec checks pass its answers by, and it never reaches the served app.
"""

from __future__ import annotations

import sys
from typing import Any

from flask import Flask

from app import create_app
from app.auth import public
from app.decorators import json_required
from app.views.base import BaseResource, make_api
from app.views.router import add_views
from tests.views import TCBase

PROBE = "probe"
SCHEMA = {
    "type": "object",
    "required": ["name", "age"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
    },
}

blueprint, api = make_api("probe", __name__)


class Probe(BaseResource):
    @public
    def get(self) -> tuple[dict[str, Any], int]:
        """Say hello."""
        return {"msg": "hello!"}, 200

    @json_required(schema=SCHEMA)
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Echo a validated body."""
        return {"name": body["name"], "age": body["age"]}, 201


api.add_resource(Probe, f"/{PROBE}")


def add_probe(app: Flask) -> Flask:
    """Serve the probe from `app` (before its first request)."""
    add_views(app, sys.modules[__name__])
    return app


def probe_app() -> Flask:
    """The app (APP_CONFIG's config) with the probe: for servers a test starts (`tests.views.probe:probe_app()`)."""
    return add_probe(create_app())


class ProbeTCBase(TCBase):
    """`TCBase` with the probe served."""

    def setUp(self) -> None:
        super().setUp()
        add_probe(self.app)
