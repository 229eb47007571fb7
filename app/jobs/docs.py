"""OpenAPI building blocks every background-job resource shares: the job shape, 202 responses, Retry-After."""

from __future__ import annotations

from typing import Any

from app.docs.common import TIMESTAMP, UUID, json_content, ref

JOB_STATUSES = ["queued", "running", "succeeded", "failed"]
NULLABLE_TIMESTAMP = {**TIMESTAMP, "nullable": True}

RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before asking again (sent while the job is not finished).",
        "schema": {"type": "integer", "minimum": 1},
    }
}
LOCATION = {"Location": {"description": "The job's URL: poll it for the outcome.", "schema": {"type": "string"}}}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any 1 to 200 visible ASCII characters, unique per intended job (e.g. a UUID). Sending the same "
    "key with the same body again answers 202 with the first job (no second job); with another body, 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[\\x21-\\x7e]+$"},
}


def job_schema(description: str, result: dict[str, Any]) -> dict[str, Any]:
    """A job record: status, progress and timestamps, then `result` once succeeded or `error` once failed."""
    return {
        "type": "object",
        "description": description,
        "required": ["id", "status", "progress", "createdAt", "startedAt", "endedAt"],
        "additionalProperties": False,
        "properties": {
            "id": UUID,
            "status": {"type": "string", "enum": JOB_STATUSES},
            "progress": {
                "type": "object",
                "required": ["done", "total"],
                "additionalProperties": False,
                "properties": {"done": {"type": "integer", "minimum": 0}, "total": {"type": "integer", "minimum": 0}},
            },
            "createdAt": NULLABLE_TIMESTAMP,
            "startedAt": NULLABLE_TIMESTAMP,
            "endedAt": NULLABLE_TIMESTAMP,
            "result": {**result, "description": "Present once the job succeeded."},
            "error": {"type": "string", "description": "Present once the job failed: a safe, human message."},
        },
    }


def job_list_schema(item: str) -> dict[str, Any]:
    """The user's recent jobs of one kind, newest first."""
    return {
        "type": "object",
        "required": ["items"],
        "additionalProperties": False,
        "properties": {"items": {"type": "array", "items": ref(item)}},
    }


def accepted(schema: str, example: dict[str, Any]) -> dict[str, Any]:
    """202: the job is queued; Location names it."""
    return {
        "description": "Accepted: the job is queued. Poll Location for its outcome.",
        "headers": {**LOCATION, **RETRY_AFTER},
        "content": json_content(ref(schema), example),
    }


def job_response(schema: str, example: dict[str, Any]) -> dict[str, Any]:
    """200 with the job; Retry-After while it is not finished."""
    return {"description": "The job.", "headers": RETRY_AFTER, "content": json_content(ref(schema), example)}
