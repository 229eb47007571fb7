"""OpenAPI fragments for the signed-in user's own account."""

from app.docs.auth import DISPLAY_NAME, PASSWORD
from app.docs.common import body_errors, errors, json_body, json_content, ref
from app.docs.users import USER_EXAMPLE

PROFILE_UPDATE = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {"displayName": {**DISPLAY_NAME, "example": "Ada King"}},
}

PASSWORD_CHANGE = {
    "type": "object",
    "required": ["currentPassword", "newPassword"],
    "additionalProperties": False,
    "properties": {
        "currentPassword": {"type": "string", "minLength": 1, "maxLength": 128, "format": "password"},
        "newPassword": PASSWORD,
    },
}

ACCOUNT_DELETE = {
    "type": "object",
    "required": ["password"],
    "additionalProperties": False,
    "properties": {"password": {"type": "string", "minLength": 1, "maxLength": 128, "format": "password"}},
}

SCHEMAS = {"ProfileUpdate": PROFILE_UPDATE, "PasswordChange": PASSWORD_CHANGE, "AccountDelete": ACCOUNT_DELETE}

PROFILE = {"description": "Your profile.", "content": json_content(ref("User"), USER_EXAMPLE)}

PATHS = {
    "/api/v1/me": {
        "get": {
            "operationId": "getMe",
            "summary": "Show my profile",
            "tags": ["me"],
            "responses": {"200": PROFILE, **errors(401)},
        },
        "patch": {
            "operationId": "updateMe",
            "summary": "Change my profile",
            "tags": ["me"],
            "requestBody": json_body("ProfileUpdate", {"displayName": "Ada King"}),
            "responses": {"200": PROFILE, **body_errors(401)},
        },
        "delete": {
            "operationId": "deleteMe",
            "summary": "Delete my account and everything it owns",
            "description": "Needs the current password. Removes the account, its sessions, its posts and its "
            "mailed links. An account created through an identity provider has no password yet (403): it sets one "
            "with the password-reset flow (`POST /api/v1/auth/password-reset`) first.",
            "tags": ["me"],
            "requestBody": json_body("AccountDelete", {"password": "correct horse battery"}),
            "responses": {"204": {"description": "Deleted."}, **body_errors(401, 403)},
        },
    },
    "/api/v1/me/password": {
        "put": {
            "operationId": "changeMyPassword",
            "summary": "Change my password",
            "description": "Needs the current password (403 when wrong, or when the account has none yet: an "
            "account created through an identity provider sets its first password with the password-reset flow). "
            "Every other session is signed out, outstanding reset links stop working, and a notice is mailed.",
            "tags": ["me"],
            "requestBody": json_body(
                "PasswordChange", {"currentPassword": "correct horse battery", "newPassword": "staple battery horse"}
            ),
            "responses": {"204": {"description": "Changed."}, **body_errors(401, 403)},
        }
    },
}
