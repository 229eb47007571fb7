"""Settings for the mfa capability (a TOTP second factor): the field encryption keys and the second step's lifetime.

FIELD_ENCRYPTION_KEY is a comma-separated list of Fernet keys (32 random bytes, URL-safe base64, 44 characters):
the first seals new values, every one opens, so a key is rotated by putting a new one first and dropping the old
one once nothing sealed with it is left (docs/mfa.md). Development and tests make an ephemeral key per process
when none is set; production refuses to start without valid keys, or with any key that is public.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Mapping
from typing import Any

from config.env import ConfigError
from config.published import is_published

# Fernet's key format: 32 bytes in URL-safe base64, with its one `=` of padding.
FERNET_KEY = re.compile(r"^[A-Za-z0-9_-]{43}=$")
GENERATE = (
    "generate one with `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
)


class Settings:
    """Defaults mixed into `Config`; every upper-case name can be set from the environment."""

    # Comma-separated Fernet keys: the first encrypts, all decrypt (rotation). Required in production.
    FIELD_ENCRYPTION_KEY: list[str] = []
    # How long the second step of a sign-in may take (the mfaToken's lifetime), in seconds.
    MFA_TOKEN_SECONDS = 300


def new_key() -> str:
    """A fresh Fernet key (what `Fernet.generate_key()` makes), without importing the engine here."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def complete(values: dict[str, Any], environ: Mapping[str, str]) -> None:
    """Outside production, make an ephemeral key when none is set (the app logs that it did)."""
    keys = [key.strip() for key in values.get("FIELD_ENCRYPTION_KEY") or [] if key.strip()]
    values["FIELD_ENCRYPTION_KEY_EPHEMERAL"] = False
    if not keys and values.get("ALLOW_EMBEDDED_DB", True):  # not production
        keys = [new_key()]
        values["FIELD_ENCRYPTION_KEY_EPHEMERAL"] = True
    values["FIELD_ENCRYPTION_KEY"] = keys


def check(values: dict[str, Any], *, production: bool) -> None:
    """Refuse missing, malformed or (in production) public keys, naming the variable and the key's position only."""
    keys = values.get("FIELD_ENCRYPTION_KEY") or []
    if not keys:
        raise ConfigError(f"FIELD_ENCRYPTION_KEY is not set: {GENERATE}")
    for position, key in enumerate(keys, start=1):
        if not FERNET_KEY.match(key) or len(base64.urlsafe_b64decode(key)) != 32:
            raise ConfigError(
                f"FIELD_ENCRYPTION_KEY: key {position} is not a Fernet key (32 bytes, URL-safe base64); {GENERATE}"
            )
        if production and is_published(key):
            raise ConfigError(
                f"FIELD_ENCRYPTION_KEY: key {position} is a published value (printed in the repository): {GENERATE}"
            )
    if len(set(keys)) != len(keys):
        raise ConfigError("FIELD_ENCRYPTION_KEY lists a key twice")
    if values.get("MFA_TOKEN_SECONDS", 0) < 30:
        raise ConfigError("MFA_TOKEN_SECONDS must be at least 30 (one code's time step)")
