"""OpenAPI fragments for accounts as admins see them, and the public profile every account view returns."""

from app.docs.common import (
    BEARER,
    LINK_HEADER,
    PAGE_PARAMETERS,
    TIMESTAMP,
    UUID,
    body_errors,
    errors,
    json_body,
    json_content,
    page_of,
    ref,
    uuid_path_parameter,
)

USER_EXAMPLE = {
    "id": "3f2b6c1e-8d4a-4e8b-9a57-0c1d2e3f4a5b",
    "email": "ada@example.com",
    "displayName": "Ada Lovelace",
    "role": "user",
    "active": True,
    "emailVerified": True,
    "createdAt": "2026-01-31T12:00:00.000Z",
    "updatedAt": "2026-01-31T12:00:00.000Z",
}

USER = {
    "type": "object",
    "description": "An account's public profile (never its password hash).",
    "required": ["id", "email", "displayName", "role", "active", "emailVerified", "createdAt", "updatedAt"],
    "properties": {
        "id": UUID,
        "email": {"type": "string", "format": "email", "example": "ada@example.com"},
        "displayName": {"type": "string", "example": "Ada Lovelace"},
        "role": {"type": "string", "enum": ["user", "admin"]},
        "active": {"type": "boolean"},
        "emailVerified": {"type": "boolean", "description": "Whether a link mailed to `email` was followed."},
        "createdAt": TIMESTAMP,
        "updatedAt": TIMESTAMP,
    },
}

USER_ADMIN_UPDATE = {
    "type": "object",
    "description": "What an admin may change on an account.",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "role": {"type": "string", "enum": ["user", "admin"]},
        "active": {"type": "boolean", "description": "false signs the user out everywhere at once."},
    },
}

SCHEMAS = {"User": USER, "UserPage": page_of("User"), "UserAdminUpdate": USER_ADMIN_UPDATE}

USER_ID = uuid_path_parameter("userId", "The account's id.")

PATHS = {
    "/api/v1/users": {
        "get": {
            "operationId": "listUsers",
            "summary": "List accounts (admin)",
            "description": "Newest first.",
            "tags": ["users"],
            "security": BEARER,
            "parameters": PAGE_PARAMETERS,
            "responses": {
                "200": {
                    "description": "One page of accounts.",
                    "headers": LINK_HEADER,
                    "content": json_content(
                        ref("UserPage"),
                        {"items": [USER_EXAMPLE], "page": 1, "perPage": 20, "total": 1, "totalPages": 1},
                    ),
                },
                **errors(400, 401, 403),
            },
        }
    },
    "/api/v1/users/{userId}": {
        "parameters": [USER_ID],
        "get": {
            "operationId": "getUser",
            "summary": "Show an account (admin)",
            "tags": ["users"],
            "security": BEARER,
            "responses": {
                "200": {"description": "The account.", "content": json_content(ref("User"), USER_EXAMPLE)},
                **errors(401, 403, 404),
            },
        },
        "patch": {
            "operationId": "updateUser",
            "summary": "Change an account's role or active flag (admin)",
            "description": "Deactivating an account revokes all its sessions at once. "
            "Admins cannot demote or deactivate themselves (409).",
            "tags": ["users"],
            "security": BEARER,
            "requestBody": json_body("UserAdminUpdate", {"active": False}),
            "responses": {
                "200": {"description": "The updated account.", "content": json_content(ref("User"), USER_EXAMPLE)},
                **body_errors(401, 403, 404, 409),
            },
        },
    },
}
