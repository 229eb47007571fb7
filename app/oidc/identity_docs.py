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
from app.docs.me import CURRENT_PASSWORD, REAUTHENTICATION_403, SECOND_FACTOR_CODE
from app.oidc.docs import CODE_CHALLENGE, CODE_VERIFIER, LINK_CODE, PROVIDER

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
    "required": ["codeChallenge"],
    "additionalProperties": False,
    "properties": {
        "password": CURRENT_PASSWORD,
        "code": SECOND_FACTOR_CODE,
        "codeChallenge": CODE_CHALLENGE,
        "returnTo": {
            "type": "string",
            "minLength": 1,
            "maxLength": 2048,
            "description": "Where the browser returns with `?linkCode=...`: exactly one of OIDC_RETURN_URLS. Without "
            'it the callback answers `{"linkCode"}` as JSON.',
        },
    },
}

UNLINK = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"password": CURRENT_PASSWORD, "code": SECOND_FACTOR_CODE},
}

LINK_CONFIRM = {
    "type": "object",
    "required": ["linkCode", "codeVerifier"],
    "additionalProperties": False,
    "properties": {"linkCode": LINK_CODE, "codeVerifier": CODE_VERIFIER},
}

LINK_URL = {
    "type": "object",
    "required": ["loginUrl"],
    "additionalProperties": False,
    "properties": {
        "loginUrl": {
            "type": "string",
            "format": "uri",
            "description": "Open it in the browser within 60 seconds; it works once. It carries the link ticket, "
            "the `codeChallenge` and `returnTo`. The provider asks the person to sign in again.",
        }
    },
}

SCHEMAS = {
    "Identity": IDENTITY,
    "IdentityPage": page_of("Identity"),
    "LinkStart": LINK_START,
    "LinkUrl": LINK_URL,
    "Unlink": UNLINK,
    "LinkConfirm": LINK_CONFIRM,
}


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
            "description": "Step 1 of 2. A linked provider is a way into the account, so this asks who you are: "
            "the current `password`, or, for an account without one, an access token from a sign-in within the last "
            "5 minutes; and, with a second factor on, a `code`. Only an account with a verified e-mail address may "
            "link. The client app makes a random "
            "`codeVerifier`, keeps it, and sends its S256 `codeChallenge`. Returns a one-time `loginUrl` to open in "
            "the browser: the provider sign-in, ending with a `linkCode` (at `returnTo?linkCode=...`, or as JSON). "
            "Nothing is linked until step 2, `POST /api/v1/me/identities/{provider}/confirm`, with this account's "
            "token and the verifier.",
            "tags": ["me"],
            "security": BEARER,
            "requestBody": json_body(
                "LinkStart",
                {
                    "password": "correct horse battery",
                    "codeChallenge": CODE_CHALLENGE["example"],
                    "returnTo": "https://app.example.com/settings",
                },
            ),
            "responses": {
                "200": {
                    "description": "The URL that starts the link in the browser.",
                    "content": json_content(
                        ref("LinkUrl"),
                        {
                            "loginUrl": "https://api.example.com/api/v1/auth/oidc/google/login?linkTicket=..."
                            "&codeChallenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
                        },
                    ),
                },
                **body_errors(401, 404),
                "403": problem_response(
                    403, f"{REAUTHENTICATION_403} Or the account's e-mail address is not verified yet."
                ),
            },
        },
        "delete": {
            "operationId": "unlinkMyIdentity",
            "summary": "Unlink a provider from my account",
            "description": "Asks who you are, as linking does: the current `password`, or a fresh sign-in for an "
            "account without one (send `{}`), and a `code` with a second factor on. Refused (409) when it is the last "
            "way to sign in: an account without a "
            "password keeps at least one provider. A notice is mailed to the account's address.",
            "tags": ["me"],
            "security": BEARER,
            "requestBody": json_body("Unlink", {"password": "correct horse battery"}),
            "responses": {
                "204": {"description": "Unlinked."},
                **body_errors(401, 404),
                "403": problem_response(403, REAUTHENTICATION_403),
                "409": problem_response(409, "It is the last way to sign in to the account."),
            },
        },
    },
    "/api/v1/me/identities/{provider}/confirm": {
        "parameters": [PROVIDER],
        "post": {
            "operationId": "confirmMyIdentityLink",
            "summary": "Finish linking a provider to my account",
            "description": "Step 2 of 2: the `linkCode` the callback handed back and the `codeVerifier` whose "
            "challenge started the link, with the access token of the account that asked. The code works once, "
            "within 60 seconds, for that account only: presented with another account's token or a wrong verifier "
            "it is spent and nothing is linked. A notice naming the provider is mailed to the account's address.",
            "tags": ["me"],
            "security": BEARER,
            "requestBody": json_body(
                "LinkConfirm", {"linkCode": LINK_CODE["example"], "codeVerifier": CODE_VERIFIER["example"]}
            ),
            "responses": {
                "201": {
                    "description": "Linked: the new identity.",
                    "content": json_content(ref("Identity"), IDENTITY_EXAMPLE),
                },
                "200": {
                    "description": "This provider account was already linked to yours: the identity, unchanged.",
                    "content": json_content(ref("Identity"), IDENTITY_EXAMPLE),
                },
                **body_errors(),
                "401": problem_response(
                    401,
                    "No valid access token; or the code was issued to another account, or the verifier does not match "
                    "its challenge (the code is spent, nothing is linked).",
                ),
                "403": problem_response(403, "The account's e-mail address is not verified."),
                "404": problem_response(
                    404, "No such provider, or no link waits under this code (unknown, used or expired)."
                ),
                "409": problem_response(
                    409,
                    "The provider account is linked to another account, or yours already has one from this provider.",
                ),
            },
        },
    },
}
