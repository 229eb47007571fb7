"""OpenAPI fragments for the sample resource."""

from app.docs.common import BEARER, body_errors, errors, json_body, json_content, ref

SAMPLE = {
    "type": "object",
    "required": ["name", "age"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100, "example": "Ada"},
        "age": {"type": "integer", "minimum": 0, "maximum": 150, "example": 36},
    },
}

GREETING = {
    "type": "object",
    "required": ["msg"],
    "properties": {"msg": {"type": "string", "example": "hello!"}},
}

SCHEMAS = {"Sample": SAMPLE, "Greeting": GREETING}

PATHS = {
    "/api/v1/sample": {
        "get": {
            "operationId": "getSample",
            "summary": "Say hello",
            "description": "Public: no token needed.",
            "tags": ["sample"],
            "security": [],
            "responses": {
                "200": {"description": "A greeting.", "content": json_content(ref("Greeting"), {"msg": "hello!"})},
                **errors(),
            },
        },
        "post": {
            "operationId": "createSample",
            "summary": "Echo a validated sample",
            "description": "Needs an access token. Validates `name` and `age` against the schema and echoes them back.",
            "tags": ["sample"],
            "security": BEARER,
            "requestBody": json_body("Sample", {"name": "Ada", "age": 36}),
            "responses": {
                "201": {
                    "description": "The sample, echoed.",
                    "content": json_content(ref("Sample"), {"name": "Ada", "age": 36}),
                },
                **body_errors(401),
            },
        },
    }
}
