"""OpenAPI fragments for the health probes."""

from app.docs.common import errors, json_content, ref

STATUS = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"type": "string", "enum": ["ok", "ready"]}},
}

SCHEMAS = {"ProbeStatus": STATUS}

PATHS = {
    "/health": {
        "get": {
            "operationId": "getHealth",
            "summary": "Liveness: the process answers",
            "description": "Public and never rate limited. Touches no dependency.",
            "tags": ["health"],
            "security": [],
            "responses": {
                "200": {"description": "Alive.", "content": json_content(ref("ProbeStatus"), {"status": "ok"})},
                **errors(throttled=False),
            },
        }
    },
    "/ready": {
        "get": {
            "operationId": "getReady",
            "summary": "Readiness: MongoDB answers",
            "description": "Public and never rate limited. 503 while the database cannot be reached.",
            "tags": ["health"],
            "security": [],
            "responses": {
                "200": {"description": "Ready.", "content": json_content(ref("ProbeStatus"), {"status": "ready"})},
                **errors(503, throttled=False),
            },
        }
    },
}
