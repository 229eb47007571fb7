"""The sample resource: the smallest example of a public read and a validated write."""

from __future__ import annotations

from app.auth import public
from app.decorators import json_required
from app.sample.docs import SAMPLE
from app.views.base import BaseResource, make_api

blueprint, api = make_api("sample", __name__)


class Sample(BaseResource):
    @public
    def get(self):
        """Say hello."""
        return {"msg": "hello!"}, 200

    @json_required(schema=SAMPLE)
    def post(self, body: dict):
        """Echo a validated sample."""
        return {"name": body["name"], "age": body["age"]}, 201


api.add_resource(Sample, "/sample")
