"""Which object store this app uses: the bucket its settings name, or the embedded one (development, tests)."""

from __future__ import annotations

import threading

from flask import current_app

from app.uploads.s3 import ObjectStore, StoreSettings

# Building a boto3 client takes tens of milliseconds: one per app and settings, made on first use.
build_lock = threading.Lock()


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
    from app.uploads import embedded  # moto, on the embedded path only: production does not install it

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
    """The store the current app's settings name, built on first use (the embedded one gets its bucket then)."""
    config = current_app.config
    settings = store_settings(config)
    stores = current_app.extensions["uploads"]["stores"]
    if settings not in stores:
        with build_lock:
            if settings not in stores:
                store = ObjectStore(settings)
                if config.get("S3_EMBEDDED"):
                    store.ensure_bucket(dev_origins(config))
                stores[settings] = store
    return stores[settings]
