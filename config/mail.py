"""Settings for the mail capability: defaults, derived values, and what production refuses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from config.env import ConfigError

OPTIONAL_TEXT = ("MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_DEFAULT_SENDER", "FRONTEND_URL")
# Ports by TLS mode when MAIL_PORT is not set: implicit TLS, STARTTLS, plain.
DEFAULT_PORTS = {"ssl": 465, "tls": 587, "plain": 25}
DEV_FRONTEND_URL = "http://localhost:5173"


class Settings:
    """Defaults mixed into `Config`; every upper-case name can be set from the environment."""

    # The SMTP server (a relay, or SES/Mailgun/Postmark over SMTP). Unset: messages are written to the log
    # (development and tests only; production refuses to start without it).
    MAIL_SERVER: str | None = None
    # 0: 465 with MAIL_USE_SSL, 587 with MAIL_USE_TLS, else 25.
    MAIL_PORT = 0
    # STARTTLS after connecting (port 587), or TLS from the first byte (port 465); never both.
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    # The From address, e.g. `Example <no-reply@example.com>`.
    MAIL_DEFAULT_SENDER: str | None = None
    # Seconds before connecting or talking to the server gives up (the job is then retried).
    MAIL_TIMEOUT_SECONDS = 10
    # A failed send is retried this many times, waiting these many seconds before each retry (the last repeats).
    MAIL_RETRIES = 5
    MAIL_RETRY_INTERVALS = [10, 60, 300, 900, 3600]
    # How long the outbox remembers a message (for idempotent retries and support); never its body or links.
    MAIL_OUTBOX_TTL_SECONDS = 7 * 86_400
    # The client app that opens the links in messages (`<FRONTEND_URL>/verify-email?token=...`); never the API.
    # Unset in development and tests: http://localhost:5173; production requires an https:// URL.
    FRONTEND_URL: str | None = None
    # Token lifetimes.
    EMAIL_VERIFICATION_TTL_SECONDS = 48 * 3600
    PASSWORD_RESET_TTL_SECONDS = 30 * 60
    EMAIL_CHANGE_TTL_SECONDS = 60 * 60
    # Requests that send mail: per e-mail address (or signed-in user) and per client address.
    RATELIMIT_MAIL_PER_EMAIL = "5 per 15 minutes"
    RATELIMIT_MAIL_PER_ADDRESS = "30 per 15 minutes"
    # E-mail-change confirmations per target address, whoever asks: an address cannot be flooded from many accounts.
    RATELIMIT_MAIL_PER_TARGET = "3 per hour"


def complete(values: dict[str, Any], environ: Mapping[str, str]) -> None:
    """Blank text means unset; the port follows the TLS mode; intervals become numbers."""
    for name in OPTIONAL_TEXT:
        text = (values.get(name) or "").strip()
        values[name] = text or None
    if not values["MAIL_PORT"]:
        mode = "ssl" if values["MAIL_USE_SSL"] else "tls" if values["MAIL_USE_TLS"] else "plain"
        values["MAIL_PORT"] = DEFAULT_PORTS[mode]
    try:
        values["MAIL_RETRY_INTERVALS"] = [int(str(v).strip()) for v in values["MAIL_RETRY_INTERVALS"]]
    except ValueError:
        raise ConfigError("MAIL_RETRY_INTERVALS must be comma-separated whole seconds, e.g. 10,60,300") from None
    if values["FRONTEND_URL"]:
        values["FRONTEND_URL"] = values["FRONTEND_URL"].rstrip("/")
    values["MAIL_LOG_ONLY"] = not values["MAIL_SERVER"]


def check(values: dict[str, Any], *, production: bool) -> None:
    """Raise ConfigError, naming the variable, for settings that cannot work (`production`: no stand-ins)."""
    if production:
        if not values["MAIL_SERVER"]:
            raise ConfigError(
                "MAIL_SERVER is not set: production sends mail through an SMTP server "
                "(writing messages to the log is for development only)"
            )
        if not values["FRONTEND_URL"]:
            raise ConfigError("FRONTEND_URL is not set: the links in messages open the client app at this URL")
        if not values["FRONTEND_URL"].startswith("https://"):
            raise ConfigError("FRONTEND_URL must be an https:// URL in production: links carry one-time tokens")
    if values["MAIL_SERVER"] and not values["MAIL_DEFAULT_SENDER"]:
        raise ConfigError("MAIL_DEFAULT_SENDER is not set: name the From address, e.g. no-reply@example.com")
    if values["MAIL_USE_TLS"] and values["MAIL_USE_SSL"]:
        raise ConfigError("MAIL_USE_TLS and MAIL_USE_SSL are exclusive: STARTTLS (587) or implicit TLS (465)")
    if bool(values["MAIL_USERNAME"]) != bool(values["MAIL_PASSWORD"]):
        missing = "MAIL_PASSWORD" if values["MAIL_USERNAME"] else "MAIL_USERNAME"
        raise ConfigError(f"{missing} is not set: SMTP credentials need both MAIL_USERNAME and MAIL_PASSWORD")
    if values["FRONTEND_URL"] and not values["FRONTEND_URL"].startswith(("http://", "https://")):
        raise ConfigError(f"FRONTEND_URL must be an http:// or https:// URL, got {values['FRONTEND_URL']!r}")
    if not 1 <= values["MAIL_PORT"] <= 65535:
        raise ConfigError("MAIL_PORT must be between 1 and 65535")
    if values["MAIL_TIMEOUT_SECONDS"] <= 0:
        raise ConfigError("MAIL_TIMEOUT_SECONDS must be positive")
    if values["MAIL_RETRIES"] < 0 or any(v < 0 for v in values["MAIL_RETRY_INTERVALS"]):
        raise ConfigError("MAIL_RETRIES and MAIL_RETRY_INTERVALS must not be negative")
    for name in ("EMAIL_VERIFICATION_TTL_SECONDS", "PASSWORD_RESET_TTL_SECONDS", "EMAIL_CHANGE_TTL_SECONDS"):
        if values[name] < 1:
            raise ConfigError(f"{name} must be at least 1")
