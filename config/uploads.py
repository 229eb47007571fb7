"""Settings for the storage capability: defaults, derived values, and what production refuses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from config.env import ConfigError

URL_SETTINGS = ("S3_ENDPOINT_URL", "S3_PUBLIC_ENDPOINT_URL", "MEDIA_BASE_URL")
OPTIONAL_TEXT = (*URL_SETTINGS, "S3_BUCKET", "S3_ADDRESSING_STYLE")
ADDRESSING_STYLES = ("path", "virtual")
# SigV4 signatures live at most seven days; a POST policy may not admit more than 5 GiB.
MAX_SIGNED_SECONDS = 7 * 24 * 3600
MAX_POST_BYTES = 5 * 1024**3


class Settings:
    """Defaults mixed into `Config`; every upper-case name can be set from the environment.

    Credentials are not settings: boto3 reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or an instance role).
    """

    # Where the API talks to the store (unset: AWS). Without it and without S3_BUCKET, development and
    # tests use an embedded store (moto, in-process); production refuses to start without S3_BUCKET.
    S3_ENDPOINT_URL: str | None = None
    # The store's address as clients see it, when it differs (URLs handed out are signed for this host).
    S3_PUBLIC_ENDPOINT_URL: str | None = None
    S3_REGION = "us-east-1"
    S3_BUCKET: str | None = None
    # `path` or `virtual`; unset lets boto3 choose (virtual-hosted on AWS).
    S3_ADDRESSING_STYLE: str | None = None
    # Seconds before a call to the store gives up (the request then answers 503).
    S3_TIMEOUT_SECONDS = 5
    # A CDN in front of the bucket: media URLs become `<MEDIA_BASE_URL>/<key>`; unset: presigned GETs.
    MEDIA_BASE_URL: str | None = None
    # The largest file a client may upload (5 MiB).
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    # How long an upload grant (the presigned POST) is valid.
    UPLOAD_GRANT_SECONDS = 300
    # How long a presigned GET handed out in a response is valid (when there is no CDN).
    MEDIA_URL_SECONDS = 600


def complete(values: dict[str, Any], environ: Mapping[str, str]) -> None:
    """Fill in values derived from the environment (in place)."""
    for name in OPTIONAL_TEXT:
        text = (values.get(name) or "").strip()
        values[name] = text or None
    if values["MEDIA_BASE_URL"]:
        values["MEDIA_BASE_URL"] = values["MEDIA_BASE_URL"].rstrip("/")
    # Nothing names a store: development and tests run the embedded one (check() keeps it out of production).
    values["S3_EMBEDDED"] = not values["S3_ENDPOINT_URL"] and not values["S3_BUCKET"]


def check(values: dict[str, Any], *, production: bool) -> None:
    """Raise ConfigError, naming the variable, for settings that cannot work (`production`: no stand-ins)."""
    if production and not values.get("S3_BUCKET"):
        raise ConfigError(
            "S3_BUCKET is not set: production keeps uploads in an S3-compatible bucket "
            "(the embedded store is for development only)"
        )
    if values.get("S3_ENDPOINT_URL") and not values.get("S3_BUCKET"):
        raise ConfigError("S3_BUCKET is not set: name the bucket on the store at S3_ENDPOINT_URL")
    for name in URL_SETTINGS:
        url = values.get(name)
        if url and not url.startswith(("http://", "https://")):
            raise ConfigError(f"{name} must be an http:// or https:// URL, got {url!r}")
    style = values.get("S3_ADDRESSING_STYLE")
    if style and style not in ADDRESSING_STYLES:
        raise ConfigError(f"S3_ADDRESSING_STYLE must be path or virtual, got {style!r}")
    if not 1 <= values["UPLOAD_MAX_BYTES"] <= MAX_POST_BYTES:
        raise ConfigError(f"UPLOAD_MAX_BYTES must be between 1 and {MAX_POST_BYTES}")
    for name in ("UPLOAD_GRANT_SECONDS", "MEDIA_URL_SECONDS"):
        if not 1 <= values[name] <= MAX_SIGNED_SECONDS:
            raise ConfigError(f"{name} must be between 1 and {MAX_SIGNED_SECONDS} seconds")
    if values["S3_TIMEOUT_SECONDS"] <= 0:
        raise ConfigError("S3_TIMEOUT_SECONDS must be positive")
