"""OpenAPI fragments for signing up, logging in, refreshing and logging out."""

from app.docs.common import body_errors, errors, json_body, json_content, problem_response, ref
from app.docs.users import USER_EXAMPLE
from app.text import NOT_BLANK, SPACE

# Any case: ECMAScript patterns have no inline flags, so each letter is a class (`[tT][eE][sS][tT]`).
SPECIAL_USE_DOMAINS = "|".join(
    "".join(f"[{c}{c.upper()}]" for c in name) for name in ("arpa", "invalid", "local", "localhost", "onion", "test")
)
# The server checks addresses with email-validator: ASCII only, domain labels of at most 63 characters and no
# special-use domains (RFC 6761), which cannot receive mail. The pattern says the same, so that every address
# the schema admits is one the server accepts.
EMAIL_PATTERN = (
    f"^(?!.*\\.(?:{SPECIAL_USE_DOMAINS})\\.?{SPACE}*$)"  # no special-use domain
    "(?!.*@[^@]*[^.@]{64})"  # no domain label longer than 63 characters
    f"{SPACE}*[\\x21-\\x7e]+{SPACE}*$"  # ASCII, surrounding spaces trimmed
)
EMAIL = {
    "type": "string",
    "format": "email",
    "maxLength": 254,
    "pattern": EMAIL_PATTERN,
    "description": "An e-mail address: ASCII only, domain labels of at most 63 characters; addresses in special-use "
    "domains (.test, .local, .localhost, .invalid, .onion, .arpa) are refused.",
    "example": "ada@example.com",
}
PASSWORD = {
    "type": "string",
    "minLength": 8,
    "maxLength": 128,
    "format": "password",
    "example": "correct horse battery",
}

DISPLAY_NAME = {
    "type": "string",
    "minLength": 1,
    "maxLength": 100,
    "pattern": NOT_BLANK,
    "example": "Ada Lovelace",
}

SIGNUP = {
    "type": "object",
    "required": ["email", "password", "displayName"],
    "additionalProperties": False,
    "properties": {
        "email": EMAIL,
        "password": PASSWORD,
        "displayName": DISPLAY_NAME,
    },
}

TOKEN_TRANSPORT = {
    "type": "string",
    "enum": ["bearer", "cookie"],
    "default": "bearer",
    "description": "How the refresh token is handed over. `bearer` (the default, for any client): in the body. "
    "`cookie` (for a page in a browser, docs/browser-clients.md): as an HttpOnly cookie `refresh_token` "
    "(SameSite=Strict, Path=/api/v1/auth), never in the body; the body carries `csrfToken` instead, also set as "
    "the readable cookie `csrf_refresh_token`, to send back as `X-CSRF-Token` when refreshing or logging out.",
}

LOGIN = {
    "type": "object",
    "required": ["email", "password"],
    "additionalProperties": False,
    "properties": {
        "email": {"type": "string", "minLength": 1, "maxLength": 254, "example": "ada@example.com"},
        "password": {
            "type": "string",
            "minLength": 1,
            "maxLength": 128,
            "format": "password",
            "example": "correct horse battery",
        },
        "tokenTransport": TOKEN_TRANSPORT,
    },
}

TOKEN_PAIR = {
    "type": "object",
    "required": ["accessToken", "refreshToken", "tokenType", "expiresIn"],
    "properties": {
        "accessToken": {"type": "string", "description": "Send as `Authorization: Bearer <accessToken>`."},
        "refreshToken": {"type": "string", "description": "Send to /auth/refresh once; it is spent there."},
        "tokenType": {"type": "string", "enum": ["Bearer"]},
        "expiresIn": {"type": "integer", "description": "Seconds until the access token expires.", "example": 900},
    },
}

COOKIE_TOKENS = {
    "type": "object",
    "description": "The cookie transport's answer: the refresh token is in the `refresh_token` cookie, not here.",
    "required": ["accessToken", "tokenType", "expiresIn", "csrfToken"],
    "additionalProperties": False,
    "properties": {
        "accessToken": TOKEN_PAIR["properties"]["accessToken"],
        "tokenType": TOKEN_PAIR["properties"]["tokenType"],
        "expiresIn": TOKEN_PAIR["properties"]["expiresIn"],
        "csrfToken": {
            "type": "string",
            "description": "Send as `X-CSRF-Token` to /auth/refresh and /auth/logout; keep it (e.g. in "
            "sessionStorage) to refresh after a reload. Also in the `csrf_refresh_token` cookie. Changes at each "
            "refresh.",
        },
    },
}

TOKEN_EXAMPLE = {
    "accessToken": "eyJhbGciOi...",
    "refreshToken": "eyJhbGciOi...",
    "tokenType": "Bearer",
    "expiresIn": 900,
}
COOKIE_TOKENS_EXAMPLE = {
    "accessToken": "eyJhbGciOi...",
    "tokenType": "Bearer",
    "expiresIn": 900,
    "csrfToken": "5b0f3d5e-8a51-4f4e-9c1d-2f7b9e6a4c10",
}

