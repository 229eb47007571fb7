"""OpenAPI fragments for verifying an account's e-mail address."""

from app.docs.common import BEARER, body_errors, errors, json_body, json_content, ref

TOKEN = {
    "type": "string",
    "minLength": 1,
    "maxLength": 200,
    "description": "The `token` query parameter of the link in the message, as the client app received it.",
    "example": "Xq3v9wJ0m1T2y8bE4rK7uL5nP6sD0fG9hJ2kZ3xC4vB",
}

TOKEN_BODY = {
    "type": "object",
    "required": ["token"],
    "additionalProperties": False,
    "properties": {"token": TOKEN},
}

MAIL_ACCEPTED = {
    "type": "object",
    "description": "The request was accepted; any message is sent in the background.",
    "required": ["message"],
    "additionalProperties": False,
    "properties": {"message": {"type": "string"}},
}

VERIFICATION_SENT = {"message": "A new verification link is on its way to your address."}


def mail_accepted(description: str, example: dict) -> dict:
    """A 202 whose body says a message is on its way (or, for a reset, may be)."""
    return {"description": description, "content": json_content(ref("MailAccepted"), example)}


SCHEMAS = {"TokenBody": TOKEN_BODY, "MailAccepted": MAIL_ACCEPTED}

TOKEN_EXAMPLE = {"token": TOKEN["example"]}

PATHS = {
    "/api/v1/auth/verify-email": {
        "post": {
            "operationId": "verifyEmail",
            "summary": "Verify my e-mail address with the token from the link",
            "description": "Public: the link may be opened on a device where nobody is signed in. The client app "
            "at `FRONTEND_URL/verify-email?token=...` posts the token here. A token works once, only for the "
            "address it was sent to, and expires (48 hours by default). A wrong, used or expired token gets one "
            "generic 400.",
            "tags": ["auth"],
            "security": [],
            "requestBody": json_body("TokenBody", TOKEN_EXAMPLE),
            "responses": {"204": {"description": "The address is verified."}, **body_errors()},
        }
    },
    "/api/v1/me/verification-email": {
        "post": {
            "operationId": "sendVerificationEmail",
            "summary": "Send me a new verification link",
            "description": "Queues a message with a new link to your current address (earlier links keep working "
            "until they expire). At most 5 per 15 minutes per account (`RATELIMIT_MAIL_PER_EMAIL`). 409 once the "
            "address is verified.",
            "tags": ["me"],
            "security": BEARER,
            "responses": {
                "202": mail_accepted("The message is queued.", VERIFICATION_SENT),
                **errors(401, 409, 503),
            },
        }
    },
}
