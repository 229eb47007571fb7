"""OpenAPI fragments for resetting a forgotten password by e-mail."""

from app.docs.auth import PASSWORD
from app.docs.common import body_errors, json_body
from app.mail.verification_docs import TOKEN, mail_accepted

PASSWORD_RESET_REQUEST = {
    "type": "object",
    "required": ["email"],
    "additionalProperties": False,
    "properties": {"email": {"type": "string", "minLength": 1, "maxLength": 254, "example": "ada@example.com"}},
}

PASSWORD_RESET_CONFIRM = {
    "type": "object",
    "required": ["token", "newPassword"],
    "additionalProperties": False,
    "properties": {"token": TOKEN, "newPassword": PASSWORD},
}

RESET_ACCEPTED = {
    "message": "If an account uses this address, a link to choose a new password is on its way. It works for 30 "
    "minutes."
}

SCHEMAS = {"PasswordResetRequest": PASSWORD_RESET_REQUEST, "PasswordResetConfirm": PASSWORD_RESET_CONFIRM}

PATHS = {
    "/api/v1/auth/password-reset": {
        "post": {
            "operationId": "requestPasswordReset",
            "summary": "Mail me a link to choose a new password",
            "description": (
                "Public. Always 202 with the same body, in about the same time, whether or not an account uses the "
                "address (or it is an address at all): the request is only queued, and the worker looks the address "
                "up, so nothing here tells who has an account. Only an active account's address gets a message; its "
                "link opens `FRONTEND_URL/reset-password?token=...`, works once, for 30 minutes, and dies with any "
                "newer reset request or password change. Throttled per address (`RATELIMIT_MAIL_PER_EMAIL`, 5 per "
                "15 minutes) and per client (`RATELIMIT_MAIL_PER_ADDRESS`)."
            ),
            "tags": ["auth"],
            "security": [],
            "requestBody": json_body("PasswordResetRequest", {"email": "ada@example.com"}),
            "responses": {
                "202": mail_accepted("Accepted, whether or not an account uses the address.", RESET_ACCEPTED),
                **body_errors(503),
            },
        }
    },
    "/api/v1/auth/password-reset/confirm": {
        "post": {
            "operationId": "confirmPasswordReset",
            "summary": "Choose a new password with the token from the link",
            "description": "Public. Sets the password (the same rules as signup), signs the account out everywhere "
            "(every access and refresh token stops working), clears a login lock-out, marks the address verified "
            "(the link proved it) and mails a notice. Recovery evicts every other way in: every linked sign-in "
            "provider is unlinked (a second notice names them, so the owner can link theirs again), and pending "
            "e-mail changes, link tickets, provider links in progress and login codes stop working. Accounts "
            "created through an identity provider get their first password this way. A wrong, used or expired token "
            "gets one generic 400.",
            "tags": ["auth"],
            "security": [],
            "requestBody": json_body(
                "PasswordResetConfirm", {"token": TOKEN["example"], "newPassword": "staple battery horse"}
            ),
            "responses": {"204": {"description": "The password is set; sign in with it."}, **body_errors()},
        }
    },
}
