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

# RFC 7636: the verifier is the client app's secret (43-128 unreserved characters, e.g. 32 random bytes in
# base64url); the challenge it sends first is base64url(SHA-256(verifier)) without padding (S256 only).
CODE_VERIFIER = {
    "type": "string",
    "pattern": "^[A-Za-z0-9._~-]{43,128}$",
    "description": "The PKCE code verifier (RFC 7636) the client app made before it sent `codeChallenge`: 43-128 "
    "characters of `A-Z a-z 0-9 - . _ ~`. It never leaves the client app until this call.",
    "example": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
}
CODE_CHALLENGE = {
    "type": "string",
    "pattern": "^[A-Za-z0-9_-]{43}$",
    "description": "PKCE S256 (RFC 7636): base64url(SHA-256(codeVerifier)) without `=` padding, 43 characters. "
    "Whoever spends the code this flow ends with must show the verifier.",
    "example": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
}
LINK_CODE = {
    "type": "string",
    "minLength": 1,
    "maxLength": 128,
    "description": "The one-time link code from the callback: confirm it within 60 seconds with "
    "`POST /api/v1/me/identities/{provider}/confirm`.",
    "example": "Zr4mQ8wXn2Lk6TcVb1yHs9pAe3uJd7oFg5iKq0WjMtE",
}

