"""Reading settings from the environment, typed by the config class's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message names the variable to fix."""


def cast(name: str, raw: str, default: Any) -> Any:
    """Turn the environment's string into the type of the class default."""
    if isinstance(default, bool):
        value = raw.strip().lower()
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise ConfigError(f"{name} must be a boolean (true/false), got {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if isinstance(default, (list, tuple)):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def overlay(values: dict[str, Any], environ: Mapping[str, str], names: list[str]) -> dict[str, Any]:
    """Copy `values` with every listed name that the environment sets replaced."""
    result = dict(values)
    for name in names:
        if name in environ:
            result[name] = cast(name, environ[name], values.get(name))
    return result
