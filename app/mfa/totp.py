"""The seam to pyotp (the only module that imports it): RFC 6238 codes as authenticator apps make them.

6 digits, 30-second steps, HMAC-SHA-1 (the authenticator-app default), one step of clock drift either way. A
match names its time step, so the caller can refuse a code from a step at or before the last one it accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

import pyotp

DIGITS = 6
INTERVAL = 30
DRIFT_STEPS = 1
CODE = re.compile(r"^[0-9]{6}$")


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, digest=hashlib.sha1, interval=INTERVAL)


def new_secret() -> str:
    """A new shared secret: 160 random bits (RFC 4226's recommended length) in base32, as apps expect it."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The `otpauth://totp/...` URI an authenticator app reads from a QR code."""
    return _totp(secret).provisioning_uri(name=account, issuer_name=issuer)


def looks_like_code(value: str) -> bool:
    """Whether `value` is shaped like a TOTP code (six digits), rather than a recovery code."""
    return bool(CODE.match(value))


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step `code` belongs to (the current one, or one either side), or None when it matches none."""
    if not looks_like_code(code):
        return None
    moment = time.time() if now is None else now
    totp = _totp(secret)
    current = totp.timecode(moment)
    matched = None
    for offset in range(-DRIFT_STEPS, DRIFT_STEPS + 1):  # every candidate compared, in constant time
        if hmac.compare_digest(totp.at(moment, counter_offset=offset), code):
            matched = current + offset
    return matched
