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

# The re-authentication every sensitive change asks for (app.accounts.reauthenticate).
CURRENT_PASSWORD = {
    "type": "string",
    "minLength": 1,
    "maxLength": 128,
    "format": "password",
    "description": "The current password: required when the account has one (403 when missing or wrong; wrong "
    "guesses count toward the lock-out). An account without one (made by an identity provider) leaves it out and "
    "needs an access token from a sign-in within the last 5 minutes instead.",
}
# A second factor's code, asked for by the same re-authentication when the account has one on.
SECOND_FACTOR_CODE = {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "description": "With a second factor on: a current 6-digit code from the authenticator app, or an "
    "unused recovery code (which is then spent). 403 when missing or wrong; wrong codes count toward the lock-out. "
    "Leave it out for an account without a second factor.",
    "example": "123456",
}
REAUTHENTICATION = (
    "Asks who you are: the current password, or, for an account without one, a *fresh* access token (from a "
    "password or provider sign-in within the last 5 minutes; a refreshed token is never fresh); and, with a second "
    "factor on, a `code`. 403 otherwise."
)

# The 403 of every operation that asks who you are (REAUTHENTICATION).
REAUTHENTICATION_403 = (
    "The password is missing or wrong (an account with a password), or the access token is not fresh (an account "
    "without one: sign in again), or, with a second factor on, `code` is missing or wrong. Wrong guesses count "
    "toward the lock-out (then 429)."
)

PASSWORD_CHANGE = {
    "type": "object",
    "required": ["newPassword"],
    "additionalProperties": False,
    "properties": {"currentPassword": CURRENT_PASSWORD, "newPassword": PASSWORD, "code": SECOND_FACTOR_CODE},
}

ACCOUNT_DELETE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"password": CURRENT_PASSWORD, "code": SECOND_FACTOR_CODE},
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
            "description": f"{REAUTHENTICATION} Removes the account, its sessions, its posts, its linked providers "
            "and its mailed links.",
            "tags": ["me"],
            "requestBody": json_body("AccountDelete", {"password": "correct horse battery"}),
            "responses": {"204": {"description": "Deleted."}, **body_errors(401, 403)},
        },
    },
    "/api/v1/me/password": {
        "put": {
            "operationId": "changeMyPassword",
            "summary": "Change my password",
            "description": f"{REAUTHENTICATION} An account without a password sets its first one here (or with "
            "the password-reset flow). Every other session is signed out; outstanding reset links, pending e-mail "
            "changes, link tickets, provider links in progress and login codes stop working; a notice is mailed.",
            "tags": ["me"],
            "requestBody": json_body(
                "PasswordChange", {"currentPassword": "correct horse battery", "newPassword": "staple battery horse"}
            ),
            "responses": {"204": {"description": "Changed."}, **body_errors(401, 403)},
        }
    },
}
