"""Uploads: grants for direct uploads to object storage, completion checks, and deletion.

File bytes never reach these views: they talk to `app.uploads`, which alone talks to the store.
"""

from __future__ import annotations

from flask import request
from flask_jwt_extended import get_current_user

from app.auth import current_user
from app.decorators import json_required
from app.uploads.docs import UPLOAD_CREATE
from app.uploads.service import complete_upload, delete_upload, grant_upload, own_upload, upload_body
from app.views.base import BaseResource, make_api

blueprint, api = make_api("uploads", __name__)


class UploadList(BaseResource):
    @json_required(schema=UPLOAD_CREATE)
    def post(self, body: dict):
        """Get a grant to upload a file to object storage."""
        user = get_current_user()  # the document, not the proxy: the upload references it
        data = grant_upload(user, body["filename"], body["contentType"], body["size"])
        return data, 201, {"Location": f"{request.path}/{data['id']}"}


class UploadItem(BaseResource):
    def get(self, upload_id: str):
        """Show one of my uploads."""
        return upload_body(own_upload(upload_id, current_user)), 200

    def delete(self, upload_id: str):
        """Delete one of my uploads and its file."""
        delete_upload(upload_id, current_user)
        return self.no_content()


class UploadComplete(BaseResource):
    def post(self, upload_id: str):
        """Check an uploaded file and make it ready."""
        return complete_upload(upload_id, current_user), 200


api.add_resource(UploadList, "/uploads")
api.add_resource(UploadItem, "/uploads/<upload_id>")
api.add_resource(UploadComplete, "/uploads/<upload_id>/complete")
