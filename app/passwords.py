"""Password hashing with argon2id; parameters come from config."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app


def init_passwords(app: Flask) -> None:
    """One hasher per app, plus a dummy hash so unknown emails cost the same time as wrong passwords."""
    hasher = PasswordHasher(
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_cost=app.config["ARGON2_MEMORY_COST"],
        parallelism=app.config["ARGON2_PARALLELISM"],
    )
    app.extensions["passwords"] = {"hasher": hasher, "dummy": hasher.hash("not a real password")}


def _hasher() -> PasswordHasher:
    return current_app.extensions["passwords"]["hasher"]


def hash_password(password: str) -> str:
    """An argon2id hash with the configured parameters."""
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash, burn the same time and fail."""
    try:
        return _hasher().verify(stored_hash or current_app.extensions["passwords"]["dummy"], password) and bool(
            stored_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than the configured ones."""
    return _hasher().check_needs_rehash(stored_hash)
