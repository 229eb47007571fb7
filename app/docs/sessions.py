"""OpenAPI fragments for the signed-in user's sessions."""

from app.docs.common import (
    BEARER,
    LINK_HEADER,
    PAGE_PARAMETERS,
    TIMESTAMP,
    UUID,
    errors,
    json_content,
    page_of,
    ref,
    uuid_path_parameter,
)

SESSION_EXAMPLE = {
    "id": "3f2b6c1e-8d4a-4e8b-9a57-0c1d2e3f4a5b",
    "createdAt": "2026-01-31T12:00:00.000Z",
    "lastUsedAt": "2026-02-01T08:30:00.000Z",
    "signInMethod": "password",
    "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "current": True,
}

SESSION = {
    "type": "object",
    "description": "One sign-in and every token pair refreshed from it.",
    "required": ["id", "createdAt", "lastUsedAt", "signInMethod", "userAgent", "current"],
    "additionalProperties": False,
    "properties": {
        "id": UUID,
        "createdAt": {**TIMESTAMP, "description": "When the sign-in happened."},
        "lastUsedAt": {**TIMESTAMP, "description": "The sign-in, or the latest refresh of its tokens."},
        "signInMethod": {
            "type": "string",
            "nullable": True,
            "pattern": "^(password|oidc:.+)$",
            "description": "`password`, or `oidc:<provider>` for a provider's sign-in (null for a session started "
            "before the API recorded it).",
            "example": "oidc:google",
        },
        "userAgent": {
            "type": "string",
            "nullable": True,
            "maxLength": 200,
            "description": "The signing-in client's User-Agent, cut to 200 characters (null when none was sent). "
            "What the client says, to help you recognise it: not proof of what it is.",
        },
        "current": {"type": "boolean", "description": "Whether this is the session of the token that asked."},
    },
}

SCHEMAS = {"Session": SESSION, "SessionPage": page_of("Session")}

SESSION_ID = uuid_path_parameter("sessionId", "The session's id (from the list).")

PATHS = {
    "/api/v1/me/sessions": {
        "get": {
            "operationId": "listMySessions",
            "summary": "List my sessions",
            "description": "Every session you are signed in with (not ended, not expired), newest sign-in first; "
            "`current` marks the one this request's token belongs to.",
            "tags": ["me"],
            "security": BEARER,
            "parameters": PAGE_PARAMETERS,
            "responses": {
                "200": {
                    "description": "One page of sessions.",
                    "headers": LINK_HEADER,
                    "content": json_content(
                        ref("SessionPage"),
                        {"items": [SESSION_EXAMPLE], "page": 1, "perPage": 20, "total": 1, "totalPages": 1},
                    ),
                },
                **errors(400, 401),
            },
        },
        "delete": {
            "operationId": "endMyOtherSessions",
            "summary": "End every session but this one",
            "description": "Signs you out everywhere else: the other sessions' access and refresh tokens are "
            "refused from the next request on. The session of the token that asked stays. Recorded in the security "
            "log as `session_revoked` (when there was another session to end).",
            "tags": ["me"],
            "security": BEARER,
            "responses": {"204": {"description": "Every other session ended."}, **errors(401)},
        },
    },
    "/api/v1/me/sessions/{sessionId}": {
        "parameters": [SESSION_ID],
        "delete": {
            "operationId": "endMySession",
            "summary": "End one of my sessions",
            "description": "Its access and refresh tokens are refused from the next request on (ending the current "
            "session signs this client out, as logout does). Another account's session, an ended or unknown one "
            "answers 404 alike. Recorded in the security log as `session_revoked`.",
            "tags": ["me"],
            "security": BEARER,
            "responses": {"204": {"description": "Ended."}, **errors(401, 404)},
        },
    },
}
