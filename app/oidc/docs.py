"""OpenAPI fragments for signing in with an OpenID Connect provider."""

from app.docs.auth import TOKEN_TRANSPORT, tokens_answer
from app.docs.common import body_errors, errors, json_body, json_content, problem_response, ref

LOGIN_CODE = {
    "type": "string",
    "minLength": 1,
    "maxLength": 128,
    "description": "The one-time code from the callback: valid once, for 60 seconds.",
    "example": "q3Vb7k1mJx0yZ9nE2sWc4tUa8dFh6gRi5oPl3KjMnBv",
}

LOGIN_CODE_EXCHANGE = {
    "type": "object",
    "required": ["loginCode"],
    "additionalProperties": False,
    "properties": {"loginCode": LOGIN_CODE, "tokenTransport": TOKEN_TRANSPORT},
}

PROVIDER_LIST = {
    "type": "object",
    "required": ["items"],
    "additionalProperties": False,
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "loginUrl"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "example": "google"},
                    "loginUrl": {"type": "string", "format": "uri", "description": "Open in the browser to sign in."},
                },
            },
        }
    },
}

CALLBACK_RESULT = {
    "type": "object",
    "description": "`loginCode` after a sign-in; `linked` (the provider's name) after linking a signed-in account.",
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {"loginCode": LOGIN_CODE, "linked": {"type": "string", "example": "google"}},
}

SCHEMAS = {
    "OidcProviderList": PROVIDER_LIST,
    "OidcLoginCodeExchange": LOGIN_CODE_EXCHANGE,
    "OidcCallback": CALLBACK_RESULT,
}

PROVIDER = {
    "name": "provider",
    "in": "path",
    "required": True,
    "description": "A provider's name, as `GET /api/v1/auth/oidc/providers` lists them.",
    "schema": {"type": "string", "example": "google"},
}
RETURN_TO = {
    "name": "returnTo",
    "in": "query",
    "required": False,
    "description": "Where the browser goes once signed in (with `?loginCode=...`): exactly one of OIDC_RETURN_URLS. "
    "Without it the callback answers with JSON.",
    "schema": {"type": "string", "example": "https://app.example.com/signed-in"},
}
LINK_TICKET = {
    "name": "linkTicket",
    "in": "query",
    "required": False,
    "description": "From `POST /api/v1/me/identities/{provider}` (already in its `loginUrl`): link, not sign in.",
    "schema": {"type": "string"},
}
PROVIDER_DOWN = {
    **problem_response(503),
    "description": "The provider is unreachable, too slow (OIDC_HTTP_TIMEOUT) or answered with something unusable.",
}
REDIRECT_HEADER = {"Location": {"description": "Where the browser goes next.", "schema": {"type": "string"}}}
SESSION_COOKIE = {
    "Set-Cookie": {
        "description": "`oidc_browser`: an opaque, HttpOnly, SameSite=Lax cookie for the OIDC paths (Secure in "
        "production) that binds the callback to this browser.",
        "schema": {"type": "string"},
    }
}


def _problem(status: int, description: str) -> dict:
    return {**problem_response(status), "description": description}


PATHS = {
    "/api/v1/auth/oidc/providers": {
        "get": {
            "operationId": "listOidcProviders",
            "summary": "List the sign-in providers",
            "description": "Public. Empty when no provider is configured (the feature is off).",
            "tags": ["auth"],
            "security": [],
            "responses": {
                "200": {
                    "description": "The configured providers.",
                    "content": json_content(
                        ref("OidcProviderList"),
                        {
                            "items": [
                                {"name": "google", "loginUrl": "https://api.example.com/api/v1/auth/oidc/google/login"}
                            ]
                        },
                    ),
                },
                **errors(),
            },
        }
    },
    "/api/v1/auth/oidc/{provider}/login": {
        "parameters": [PROVIDER],
        "get": {
            "operationId": "startOidcLogin",
            "summary": "Start signing in with a provider",
            "description": "Public; open it in the browser (a top-level navigation), not with fetch. Redirects to the "
            "provider's authorization endpoint with `response_type=code`, the fixed callback, the configured scope, a "
            "fresh `state` and `nonce`, and a PKCE `S256` challenge; nothing else in the request changes those. The "
            "provider is checked first: when it is down the answer is 503, never a redirect.",
            "tags": ["auth"],
            "security": [],
            "parameters": [RETURN_TO, LINK_TICKET],
            "responses": {
                "302": {"description": "To the provider.", "headers": {**REDIRECT_HEADER, **SESSION_COOKIE}},
                "400": _problem(400, "`returnTo` is not exactly one of the allowed return URLs (no redirect)."),
                "401": _problem(401, "The link ticket is unknown, used or expired."),
                "404": _problem(404, "No provider of this name is configured."),
                "503": PROVIDER_DOWN,
                **errors(),
            },
        },
    },
    "/api/v1/auth/oidc/{provider}/callback": {
        "parameters": [PROVIDER],
        "get": {
            "operationId": "finishOidcLogin",
            "summary": "Finish signing in with a provider",
            "description": "Public; the provider sends the browser here. The `state` must be the one issued to this "
            "browser, unused and unexpired; `iss` must name the provider; the code is exchanged with the PKCE "
            "verifier; "
            "the ID token (signature, iss, aud, exp, nonce) and UserInfo (same `sub`) are checked. A first sign-in "
            "creates an account only for an e-mail the provider has verified and no account has. Then: a 302 to "
            "`returnTo` with `?loginCode=...` (or `?linked=<provider>` after linking), or the same as JSON. No token "
            "ever appears in a URL: swap the login code at `POST /api/v1/auth/oidc/token`.",
            "tags": ["auth"],
            "security": [],
            "parameters": [
                {"name": "code", "in": "query", "required": False, "schema": {"type": "string"}},
                {"name": "state", "in": "query", "required": False, "schema": {"type": "string"}},
                {"name": "iss", "in": "query", "required": False, "schema": {"type": "string"}},
                {"name": "error", "in": "query", "required": False, "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {
                    "description": "Signed in (a login code) or linked, when the sign-in had no `returnTo`.",
                    "content": json_content(ref("OidcCallback"), {"loginCode": LOGIN_CODE["example"]}),
                },
                "302": {"description": "To `returnTo`, with `loginCode` or `linked`.", "headers": REDIRECT_HEADER},
                "401": _problem(
                    401,
                    "The state is missing, used, expired or from another browser; the issuer does not match; the "
                    "provider refused (e.g. access_denied) or its code, ID token or UserInfo did not check out.",
                ),
                "403": _problem(403, "The provider has not verified the e-mail, so no account is created from it."),
                "404": _problem(404, "No provider of this name is configured."),
                "409": _problem(
                    409,
                    "The e-mail belongs to an account (never linked automatically: sign in with the password and link "
                    "from the account), or the provider account is linked to another account.",
                ),
                "503": PROVIDER_DOWN,
                **errors(),
            },
        },
    },
    "/api/v1/auth/oidc/token": {
        "post": {
            "operationId": "exchangeOidcLoginCode",
            "summary": "Swap a login code for a token pair",
            "description": "Public, rate-limited like login. The code works once, within 60 seconds.",
            "tags": ["auth"],
            "security": [],
            "requestBody": json_body("OidcLoginCodeExchange", {"loginCode": LOGIN_CODE["example"]}),
            "responses": {
                "200": tokens_answer("A new session's tokens."),
                **body_errors(),
                "401": _problem(401, "The login code is unknown, used or expired (or its account is inactive)."),
            },
        }
    },
}
