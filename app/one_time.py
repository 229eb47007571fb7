"""One-time secrets (mailed links, sign-in codes): made random, stored only as a digest, alive until they expire.

Also the PKCE (RFC 7636, S256) check that binds a one-time code to the client that asked for it.

The raw value is handed out once; the database keeps its SHA-256, so a leaked database opens nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime
from typing import Any

from app.models import utcnow

# RFC 7636 4.1/4.2: a verifier is 43-128 unreserved characters; an S256 challenge is 43 base64url characters.
CODE_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
CODE_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_secret() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """What is stored in place of a secret."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def is_live(raw: dict[str, Any]) -> bool:
    """True until the document's `expires_at` (MongoDB's TTL sweep runs only once a minute)."""
    expires = raw.get("expires_at")
    return isinstance(expires, datetime) and expires > utcnow()


def code_challenge(verifier: str) -> str:
    """RFC 7636 S256: base64url(SHA-256(verifier)) without padding."""
    hashed = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(hashed).rstrip(b"=").decode("ascii")


def verifier_matches(verifier: str, challenge: str | None) -> bool:
    """Whether `verifier` is well-formed and hashes to `challenge` (compared in constant time)."""
    if not challenge or not CODE_VERIFIER.match(verifier):
        return False
    return hmac.compare_digest(code_challenge(verifier), challenge)