SET_COOKIE = {
    "Set-Cookie": {
        "description": "With the cookie transport only: `refresh_token` (HttpOnly; SameSite=Strict; "
        "Path=/api/v1/auth; Max-Age the refresh token's lifetime; Secure in production) and `csrf_refresh_token` "
        "(readable; Path=/).",
        "schema": {"type": "string"},
    }
}


def tokens_answer(description: str) -> dict:
    """A 200 that hands over a session's tokens: a token pair (bearer) or tokens and a cookie (cookie)."""
    return {
        "description": f"{description} A `TokenPair` with the bearer transport; `CookieTokens` and two cookies "
        "with the cookie transport.",
        "headers": SET_COOKIE,
        "content": {
            "application/json": {
                "schema": {"oneOf": [ref("TokenPair"), ref("CookieTokens")]},
                "examples": {
                    "bearer": {"summary": "tokenTransport: bearer", "value": TOKEN_EXAMPLE},
                    "cookie": {"summary": "tokenTransport: cookie", "value": COOKIE_TOKENS_EXAMPLE},
                },
            }
        },
    }


SCHEMAS = {"Signup": SIGNUP, "Login": LOGIN, "TokenPair": TOKEN_PAIR, "CookieTokens": COOKIE_TOKENS}

# The cookie transport sends no Authorization header: the refresh cookie and X-CSRF-Token stand in for it.
REFRESH_SECURITY = [{"bearerAuth": []}, {}]
CSRF_PARAMETER = {
    "name": "X-CSRF-Token",
    "in": "header",
    "required": False,
    "description": "With the refresh cookie (no Authorization header): the `csrfToken` issued with it. Missing or "
    "wrong: 403.",
    "schema": {"type": "string"},
}
COOKIE_ERRORS = {
    "403": problem_response(
        403,
        "With the refresh cookie: `X-CSRF-Token` is missing or not the one issued with it, or the `Origin` is "
        "neither the API's own nor in CORS_ORIGINS.",
    )
}

PATHS = {
    "/api/v1/auth/signup": {
        "post": {
            "operationId": "signup",
            "summary": "Create an account",
            "description": "Public. Only `email`, `password` and `displayName` are accepted; other fields are refused. "
            "A verification link is mailed to the address (`emailVerified` is false until it is followed).",
            "tags": ["auth"],
            "security": [],
            "requestBody": json_body(
                "Signup",
                {"email": "ada@example.com", "password": "correct horse battery", "displayName": "Ada Lovelace"},
            ),
            "responses": {
                "201": {
                    "description": "The new account's profile, as GET /me returns it.",
                    "headers": {"Location": {"description": "/api/v1/me", "schema": {"type": "string"}}},
                    "content": json_content(ref("User"), USER_EXAMPLE),
                },
                **body_errors(409),
            },
        }
    },
    "/api/v1/auth/login": {
        "post": {
            "operationId": "login",
            "summary": "Log in and get a token pair",
            "description": "Public. An unknown email and a wrong password get the same 401. After too many failures "
            "the account is locked for a while (429 with Retry-After), even for the right password. Where "
            "`REQUIRE_VERIFIED_EMAIL` is on, an account whose address is not verified gets 403 (after the right "
            'password only) and a new verification link. A page in a browser asks for `"tokenTransport": '
            '"cookie"`: the refresh token then comes as an HttpOnly cookie, out of reach of scripts.',
            "tags": ["auth"],
            "security": [],
            "requestBody": json_body("Login", {"email": "ada@example.com", "password": "correct horse battery"}),
            "responses": {
                "200": tokens_answer("A new session's tokens."),
                **body_errors(401, 403, 429),
            },
        }
    },
    "/api/v1/auth/refresh": {
        "post": {
            "operationId": "refreshTokens",
            "summary": "Swap a refresh token for a new token pair",
            "description": "Send the **refresh** token as the Bearer token (in Swagger UI: Authorize with it). "
            "The refresh token is spent; presenting it again revokes the whole session.\n\n"
            "Cookie transport: send no Authorization header; the browser sends the `refresh_token` cookie "
            "(`credentials: 'include'` from another origin) and you send `X-CSRF-Token`. The answer sets a new "
            "cookie and carries a new `csrfToken`; a spent cookie presented again revokes the session too.",
            "tags": ["auth"],
            "security": REFRESH_SECURITY,
            "parameters": [CSRF_PARAMETER],
            "responses": {
                "200": tokens_answer("The session's next tokens, by the transport the refresh token came by."),
                **errors(401),
                **COOKIE_ERRORS,
            },
        }
    },
    "/api/v1/auth/logout": {
        "post": {
            "operationId": "logout",
            "summary": "Log out this session",
            "description": "Revokes the access and refresh tokens of this session only. Send the access token; "
            "or, with the cookie transport, no Authorization header but `X-CSRF-Token` (the browser sends the "
            "refresh cookie). Both cookies are cleared.",
            "tags": ["auth"],
            "security": REFRESH_SECURITY,
            "parameters": [CSRF_PARAMETER],
            "responses": {
                "204": {
                    "description": "Logged out.",
                    "headers": {
                        "Set-Cookie": {
                            "description": "When the refresh cookie was sent: both cookies expired.",
                            "schema": {"type": "string"},
                        }
                    },
                },
                **errors(401),
                **COOKIE_ERRORS,
            },
        }
    },
}
