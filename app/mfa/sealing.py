"""The seam to cryptography (the only module that imports it): fields sealed at rest with Fernet.

FIELD_ENCRYPTION_KEY is a list of keys: the first seals, every one opens (MultiFernet), so a key is rotated by
listing a new one first, re-sealing what exists (`flask mfa-reseal`), then dropping the old one. Fernet
authenticates what it encrypts: a tampered value, or one sealed with a key no longer listed, does not open.
"""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class SealBroken(Exception):
    """A sealed value opens with none of the configured keys: tampered, or sealed with a key no longer listed."""


@functools.lru_cache(maxsize=8)
def _keyring(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys])


def keyring() -> MultiFernet:
    """The current app's keys, first one first."""
    return _keyring(tuple(current_app.config["FIELD_ENCRYPTION_KEY"]))


def seal(text: str) -> str:
    """`text` encrypted and authenticated with the first key."""
    return keyring().encrypt(text.encode("utf-8")).decode("ascii")


def unseal(sealed: str) -> str:
    """The text `sealed` holds; SealBroken when no configured key opens it."""
    try:
        return keyring().decrypt(sealed.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        raise SealBroken("the value does not open with any FIELD_ENCRYPTION_KEY") from None


def reseal(sealed: str) -> str:
    """`sealed` sealed again with the first key (for rotation); SealBroken when no configured key opens it."""
    try:
        return keyring().rotate(sealed.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError):
        raise SealBroken("the value does not open with any FIELD_ENCRYPTION_KEY") from None
