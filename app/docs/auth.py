"""OpenAPI fragments for signing up, logging in, refreshing and logging out."""

from app.docs.common import body_errors, errors, json_body, json_content, ref
from app.docs.users import USER_EXAMPLE
from app.validation import NOT_BLANK

EMAIL = {"type": "string", "format": "email", "maxLength": 254, "example": "ada@example.com"}
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
            "description": "Public. Only `email`, `password` and `displayName` are accepted; other fields are refused.",
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
            "the account is locked for a while (429 with Retry-After), even for the right password.",
            "tags": ["auth"],
            "security": [],
            "requestBody": json_body("Login", {"email": "ada@example.com", "password": "correct horse battery"}),
            "responses": {
                "200": {
                    "description": "A new session's tokens.",
                    "content": json_content(ref("TokenPair"), TOKEN_EXAMPLE),
                },
                **body_errors(401, 429),
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
