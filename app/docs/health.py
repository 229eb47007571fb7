"""OpenAPI fragments for the health probes (at the root, outside /api/v1)."""

from typing import Any

from app.docs.common import REQUEST_ID_EXAMPLE, errors, json_content, ref

STATUS = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"type": "string", "enum": ["ok", "ready"]}},
}

SCHEMAS = {"ProbeStatus": STATUS}

EXAMPLES = {
    406: {
        "type": "about:blank",
        "title": "Not Acceptable",
        "status": 406,
        "detail": "This API answers with JSON only; send an Accept header that allows application/json",
        "requestId": REQUEST_ID_EXAMPLE,
    },
    503: {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "The database is unavailable; try again shortly",
        "requestId": REQUEST_ID_EXAMPLE,
    },
}


def probe_errors(*statuses: int) -> dict[str, Any]:
    """The probes' error responses (never 429: they are not throttled), each with an example."""
    responses = errors(*statuses, throttled=False)
    for status, response in responses.items():
        response["content"]["application/problem+json"]["example"] = EXAMPLES[int(status)]
    return responses


PATHS = {
    "/health": {
        "get": {
            "operationId": "getHealth",
            "summary": "Liveness: the process answers",
            "description": "Public and never rate limited. Touches no dependency, so a database outage does not "
            "make an orchestrator restart healthy app servers.",
            "tags": ["health"],
            "security": [],
            "responses": {
                "200": {"description": "Alive.", "content": json_content(ref("ProbeStatus"), {"status": "ok"})},
                **probe_errors(),
            },
        }
    },
    "/ready": {
        "get": {
            "operationId": "getReady",
            "summary": "Readiness: MongoDB answers a ping",
            "description": "Public and never rate limited. 503 while the database cannot be reached: take this "
            "server out of the load balancer until it answers 200 again.",
            "tags": ["health"],
            "security": [],
            "responses": {
                "200": {"description": "Ready.", "content": json_content(ref("ProbeStatus"), {"status": "ready"})},
                **probe_errors(503),
            },
        }
    },
}
