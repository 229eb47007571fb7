"""What is public, so never a secret: well-known defaults and every value printed in the example environment file.

Core settings (SECRET_KEY, JWT_SECRET_KEY) and capability settings (FIELD_ENCRYPTION_KEY) are refused in
production when `is_published` says so; a module of its own, so a capability's settings can ask without importing
the config package that lists them.
"""

from __future__ import annotations

import re
from pathlib import Path

# Values seen in tutorials and sample files; production refuses them whatever their length.
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        "secret",
        "secret-key",
        "super-secret",
        "supersecret",
        "changeme",
        "change-me",
        "changethis",
        "change-this",
        "dev",
        "development",
        "test",
        "password",
        "replace-me-with-at-least-32-random-bytes",
        # Printed as "working local values" in .env.example until 2026-12: public, so never a secret.
        "xq3v9wj0m1t2y8be4rk7ul5np6sd0fg9hj2kz3xc4vb5nm6q",
        "pz8lk2jh5gf3ds1aq9wx7ec4rv6tb0yn2um5ik8ol1pa3sd",
    }
)
# A value printed in the example environment file is public, whatever it looks like: production refuses it.
EXAMPLE_ENV = Path(__file__).resolve().parent.parent / ".env.example"
EXAMPLE_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)\s*=\s*(\S.*?)\s*$")


def example_values(path: Path | None = None) -> frozenset[str]:
    """Every value assigned in the example environment file, commented out or not (empty when it is absent)."""
    try:
        lines = (path or EXAMPLE_ENV).read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(m.group(2).strip("'\"") for m in map(EXAMPLE_LINE.match, lines) if m)


def is_published(value: str) -> bool:
    """Whether `value` is a well-known default or printed in the example environment file."""
    return value.strip().lower() in KNOWN_DEFAULT_SECRETS or value.strip() in example_values()
