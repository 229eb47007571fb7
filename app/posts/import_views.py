"""Bulk imports of your posts: `POST` queues a job (202), `GET` shows it; a worker does the work."""

from __future__ import annotations

import ujson
from flask import current_app, request, url_for

from app.auth import current_user
from app.errors import BadRequest, UnprocessableContent
from app.jobs import service
from app.posts.import_job import prepare
from app.posts.models import IMPORT_BATCHES
from app.validation import parse_json_body
from app.views.base import BaseResource, make_api

blueprint, api = make_api("post_imports", __name__)
KIND = "post_import"


class PostImportList(BaseResource):
    def get(self):
        """List your recent imports."""
        return service.listed(str(current_user.id), KIND)

    def post(self):
        """Import many posts in the background."""
        request.max_content_length = current_app.config["POST_IMPORT_MAX_BYTES"]  # this route's own body limit
        items = parse_json_body()
        if not isinstance(items, list) or not items:
            raise BadRequest(
                "The request body must be a non-empty JSON array of posts",
                errors=[{"field": "(body)", "message": "must be a non-empty array"}],
            )
        limit = current_app.config["POST_IMPORT_MAX_ITEMS"]
        if len(items) > limit:
            raise UnprocessableContent(f"At most {limit} posts can be imported at once; split the import")
        user_id = str(current_user.id)
        job = service.submit(
            KIND,
            user_id,
            # No payload in the job's arguments (they stay in Redis with its record): they name where `prepare`
            # keeps the items, under the job's id, and how many there are.
            {"itemsIn": IMPORT_BATCHES, "count": len(items)},
            total=len(items),
            fingerprint=ujson.dumps(items, sort_keys=True).encode(),  # the same posts, however spaced
            prepare=lambda job_id: prepare(user_id, job_id, items),
        )
        return service.accepted(job, url_for("post_imports.postimportitem", import_id=job.id))


class PostImportItem(BaseResource):
    def get(self, import_id: str):
        """Show an import's status, progress and outcome."""
        return service.shown(service.fetch(import_id, KIND, str(current_user.id)))


api.add_resource(PostImportList, "/me/post-imports")
api.add_resource(PostImportItem, "/me/post-imports/<string:import_id>")
