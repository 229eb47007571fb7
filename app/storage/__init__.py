"""Object storage: uploads go from clients straight to an S3-compatible bucket, never through the API.

`s3` is the seam to boto3, `embedded` the in-process store for development and tests, `uploads` the
rules (grants, completion checks, attachments, deletion, purge), `commands` the `purge-uploads` CLI.
"""

from __future__ import annotations

import threading

from flask import current_app

from app.storage.s3 import ObjectStore, StoreSettings, StoreUnavailable, object_store

__all__ = ["ObjectStore", "StoreUnavailable", "current_store", "store_settings"]

_prepared: set[StoreSettings] = set()
_lock = threading.Lock()


def store_settings(config: dict) -> StoreSettings:
    """The store the config names; the embedded one (started on first call) when it names none."""
    if not config.get("S3_EMBEDDED"):
        return StoreSettings(
            bucket=config["S3_BUCKET"],
            region=config["S3_REGION"],
            endpoint_url=config["S3_ENDPOINT_URL"],
            public_endpoint_url=config["S3_PUBLIC_ENDPOINT_URL"],
            addressing_style=config["S3_ADDRESSING_STYLE"],
            timeout=config["S3_TIMEOUT_SECONDS"],
        )
    from app.storage import embedded

    return StoreSettings(
        bucket=embedded.BUCKET,
        region=config["S3_REGION"],
        endpoint_url=embedded.embedded_endpoint(),
        addressing_style="path",
        timeout=config["S3_TIMEOUT_SECONDS"],
        access_key=embedded.ACCESS_KEY,
        secret_key=embedded.SECRET_KEY,
    )


def dev_origins(config: dict) -> list[str]:
    """The origins a browser may upload from in development: CORS_ORIGINS and the dev server's own."""
    own = [f"http://localhost:{config['PORT']}", f"http://127.0.0.1:{config['PORT']}"]
    return list(dict.fromkeys([*config.get("CORS_ORIGINS", []), *own]))


def current_store() -> ObjectStore:
    """The current app's store; the embedded one gets its bucket and CORS rule on first use."""
    config = current_app.config
    settings = store_settings(config)
    store = object_store(settings)
    if config.get("S3_EMBEDDED") and settings not in _prepared:
        with _lock:
            if settings not in _prepared:
                store.ensure_bucket(dev_origins(config))
                _prepared.add(settings)
    return store