LOGIN_CODE_EXCHANGE = {
    "type": "object",
    "required": ["loginCode", "codeVerifier"],
    "additionalProperties": False,
    "properties": {"loginCode": LOGIN_CODE, "codeVerifier": CODE_VERIFIER, "tokenTransport": TOKEN_TRANSPORT},
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

LOGIN_CODE_RESULT = {
    "type": "object",
    "description": "After a sign-in: swap the code, with the verifier, at `POST /api/v1/auth/oidc/token`.",
    "required": ["loginCode"],
    "additionalProperties": False,
    "properties": {"loginCode": LOGIN_CODE},
}

LINK_CODE_RESULT = {
    "type": "object",
    "description": "After the provider sign-in of a link: the account that asked confirms it at "
    "`POST /api/v1/me/identities/{provider}/confirm`.",
    "required": ["linkCode"],
    "additionalProperties": False,
    "properties": {"linkCode": LINK_CODE},
}

SCHEMAS = {
    "OidcProviderList": PROVIDER_LIST,
    "OidcLoginCodeExchange": LOGIN_CODE_EXCHANGE,
    "OidcLoginCode": LOGIN_CODE_RESULT,
    "OidcLinkCode": LINK_CODE_RESULT,
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
    "description": "Where the browser goes once signed in (with `?loginCode=...`, or `?linkCode=...` for a link): "
    "exactly one of OIDC_RETURN_URLS. Without it the callback answers with JSON.",
    "schema": {"type": "string", "example": "https://app.example.com/signed-in"},
}
CHALLENGE_PARAMETER = {
    "name": "codeChallenge",
    "in": "query",
    "required": True,
    "description": "The client app's PKCE S256 challenge (RFC 7636): base64url(SHA-256(codeVerifier)), 43 "
    "characters. The login code is exchanged only with its verifier, so a code taken from the redirect (another "
    "app claiming the same custom scheme, a link planted by someone else) is useless. For a link, the one given "
    "to `POST /api/v1/me/identities/{provider}` (already in its `loginUrl`).",
    "schema": CODE_CHALLENGE,
}
CHALLENGE_METHOD = {
    "name": "codeChallengeMethod",
    "in": "query",
    "required": False,
    "description": "`S256`, the only method (the default); anything else is a 400.",
    "schema": {"type": "string", "enum": ["S256"]},
}
LINK_TICKET = {
    "name": "linkTicket",
    "in": "query",
    "required": False,
    "description": "From `POST /api/v1/me/identities/{provider}` (already in its `loginUrl`): link, not sign in.",
    "schema": {"type": "string"},
}
PROVIDER_DOWN = problem_response(
    503, "The provider is unreachable, too slow (OIDC_HTTP_TIMEOUT) or answered with something unusable."
)
REDIRECT_HEADER = {"Location": {"description": "Where the browser goes next.", "schema": {"type": "string"}}}
SESSION_COOKIE = {
    "Set-Cookie": {
        "description": "`oidc_browser`: an opaque, HttpOnly, SameSite=Lax cookie for the OIDC paths (Secure in "
        "production) that binds the callback to this browser.",
        "schema": {"type": "string"},
    }
}


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
            "description": "Public; open it in the browser (a top-level navigation), not with fetch. The client app "
            "first makes a random `codeVerifier` and keeps it; this URL carries only its S256 `codeChallenge`. "
            "Redirects to the provider's authorization endpoint with `response_type=code`, the fixed callback, the "
            "configured scope, a fresh `state` and `nonce`, and the API's own PKCE `S256` challenge; nothing else in "
            "the request changes those. The provider is checked first: when it is down the answer is 503, never a "
            "redirect.",
            "tags": ["auth"],
            "security": [],
            "parameters": [CHALLENGE_PARAMETER, CHALLENGE_METHOD, RETURN_TO, LINK_TICKET],
            "responses": {
                "302": {"description": "To the provider.", "headers": {**REDIRECT_HEADER, **SESSION_COOKIE}},
                "400": problem_response(
                    400,
                    "`codeChallenge` is missing or not an S256 challenge, `codeChallengeMethod` is not `S256`, or "
                    "`returnTo` is not exactly one of the allowed return URLs (no redirect).",
                ),
                "401": problem_response(
                    401,
                    "The link ticket is unknown, used or expired, was issued with another `codeChallenge`, or its "
                    "account is inactive.",
                ),
                "404": problem_response(404, "No provider of this name is configured."),
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
            "`returnTo` with `?loginCode=...`, or the same as JSON. No token ever appears in a URL: swap the login "
            "code, with the verifier, at `POST /api/v1/auth/oidc/token`. A link ends instead with `?linkCode=...` "
            '(or `{"linkCode"}`): nothing is linked until the account that asked confirms it with '
            "`POST /api/v1/me/identities/{provider}/confirm`.",
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
                    "description": "Signed in (a login code) or ready to link (a link code), when the flow had no "
                    "`returnTo`.",
                    "content": json_content(
                        {"oneOf": [ref("OidcLoginCode"), ref("OidcLinkCode")]}, {"loginCode": LOGIN_CODE["example"]}
                    ),
                },
                "302": {"description": "To `returnTo`, with `loginCode` or `linkCode`.", "headers": REDIRECT_HEADER},
                "401": problem_response(
                    401,
                    "The state is missing, used, expired or from another browser; the issuer does not match; the "
                    "provider refused (e.g. access_denied) or its code, ID token or UserInfo did not check out; or "
                    "the account behind the sign-in (or the one that asked for the link) is inactive.",
                ),
                "403": problem_response(
                    403, "The provider has not verified the e-mail, so no account is created from it."
                ),
                "404": problem_response(404, "No provider of this name is configured."),
                "409": problem_response(
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
            "summary": "Swap a login code and its PKCE verifier for a token pair",
            "description": "Public, rate-limited like login. The code works once, within 60 seconds, and only with "
            "the `codeVerifier` whose S256 challenge started the sign-in: a wrong verifier spends the code. The "
            "access token is *fresh* for 5 minutes (an account without a password needs that for sensitive "
            "changes); the tokens from `POST /api/v1/auth/refresh` never are.",
            "tags": ["auth"],
            "security": [],
            "requestBody": json_body(
                "OidcLoginCodeExchange", {"loginCode": LOGIN_CODE["example"], "codeVerifier": CODE_VERIFIER["example"]}
            ),
            "responses": {
                "200": tokens_answer("A new session's tokens."),
                **body_errors(),
                "401": problem_response(
                    401,
                    "The login code is unknown, used or expired, the verifier does not match its challenge (the code "
                    "is spent), or its account is inactive.",
                ),
            },
        }
    },
}
