"""OpenAPI fragments for the second factor: enrolment, confirmation, turning it off, recovery codes, and the
sign-in's second step (with `amend`, which adds the `MfaRequired` answer to every sign-in path)."""

from __future__ import annotations

from typing import Any

from app.docs.auth import TOKEN_TRANSPORT, tokens_answer
from app.docs.common import body_errors, errors, json_body, json_content, problem_response, ref
from app.docs.me import CURRENT_PASSWORD, REAUTHENTICATION, REAUTHENTICATION_403, SECOND_FACTOR_CODE

TOTP_CODE = {
    "type": "string",
    "pattern": "^\\s*[0-9]{6}\\s*$",
    "description": "The 6-digit code the authenticator app shows now (30-second steps; the one before and the one "
    "after are accepted too, for clock drift).",
    "example": "123456",
}
MFA_TOKEN = {
    "type": "string",
    "minLength": 1,
    "maxLength": 128,
    "description": "The `mfaToken` the first step answered with: valid for `expiresIn` seconds and five codes; spent "
    "by a right one.",
    "example": "xV2m9Qp4Lr7Tz1Yb6Nc3Wd8Hs5Jk0Fg2Ae4Ui7Oo9Pq",
}
RECOVERY_CODES = {
    "type": "object",
    "required": ["recoveryCodes"],
    "additionalProperties": False,
    "properties": {
        "recoveryCodes": {
            "type": "array",
            "minItems": 10,
            "maxItems": 10,
            "items": {"type": "string", "pattern": "^[a-z2-7]{4}(-[a-z2-7]{4}){3}$"},
            "description": "Ten single-use codes, shown this once (only their digests are kept, sealed): each signs in "
            "once in place of a TOTP code, for when the device is lost. Dashes and case do not matter when typed.",
        }
    },
}
RECOVERY_CODES_EXAMPLE = {
    "recoveryCodes": [f"{c * 4}-k2m7-q4x3-{c}z6p" for c in "abcdefghij"],
}

STATUS = {
    "type": "object",
    "required": ["status", "recoveryCodesLeft"],
    "additionalProperties": False,
    "properties": {
        "status": {
            "type": "string",
            "enum": ["off", "pending", "on"],
            "description": "`off`: sign-ins need no code. `pending`: enrolled, waiting for the first code "
            "(POST /api/v1/me/mfa/totp/confirm). `on`: every sign-in and sensitive change needs a code.",
        },
        "recoveryCodesLeft": {
            "type": "integer",
            "minimum": 0,
            "description": "Unused recovery codes (0 unless on): when few are left, replace them.",
        },
    },
}
STATUS_EXAMPLE = {"status": "on", "recoveryCodesLeft": 9}

ENROL = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"password": CURRENT_PASSWORD},
}
ENROLMENT = {
    "type": "object",
    "required": ["secret", "otpauthUri"],
    "additionalProperties": False,
    "properties": {
        "secret": {
            "type": "string",
            "description": "The shared secret (base32), for typing into the app; shown this once, stored encrypted.",
            "example": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        },
        "otpauthUri": {
            "type": "string",
            "description": "The same secret as an `otpauth://totp/...` URI (issuer: APP_NAME, account: your e-mail), "
            "to show as a QR code.",
            "example": "otpauth://totp/Flask%20MongoDB%20API:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
            "&issuer=Flask%20MongoDB%20API",
        },
    },
}
ENROLMENT_EXAMPLE = {key: value["example"] for key, value in ENROLMENT["properties"].items()}
CONFIRM = {
    "type": "object",
    "required": ["code"],
    "additionalProperties": False,
    "properties": {"code": TOTP_CODE},
}
# Both fields optional in the schema: a missing one is a 403 (as a wrong one), not a 400.
REAUTHENTICATED = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"password": CURRENT_PASSWORD, "code": SECOND_FACTOR_CODE},
}
MFA_LOGIN = {
    "type": "object",
    "required": ["mfaToken", "code"],
    "additionalProperties": False,
    "properties": {
        "mfaToken": MFA_TOKEN,
        "code": {
            **SECOND_FACTOR_CODE,
            "description": "A current 6-digit code from the authenticator app (not one already used), or an unused "
            "recovery code (which is then spent, and a notice mailed).",
        },
        "tokenTransport": {
            **TOKEN_TRANSPORT,
            "description": "As for the first step; left out, the transport the first step asked for is used.",
        },
    },
}
MFA_REQUIRED = {
    "type": "object",
    "description": "The account has a second factor on: no session yet. Send a code with this `mfaToken` to "
    "POST /api/v1/auth/login/mfa.",
    "required": ["mfaRequired", "mfaToken", "expiresIn"],
    "additionalProperties": False,
    "properties": {
        "mfaRequired": {"type": "boolean", "enum": [True]},
        "mfaToken": MFA_TOKEN,
        "expiresIn": {"type": "integer", "description": "Seconds the mfaToken stays valid.", "example": 300},
    },
}
MFA_REQUIRED_EXAMPLE = {"mfaRequired": True, "mfaToken": MFA_TOKEN["example"], "expiresIn": 300}

