"""OpenAPI fragments for changing an account's e-mail address."""

from app.docs.auth import EMAIL
from app.docs.common import BEARER, body_errors, json_body
from app.docs.me import CURRENT_PASSWORD, REAUTHENTICATION, SECOND_FACTOR_CODE
from app.mail.verification_docs import TOKEN_EXAMPLE, mail_accepted

EMAIL_CHANGE = {
    "type": "object",
    "required": ["email"],
    "additionalProperties": False,
    "properties": {
        "email": {**EMAIL, "example": "ada.king@example.com"},
        "password": CURRENT_PASSWORD,
        "code": SECOND_FACTOR_CODE,
    },
}

CHANGE_ACCEPTED = {
    "message": "A link to confirm the new address is on its way to it; your current address stays until then."
}

SCHEMAS = {"EmailChange": EMAIL_CHANGE}

PATHS = {
    "/api/v1/me/email": {
        "put": {
            "operationId": "changeMyEmail",
            "summary": "Ask to move my account to another e-mail address",
            "description": f"{REAUTHENTICATION} Mails a confirmation link "
            "(`FRONTEND_URL/confirm-email?token=...`, valid 1 hour) to the **new** address and a notice to the "
            "current one; the address changes only when the link is followed. Whether the new address is taken is "
            "checked then (409), so this call does not tell. A password change or reset before the link is followed "
            "voids it. Throttled per account (`RATELIMIT_MAIL_PER_EMAIL`) and per new address, across accounts "
            "(`RATELIMIT_MAIL_PER_TARGET`, 3 confirmations an hour): 429 with `Retry-After`.",
            "tags": ["me"],
            "security": BEARER,
            "requestBody": json_body(
                "EmailChange", {"email": "ada.king@example.com", "password": "correct horse battery"}
            ),
            "responses": {
                "202": mail_accepted("The confirmation is queued.", CHANGE_ACCEPTED),
                **body_errors(401, 403, 503),
            },
        }
    },
    "/api/v1/auth/confirm-email": {
        "post": {
            "operationId": "confirmEmailChange",
            "summary": "Confirm a new e-mail address with the token from the link",
            "description": "Public: the link may be opened where nobody is signed in. Moves the account to the new "
            "address, now verified; reset links sent to the old address stop working. 409 when another account "
            "took the address meanwhile. A wrong, used or expired token gets one generic 400.",
            "tags": ["auth"],
            "security": [],
            "requestBody": json_body("TokenBody", TOKEN_EXAMPLE),
            "responses": {"204": {"description": "The account uses the new address."}, **body_errors(409)},
        }
    },
}
