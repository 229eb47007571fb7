"""OpenAPI fragments for the signed-in user's linked sign-in providers."""

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
    problem_response,
    ref,
)
from app.oidc.docs import PROVIDER

IDENTITY_EXAMPLE = {
    "id": "0b7c2d4e-6f8a-4b1c-9d2e-3f4a5b6c7d8e",
    "provider": "google",
    "issuer": "https://accounts.google.com",
    "subject": "110169484474386276334",
    "email": "ada@example.com",
    "emailVerified": True,
    "createdAt": "2026-01-31T12:00:00.000Z",
    "updatedAt": "2026-01-31T12:00:00.000Z",
}

IDENTITY = {
    "type": "object",
    "description": "A provider account linked to yours; (issuer, subject) names the person there.",
    "required": ["id", "provider", "issuer", "subject", "email", "emailVerified", "createdAt", "updatedAt"],
    "properties": {
        "id": UUID,
        "provider": {"type": "string", "example": "google"},
        "issuer": {"type": "string", "format": "uri"},
        "subject": {"type": "string"},
        "email": {
            "type": "string",
            "nullable": True,
            "description": "As the provider last reported it; null when it reported none.",
        },
        "emailVerified": {"type": "boolean"},
        "createdAt": TIMESTAMP,
        "updatedAt": {**TIMESTAMP, "description": "The last sign-in with this provider."},
    },
}

LINK_START = {
    "type": "object",
    "description": "Where the browser returns once linked (`?linked=<provider>`); exactly one of OIDC_RETURN_URLS.",
    "additionalProperties": False,
    "properties": {"returnTo": {"type": "string", "minLength": 1, "maxLength": 2048}},
}

LINK_URL = {
    "type": "object",
    "required": ["loginUrl"],
    "additionalProperties": False,
    "properties": {
        "loginUrl": {
            "type": "string",
            "format": "uri",
            "description": "Open it in the browser within 60 seconds; it works once. The provider asks the person "
            "to sign in again.",
        }
    },
}

SCHEMAS = {"Identity": IDENTITY, "IdentityPage": page_of("Identity"), "LinkStart": LINK_START, "LinkUrl": LINK_URL}

PATHS = {
    "/api/v1/me/identities": {
        "get": {
            "operationId": "listMyIdentities",
            "summary": "List the providers linked to my account",
            "description": "Oldest first.",
            "tags": ["me"],
            "security": BEARER,
            "parameters": PAGE_PARAMETERS,
            "responses": {
                "200": {
                    "description": "One page of linked identities.",
                    "headers": LINK_HEADER,
                    "content": json_content(
                        ref("IdentityPage"),
                        {"items": [IDENTITY_EXAMPLE], "page": 1, "perPage": 20, "total": 1, "totalPages": 1},
                    ),
                },
                **errors(400, 401),
            },
        }
    },
    "/api/v1/me/identities/{provider}": {
        "parameters": [PROVIDER],
        "post": {
            "operationId": "linkMyIdentity",
            "summary": "Start linking a provider to my account",
            "description": "Returns a one-time `loginUrl` to open in the browser: the same sign-in flow, ending with "
            "the provider account linked to yours (409 if it is linked to another account, or yours already has one "
            "from this provider).",
            "tags": ["me"],
            "security": BEARER,
            "requestBody": json_body("LinkStart", {"returnTo": "https://app.example.com/settings"}),
            "responses": {
                "200": {
                    "description": "The URL that starts the link in the browser.",
                    "content": json_content(
                        ref("LinkUrl"),
                        {"loginUrl": "https://api.example.com/api/v1/auth/oidc/google/login?linkTicket=..."},
                    ),
                },
                **body_errors(401, 404),
            },
        },
        "delete": {
            "operationId": "unlinkMyIdentity",
            "summary": "Unlink a provider from my account",
            "description": "Refused (409) when it is the last way to sign in: an account without a password keeps "
            "at least one provider.",
            "tags": ["me"],
            "security": BEARER,
            "responses": {
                "204": {"description": "Unlinked."},
                **errors(401, 404),
                "409": {**problem_response(409), "description": "It is the last way to sign in to the account."},
            },
        },
    },
}
