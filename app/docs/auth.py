"""OpenAPI fragments for signing up, logging in, refreshing and logging out."""

from app.docs.common import body_errors, errors, json_body, json_content, ref
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

TOKEN_EXAMPLE = {
    "accessToken": "eyJhbGciOi...",
    "refreshToken": "eyJhbGciOi...",
    "tokenType": "Bearer",
    "expiresIn": 900,
}

SCHEMAS = {"Signup": SIGNUP, "Login": LOGIN, "TokenPair": TOKEN_PAIR}

REFRESH_SECURITY = [{"bearerAuth": []}]

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
            "password only) and a new verification link.",
            "tags": ["auth"],
            "security": [],
            "requestBody": json_body("Login", {"email": "ada@example.com", "password": "correct horse battery"}),
            "responses": {
                "200": {
                    "description": "A new session's tokens.",
                    "content": json_content(ref("TokenPair"), TOKEN_EXAMPLE),
                },
                **body_errors(401, 403, 429),
            },
        }
    },
    "/api/v1/auth/refresh": {
        "post": {
            "operationId": "refreshTokens",
            "summary": "Swap a refresh token for a new token pair",
            "description": "Send the **refresh** token as the Bearer token (in Swagger UI: Authorize with it). "
            "The refresh token is spent; presenting it again revokes the whole session.",
            "tags": ["auth"],
            "security": REFRESH_SECURITY,
            "responses": {
                "200": {
                    "description": "The session's next tokens.",
                    "content": json_content(ref("TokenPair"), TOKEN_EXAMPLE),
                },
                **errors(401),
            },
        }
    },
    "/api/v1/auth/logout": {
        "post": {
            "operationId": "logout",
            "summary": "Log out this session",
            "description": "Revokes the access and refresh tokens of this session only.",
            "tags": ["auth"],
            "responses": {"204": {"description": "Logged out."}, **errors(401)},
        }
    },
}
