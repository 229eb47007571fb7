"""OpenAPI fragments for exports of your posts (a background job)."""

from __future__ import annotations

from app.docs.common import BEARER, errors, json_content, ref, uuid_path_parameter
from app.jobs.docs import accepted, job_list_schema, job_response, job_schema
from app.posts.docs import POST_EXAMPLE

EXPORT_RESULT = {
    "type": "object",
    "required": ["count", "total", "truncated", "posts"],
    "additionalProperties": False,
    "properties": {
        "count": {"type": "integer", "minimum": 0, "description": "Posts in this export."},
        "total": {"type": "integer", "minimum": 0, "description": "Posts you had when the export ran."},
        "truncated": {"type": "boolean", "description": "True when you have more than POST_EXPORT_MAX_POSTS."},
        "posts": {"type": "array", "items": ref("Post"), "description": "Oldest first."},
    },
}

JOB_EXAMPLE = {
    "id": "5d0f3c7a-2b8e-4c1d-9f6a-7e8b9c0d1e2f",
    "status": "queued",
    "progress": {"done": 0, "total": 0},
    "createdAt": "2026-01-31T12:00:00.000Z",
    "startedAt": None,
    "endedAt": None,
}
DONE_EXAMPLE = {
    **JOB_EXAMPLE,
    "status": "succeeded",
    "progress": {"done": 1, "total": 1},
    "startedAt": "2026-01-31T12:00:00.100Z",
    "endedAt": "2026-01-31T12:00:00.300Z",
    "result": {"count": 1, "total": 1, "truncated": False, "posts": [POST_EXAMPLE]},
}

SCHEMAS = {
    "PostExport": job_schema(
        "An export of your posts, run in the background; kept for an hour (POST_EXPORT_TTL_SECONDS).", EXPORT_RESULT
    ),
    "PostExportList": job_list_schema("PostExport"),
    "PostExportRequest": {"type": "object", "additionalProperties": False, "properties": {}},
}

EXPORT_ID = uuid_path_parameter("exportId", "The export job's id.")

PATHS = {
    "/api/v1/me/post-exports": {
        "get": {
            "operationId": "listPostExports",
            "summary": "List your recent exports",
            "description": "Newest first, at most 50.",
            "tags": ["jobs"],
            "security": BEARER,
            "responses": {
                "200": {
                    "description": "Your recent exports.",
                    "content": json_content(ref("PostExportList"), {"items": [DONE_EXAMPLE]}),
                },
                **errors(401, 503),
            },
        },
        "post": {
            "operationId": "createPostExport",
            "summary": "Export your posts in the background",
            "description": "Answers at once with 202 and the job; the finished job holds your posts (oldest first, "
            "up to POST_EXPORT_MAX_POSTS) for an hour. No body, or `{}`. Two exports in flight at most, and "
            "`QUOTA_EXPORTS_PER_DAY` (24) in any 24 hours: beyond either, 429 with `Retry-After`.",
            "tags": ["jobs"],
            "security": BEARER,
            "requestBody": {"required": False, "content": json_content(ref("PostExportRequest"), {})},
            "responses": {"202": accepted("PostExport", JOB_EXAMPLE), **errors(400, 401, 413, 415, 429, 503)},
        },
    },
    "/api/v1/me/post-exports/{exportId}": {
        "parameters": [EXPORT_ID],
        "get": {
            "operationId": "getPostExport",
            "summary": "Show an export's status and, once done, your posts",
            "description": "Another user's export, an unknown id and an expired one are all 404.",
            "tags": ["jobs"],
            "security": BEARER,
            "responses": {"200": job_response("PostExport", DONE_EXAMPLE), **errors(401, 404, 503)},
        },
    },
}