SCHEMAS = {
    "MfaStatus": STATUS,
    "MfaEnrol": ENROL,
    "MfaEnrolment": ENROLMENT,
    "MfaConfirm": CONFIRM,
    "MfaReauthentication": REAUTHENTICATED,
    "MfaRecoveryCodes": RECOVERY_CODES,
    "MfaLogin": MFA_LOGIN,
    "MfaRequired": MFA_REQUIRED,
}


# The errors of a change to a factor that is on: who you are is asked again, and there must be a factor.
FACTOR_ON_ERRORS = {
    **body_errors(401, 429),
    "403": problem_response(403, REAUTHENTICATION_403),
    "404": problem_response(404, "No second factor is on."),
}

PATHS = {
    "/api/v1/me/mfa/totp": {
        "get": {
            "operationId": "getMyTotp",
            "summary": "Whether my second factor is off, pending or on",
            "description": "For a client deciding what to offer: enrol (`off`), confirm (`pending`), or turn off and "
            "replace recovery codes (`on`, with how many are left). Nothing secret is answered.",
            "tags": ["mfa"],
            "responses": {
                "200": {
                    "description": "The factor's state.",
                    "content": json_content(ref("MfaStatus"), STATUS_EXAMPLE),
                },
                **errors(401, 429),
            },
        },
        "post": {
            "operationId": "enrolMyTotp",
            "summary": "Start turning on a second factor (TOTP)",
            "description": "Step 1 of 2. Asks who you are: the current `password`, or, for an account without one, an "
            "access token from a sign-in within the last 5 minutes. Answers the shared secret and its otpauth URI "
            "(show it as a QR code); nothing changes at sign-in until step 2, `POST /api/v1/me/mfa/totp/confirm`, "
            "proves the app has it. Enrolling again before confirming replaces the pending secret.",
            "tags": ["mfa"],
            "requestBody": json_body("MfaEnrol", {"password": "correct horse battery"}),
            "responses": {
                "201": {
                    "description": "The pending factor's secret, shown this once.",
                    "content": json_content(ref("MfaEnrolment"), ENROLMENT_EXAMPLE),
                },
                **body_errors(401, 429),
                "403": problem_response(
                    403, "The password is missing or wrong, or (an account without one) the access token is not fresh."
                ),
                "409": problem_response(409, "A second factor is already on: turn it off first."),
            },
        },
        "delete": {
            "operationId": "disableMyTotp",
            "summary": "Turn the second factor off",
            "description": f"{REAUTHENTICATION} `code` may be a recovery code. The recovery codes stop working too; "
            "sign-ins need the password (or provider) alone again. A notice is mailed.",
            "tags": ["mfa"],
            "requestBody": json_body("MfaReauthentication", {"password": "correct horse battery", "code": "123456"}),
            "responses": {
                "204": {"description": "Off."},
                **FACTOR_ON_ERRORS,
            },
        },
    },
    "/api/v1/me/mfa/totp/confirm": {
        "post": {
            "operationId": "confirmMyTotp",
            "summary": "Turn the second factor on with a first code",
            "description": "Step 2 of 2: a code the app shows now, for the pending secret. From then on every sign-in "
            "(password or provider) asks for a code, and so does every sensitive change. Answers ten recovery codes, "
            "shown this once: keep them somewhere safe. A notice is mailed.",
            "tags": ["mfa"],
            "requestBody": json_body("MfaConfirm", {"code": "123456"}),
            "responses": {
                "200": {
                    "description": "On; the recovery codes.",
                    "content": json_content(ref("MfaRecoveryCodes"), RECOVERY_CODES_EXAMPLE),
                },
                **body_errors(401),
                "400": problem_response(
                    400, "The code does not match the pending secret now (or the body is invalid)."
                ),
                "404": problem_response(404, "No enrolment is pending: start one with POST /api/v1/me/mfa/totp."),
                "409": problem_response(409, "A second factor is already on (or the enrolment changed meanwhile)."),
            },
        }
    },
    "/api/v1/me/mfa/recovery-codes": {
        "post": {
            "operationId": "regenerateMyRecoveryCodes",
            "summary": "Replace my recovery codes",
            "description": f"{REAUTHENTICATION} Answers ten new recovery codes, shown this once; the old ones stop "
            "working.",
            "tags": ["mfa"],
            "requestBody": json_body("MfaReauthentication", {"password": "correct horse battery", "code": "123456"}),
            "responses": {
                "200": {
                    "description": "The new recovery codes.",
                    "content": json_content(ref("MfaRecoveryCodes"), RECOVERY_CODES_EXAMPLE),
                },
                **FACTOR_ON_ERRORS,
            },
        }
    },
    "/api/v1/auth/login/mfa": {
        "post": {
            "operationId": "loginMfa",
            "summary": "Finish signing in with a second-factor code",
            "description": "Public. The second step of any sign-in (password login, provider code exchange) to an "
            'account with a second factor on, after it answered `{"mfaRequired": true, "mfaToken", "expiresIn"}`. '
            "A right code ends the sign-in as the first step would have: the session starts, with the transport the "
            "first step asked for (unless `tokenTransport` is given here). A TOTP code works once: a code from the "
            "time step of the last one accepted, or earlier, is refused. A wrong code is a 401 and counts toward the "
            "account's lock-out (429 once locked, as at login); the fifth wrong code spends the mfaToken. A password "
            "change or reset voids waiting mfaTokens; the factor itself stays on.",
            "tags": ["auth"],
            "security": [],
            "requestBody": json_body("MfaLogin", {"mfaToken": MFA_TOKEN["example"], "code": "123456"}),
            "responses": {
                "200": tokens_answer("The new session's tokens."),
                **body_errors(429),
                "401": problem_response(
                    401, "The code is wrong or already used, or the mfaToken is unknown, spent or expired."
                ),
            },
        }
    },
}

# The sign-in paths that may answer `MfaRequired` instead of tokens.
SIGN_IN_PATHS = ("/api/v1/auth/login", "/api/v1/auth/oidc/token")


def amend(spec: dict[str, Any]) -> None:
    """Every sign-in path may answer MfaRequired instead of tokens: add it to their 200, described."""
    for path in SIGN_IN_PATHS:
        operation = spec["paths"].get(path, {}).get("post")
        if operation is None:
            continue
        answer = operation["responses"]["200"]
        answer["description"] += (
            " With a second factor on: `MfaRequired` instead, with no tokens and no cookies; finish with "
            "POST /api/v1/auth/login/mfa."
        )
        media = answer["content"]["application/json"]
        media["schema"]["oneOf"].append(ref("MfaRequired"))
        media.setdefault("examples", {})["mfaRequired"] = {
            "summary": "a second factor is on",
            "value": MFA_REQUIRED_EXAMPLE,
        }
