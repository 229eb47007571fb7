"""OpenAPI fragments for uploads: presigned direct uploads to object storage, and the attachments posts show."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from app.docs.common import (
    BEARER,
    REQUEST_ID_EXAMPLE,
    UUID,
    body_errors,
    errors,
    json_body,
    json_content,
    ref,
    uuid_path_parameter,
)
from app.text import SPACE
from app.uploads.models import CONTENT_TYPES

UPLOAD_ID = "0b7e6f3a-5c2d-4e1f-9a8b-7c6d5e4f3a2b"
CONTENT_TYPE = {
    "type": "string",
    "enum": list(CONTENT_TYPES),
    "description": "Raster images only (no SVG, HTML or PDF). The file's first bytes must match at completion.",
    "example": "image/png",
}
SIZE = {
    "type": "integer",
    "minimum": 1,
    "maximum": 5 * 1024 * 1024,
    "description": "The exact size in bytes; at most UPLOAD_MAX_BYTES (5 MiB by default). The store refuses "
    "any other size.",
    "example": 48213,
}
NO_CONTROL = "[^\\u0000-\\u001f\\u007f]"
FILENAME = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    # No control characters, and a last path part that is not blank: what the server requires.
    "pattern": f"^{NO_CONTROL}*[^\\u0000-\\u001f\\u007f/\\\\{SPACE[1:-1]}][^\\u0000-\\u001f\\u007f/\\\\]*$",
    "description": "Used only as the download name, sanitised (ASCII letters, digits, `._ -`); its extension "
    "is not compared with the type.",
    "example": "cat.png",
}
MEDIA_URL = {
    "type": "string",
    "description": "The CDN URL (`<MEDIA_BASE_URL>/<key>`) or, without a CDN, a presigned GET valid for a few "
    "minutes that makes browsers download the file. Never on the API's origin.",
    "example": "https://media.example.com/media/0b7e6f3a-5c2d-4e1f-9a8b-7c6d5e4f3a2b.png",
}
EXPIRES_AT = {
    "type": "string",
    "format": "date-time",
    "description": "When the upload grant ends (about 5 minutes after it was given).",
    "example": "2026-01-31T12:05:00.000Z",
}

UPLOAD_CREATE = {
    "type": "object",
    "description": "The file you are about to upload.",
    "required": ["filename", "contentType", "size"],
    "additionalProperties": False,
    "properties": {"filename": FILENAME, "contentType": CONTENT_TYPE, "size": SIZE},
}

GRANT_EXAMPLE = {
    "id": UPLOAD_ID,
    "status": "pending",
    "uploadUrl": "https://uploads.s3.eu-west-1.amazonaws.com/",
    "uploadFields": {
        "Content-Type": "image/png",
        "Content-Disposition": 'attachment; filename="cat.png"',
        "x-amz-meta-owner": "3f2b6c1e-8d4a-4e8b-9a57-0c1d2e3f4a5b",
        "key": f"pending/{UPLOAD_ID}",
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": "AKIAEXAMPLE/20260131/eu-west-1/s3/aws4_request",
        "x-amz-date": "20260131T120000Z",
        "policy": "eyJleHBpcmF0aW9uIjogIjIwMjYtMDEtMzFUMTI6MDU6MDBaIiwgLi4ufQ==",
        "x-amz-signature": "5d1c...e9",
    },
    "expiresAt": "2026-01-31T12:05:00.000Z",
}
UPLOAD_GRANT = {
    "type": "object",
    "description": "Post `uploadFields`, then the file as the last field named `file`, as multipart/form-data "
    "to `uploadUrl`; then call complete.",
    "required": ["id", "status", "uploadUrl", "uploadFields", "expiresAt"],
    "additionalProperties": False,
    "properties": {
        "id": UUID,
        "status": {"type": "string", "enum": ["pending"]},
        "uploadUrl": {"type": "string", "description": "The store's URL to POST the form to."},
        "uploadFields": {
            "type": "object",
            "description": "Form fields to send unchanged, before the file; the signed policy admits no others.",
            "additionalProperties": {"type": "string"},
        },
        "expiresAt": EXPIRES_AT,
    },
}

READY_EXAMPLE = {
    "id": UPLOAD_ID,
    "status": "ready",
    "filename": "cat.png",
    "contentType": "image/png",
    "size": 48213,
    "url": MEDIA_URL["example"],
}
UPLOAD = {
    "type": "object",
    "description": "An upload: `pending` until completed (with `expiresAt`), then `ready` (with `url`).",
    "required": ["id", "status", "filename", "contentType", "size"],
    "additionalProperties": False,
    "properties": {
        "id": UUID,
        "status": {"type": "string", "enum": ["pending", "ready"]},
        "filename": {**FILENAME, "description": "The sanitised download name."},
        "contentType": CONTENT_TYPE,
        "size": SIZE,
        "url": MEDIA_URL,
        "expiresAt": EXPIRES_AT,
    },
}
ATTACHMENT = {
    "type": "object",
    "description": "A ready upload shown by a post.",
    "required": ["id", "contentType", "size", "url"],
    "additionalProperties": False,
    "properties": {"id": UUID, "contentType": CONTENT_TYPE, "size": SIZE, "url": MEDIA_URL},
}
ATTACHMENT_IDS = {
    "type": "array",
    "maxItems": 10,
    "uniqueItems": True,
    "description": "Ids of your ready uploads, in display order (at most 10); an upload shows in one post only. "
    "On update the list replaces the old one; uploads left out stay yours.",
    "items": {"type": "string", "format": "uuid"},
    "example": [],
}

SCHEMAS = {"UploadCreate": UPLOAD_CREATE, "UploadGrant": UPLOAD_GRANT, "Upload": UPLOAD, "Attachment": ATTACHMENT}

UPLOAD_ID_PARAMETER = uuid_path_parameter("uploadId", "The upload's id.")


def problem(status: int, description: str, detail: str) -> dict[str, Any]:
    """An error response of this noun with its own description and example."""
    example = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "requestId": REQUEST_ID_EXAMPLE,
    }
    content = {"application/problem+json": {"schema": ref("Problem"), "example": example}}
    return {str(status): {"description": description, "content": content}}


STORE_UNAVAILABLE = problem(
    503,
    "The database or the file store is unavailable; see Retry-After.",
    "The file store is unavailable; try again shortly",
)
STORE_UNAVAILABLE["503"]["headers"] = {
    "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
}
NOT_YOURS = problem(404, "No such upload of yours (another user's upload is a 404 too).", "No upload with this id")

PATHS = {
    "/api/v1/uploads": {
        "post": {
            "operationId": "createUpload",
            "summary": "Get a grant to upload a file to object storage",
            "description": "The file never passes through the API: the answer is a presigned POST for a key the "
            "server chose, bound to the exact size, content type, `Content-Disposition: attachment` and your id, "
            "valid for about 5 minutes. Post every `uploadFields` entry, then the file as `file`, as "
            "multipart/form-data to `uploadUrl` (with curl: `--form-string` for each field, then "
            "`-F file=@cat.png`), then call complete. The declared size counts toward "
            "`QUOTA_UPLOAD_BYTES_PER_DAY` (200 MiB in any 24 hours) at once: a grant that would cross it is 429 "
            "naming it, with `Retry-After`.",
            "tags": ["uploads"],
            "security": BEARER,
            "requestBody": json_body(
                "UploadCreate", {"filename": "cat.png", "contentType": "image/png", "size": 48213}
            ),
            "responses": {
                "201": {
                    "description": "The upload record and its grant.",
                    "headers": {"Location": {"description": "The upload's URL.", "schema": {"type": "string"}}},
                    "content": json_content(ref("UploadGrant"), GRANT_EXAMPLE),
                    "links": {
                        name: {"operationId": operation, "parameters": {"uploadId": "$response.body#/id"}}
                        for name, operation in (
                            ("GetUpload", "getUpload"),
                            ("CompleteUpload", "completeUpload"),
                            ("DeleteUpload", "deleteUpload"),
                        )
                    },
                },
                **body_errors(401),
            },
        },
    },
    "/api/v1/uploads/{uploadId}": {
        "parameters": [UPLOAD_ID_PARAMETER],
        "get": {
            "operationId": "getUpload",
            "summary": "Show one of my uploads",
            "tags": ["uploads"],
            "security": BEARER,
            "responses": {
                "200": {"description": "The upload.", "content": json_content(ref("Upload"), READY_EXAMPLE)},
                **errors(401),
                **NOT_YOURS,
            },
        },
        "delete": {
            "operationId": "deleteUpload",
            "summary": "Delete one of my uploads and its file",
            "tags": ["uploads"],
            "security": BEARER,
            "responses": {
                "204": {"description": "Deleted, file included."},
                **errors(401),
                **NOT_YOURS,
                **problem(
                    409,
                    "A post shows this upload; remove it from the post's attachments first.",
                    "A post shows this upload: remove it from the post's attachments first",
                ),
                **STORE_UNAVAILABLE,
            },
        },
    },
    "/api/v1/uploads/{uploadId}/complete": {
        "parameters": [UPLOAD_ID_PARAMETER],
        "post": {
            "operationId": "completeUpload",
            "summary": "Check an uploaded file and make it ready",
            "description": "Checks the stored object's size, content type, owner and first bytes (the file "
            "signature must match the declared type), then moves it to its final key. Safe to repeat.",
            "tags": ["uploads"],
            "security": BEARER,
            "responses": {
                "200": {"description": "Ready.", "content": json_content(ref("Upload"), READY_EXAMPLE)},
                **errors(401),
                **NOT_YOURS,
                **problem(
                    409,
                    "Nothing has been uploaded yet.",
                    "Nothing has been uploaded yet: POST uploadFields and the file to uploadUrl first",
                ),
                **problem(
                    410,
                    "The grant expired and nothing was uploaded: request a new upload.",
                    "The upload grant expired before a file arrived; request a new upload",
                ),
                **problem(
                    422,
                    "The stored file is not what was declared (size, type, owner or first bytes); it was deleted.",
                    "The uploaded file is not what was declared, so it was deleted: "
                    "the file's content is not image/png",
                ),
                **STORE_UNAVAILABLE,
            },
        },
    },
}
