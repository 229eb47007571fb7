"""OpenAPI fragments for bulk imports of posts (a background job)."""

from __future__ import annotations

from app.docs.common import BEARER, body_errors, errors, json_content, ref, uuid_path_parameter
from app.jobs.docs import IDEMPOTENCY_KEY, accepted, job_list_schema, job_response, job_schema
from app.posts.docs import POST_CREATE

# An imported post is a created post without attachments (uploads are attached one post at a time).
POST_IMPORT_ITEM = {
    **POST_CREATE,
    "description": "One post to import: the same fields as a new post, without attachments.",
    "properties": {name: schema for name, schema in POST_CREATE["properties"].items() if name != "attachments"},
}

IMPORT_BODY = {
    "type": "array",
    "description": "The posts to import, up to POST_IMPORT_MAX_ITEMS (10,000 by default; more is 422). Each item "
    "is checked by the job: invalid items are reported by index, valid ones imported.",
    "minItems": 1,
    "items": POST_IMPORT_ITEM,
}

IMPORT_RESULT = {
    "type": "object",
    "required": ["created", "alreadyPresent", "invalid", "overQuota", "errors"],
    "additionalProperties": False,
    "properties": {
        "created": {"type": "integer", "minimum": 0},
        "alreadyPresent": {"type": "integer", "minimum": 0, "description": "Items a re-run found already there."},
        "invalid": {"type": "integer", "minimum": 0},
        "overQuota": {
            "type": "integer",
            "minimum": 0,
            "description": "Valid items not created because your daily quota of posts (QUOTA_POSTS_PER_DAY, "
            "imports included) was used up; import them again once it frees.",
        },
        "errors": {
            "type": "array",
            "description": "The first 50 invalid items, by index in the request's array.",
            "items": {
                "type": "object",
                "required": ["index", "message"],
                "additionalProperties": False,
                "properties": {"index": {"type": "integer", "minimum": 0}, "message": {"type": "string"}},
            },
        },
    },
}

JOB_EXAMPLE = {
    "id": "0b9ad3c2-6f1e-4f67-9a34-0d6f2b8f7e11",
    "status": "queued",
    "progress": {"done": 0, "total": 2},
    "createdAt": "2026-01-31T12:00:00.000Z",
    "startedAt": None,
    "endedAt": None,
}
DONE_EXAMPLE = {
    **JOB_EXAMPLE,
    "status": "succeeded",
    "progress": {"done": 2, "total": 2},
    "startedAt": "2026-01-31T12:00:00.200Z",
    "endedAt": "2026-01-31T12:00:00.900Z",
    "result": {
        "created": 1,
        "alreadyPresent": 0,
        "invalid": 1,
        "overQuota": 0,
        "errors": [{"index": 1, "message": "title is required"}],
    },
}

SCHEMAS = {
    "PostImportItem": POST_IMPORT_ITEM,
    "PostImportRequest": IMPORT_BODY,
    "PostImport": job_schema("A bulk import of posts, run in the background.", IMPORT_RESULT),
    "PostImportList": job_list_schema("PostImport"),
}

IMPORT_ID = uuid_path_parameter("importId", "The import job's id.")

PATHS = {
    "/api/v1/me/post-imports": {
        "get": {
            "operationId": "listPostImports",
            "summary": "List your recent imports",
            "description": "Newest first, at most 50; a job is gone once its retention ends.",
            "tags": ["jobs"],
            "security": BEARER,
            "responses": {
                "200": {
                    "description": "Your recent imports.",
                    "content": json_content(ref("PostImportList"), {"items": [DONE_EXAMPLE]}),
                },
                **errors(401, 503),
            },
        },
        "post": {
            "operationId": "createPostImport",
            "summary": "Import many posts in the background",
            "description": "Answers at once with 202 and the job; a worker imports the posts. Up to 5 MiB of body "
            "(POST_IMPORT_MAX_BYTES) and two imports in flight per user (a third is 429). Items are checked by the "
            "job like `POST /posts` bodies (see `PostImportItem`); valid items are imported even when others are "
            "not. Safe to retry with an `Idempotency-Key`. Quotas (429 naming the setting, with `Retry-After`): the "
            "items count toward `QUOTA_IMPORT_ITEMS_PER_DAY` when submitted, and the posts created toward "
            "`QUOTA_POSTS_PER_DAY` (items beyond it are counted in the result's `overQuota`).",
            "tags": ["jobs"],
            "security": BEARER,
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {
                "required": True,
                "content": json_content(
                    ref("PostImportRequest"),
                    [
                        {"title": "Imported", "body": "From my old blog.", "status": "published"},
                        {"title": "Second", "body": "Another one.", "tags": ["old"]},
                    ],
                ),
            },
            "responses": {"202": accepted("PostImport", JOB_EXAMPLE), **body_errors(401, 422, 429, 503)},
        },
    },
    "/api/v1/me/post-imports/{importId}": {
        "parameters": [IMPORT_ID],
        "get": {
            "operationId": "getPostImport",
            "summary": "Show an import's status, progress and outcome",
            "description": "Another user's import, an unknown id and an expired one are all 404.",
            "tags": ["jobs"],
            "security": BEARER,
            "responses": {"200": job_response("PostImport", DONE_EXAMPLE), **errors(401, 404, 503)},
        },
    },
}
