"""OpenAPI fragments for the signed-in user's security log."""

from app.docs.common import BEARER, LINK_HEADER, PAGE_PARAMETERS, TIMESTAMP, errors, json_content, page_of, ref
from app.models.security_event import RETENTION, SECURITY_EVENT_TYPES

SECURITY_EVENT_EXAMPLE = {
    "type": "signed_in",
    "createdAt": "2026-01-31T12:00:00.000Z",
    "ipAddress": "203.0.113.7",
    "userAgent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
}

TYPES_DOC = (
    "`signed_in` (a password or provider sign-in), `sign_in_failed` (a wrong password for this account), "
    "`password_changed`, `password_reset` (through a mailed link), `email_changed`, `mfa_enabled`, `mfa_disabled`, "
    "`recovery_code_used`, `identity_linked`, `identity_unlinked`, `session_revoked` (ended from the session list, "
    "or because a spent refresh token was presented again)."
)

SECURITY_EVENT = {
    "type": "object",
    "description": "One thing that happened to your account, and the request that caused it.",
    "required": ["type", "createdAt", "ipAddress", "userAgent"],
    "additionalProperties": False,
    "properties": {
        "type": {
            "type": "string",
            "description": TYPES_DOC,
            "enum": list(SECURITY_EVENT_TYPES),
            "example": "signed_in",
        },
        "createdAt": TIMESTAMP,
        "ipAddress": {
            "type": "string",
            "nullable": True,
            "description": "The address the request came from (as the trusted proxies report it); null when the "
            "event did not come from a request (a command-line action).",
            "example": "203.0.113.7",
        },
        "userAgent": {
            "type": "string",
            "nullable": True,
            "maxLength": 200,
            "description": "The request's User-Agent, cut to 200 characters; null when none was sent.",
        },
    },
}

SCHEMAS = {"SecurityEvent": SECURITY_EVENT, "SecurityEventPage": page_of("SecurityEvent")}

PATHS = {
    "/api/v1/me/security-events": {
        "get": {
            "operationId": "listMySecurityEvents",
            "summary": "List what happened to my account",
            "description": f"Your security log, newest first: sign-ins (and failed ones), changes to your password, "
            f"address, second factor and linked providers, and ended sessions. Kept {RETENTION.days} days; "
            "deleted with the account.",
            "tags": ["me"],
            "security": BEARER,
            "parameters": PAGE_PARAMETERS,
            "responses": {
                "200": {
                    "description": "One page of the log.",
                    "headers": LINK_HEADER,
                    "content": json_content(
                        ref("SecurityEventPage"),
                        {"items": [SECURITY_EVENT_EXAMPLE], "page": 1, "perPage": 20, "total": 1, "totalPages": 1},
                    ),
                },
                **errors(400, 401),
            },
        }
    }
}
