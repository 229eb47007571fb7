"""Exports of your posts: `POST` queues a job (202), `GET` shows it and, once done, the posts."""

from __future__ import annotations

from flask import current_app, request, url_for

from app.auth import current_user
from app.jobs import service
from app.posts.export_docs import SCHEMAS
from app.posts.export_job import prepare
from app.validation import parse_json_body, validate
from app.views.base import BaseResource, make_api

blueprint, api = make_api("post_exports", __name__)
KIND = "post_export"


class PostExportList(BaseResource):
    def get(self):
        """List your recent exports."""
        return service.listed(str(current_user.id), KIND)

    def post(self):
        """Export your posts in the background."""
        if request.mimetype or request.content_length:  # a body is optional; when sent, it is `{}`
            validate(parse_json_body(), SCHEMAS["PostExportRequest"])
        user_id = str(current_user.id)
        job = service.submit(
            KIND,
            user_id,
            {},
            total=0,
            fingerprint=b"{}",
            result_ttl=current_app.config["POST_EXPORT_TTL_SECONDS"],
            prepare=lambda job_id: prepare(user_id, job_id),
        )
        return service.accepted(job, url_for("post_exports.postexportitem", export_id=job.id))


class PostExportItem(BaseResource):
    def get(self, export_id: str):
        """Show an export's status and, once done, your posts."""
        return service.shown(service.fetch(export_id, KIND, str(current_user.id)))


api.add_resource(PostExportList, "/me/post-exports")
api.add_resource(PostExportItem, "/me/post-exports/<string:export_id>")
