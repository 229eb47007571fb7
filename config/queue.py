"""Settings for the queue capability: defaults, derived values, and what production refuses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Settings:
    """Defaults mixed into `Config`; every upper-case name can be set from the environment."""


def complete(values: dict[str, Any], environ: Mapping[str, str]) -> None:
    """Fill in values derived from the environment (in place)."""


def check(values: dict[str, Any], *, production: bool) -> None:
    """Raise ConfigError, naming the variable, for settings that cannot work (`production`: no stand-ins)."""
