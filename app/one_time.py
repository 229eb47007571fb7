"""One-time secrets (mailed links, sign-in codes): made random, stored only as a digest, alive until they expire.

The raw value is handed out once; the database keeps its SHA-256, so a leaked database opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from app.models import utcnow


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
