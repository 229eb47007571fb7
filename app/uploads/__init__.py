"""Uploads: files go from clients straight to an S3-compatible bucket, never through the API.

`s3` is the seam to boto3 (the only module that imports it), `embedded` the in-process store for development
and tests, `store` which store an app uses, `service` the rules (grants, completion checks, attachments,
deletion, purge), `views`/`docs` the REST noun, `commands` the `purge-uploads` CLI.
"""

from __future__ import annotations

from flask import Flask

from app import events
from app.database import register_models
from app.docs import add_docs
from app.models import User
from app.uploads import docs, s3, service, views
from app.uploads.commands import purge_uploads
from app.uploads.models import Upload
from app.views.router import add_views
from config import ConfigError

NEEDS: tuple[str, ...] = ()
# Beside app/uploads/ and tests/uploads/, what `flask remove uploads` deletes (app/scaffold/remove.py reads it).
OWNS = (
    "config/uploads.py",
    "docs/uploads.md",
    "tests/integration/test_uploads_seaweedfs.py",
    "requirements-seaweedfs.txt",
)


def discard_account_uploads(user: User) -> None:
    """An account being deleted takes its files with it, from the store too."""
    service.discard_uploads(owner=str(user.id))


def check_credentials(app: Flask) -> None:
    """Production with a bucket refuses to start without credentials for it (else every grant would fail).

    Credentials are not settings (boto3 finds them: environment, files, container or web-identity role), so
    this asks boto3's chain, without the instance metadata service unless AWS_EC2_METADATA_DISABLED=false
    (see `s3.credentials_available`). Development and tests may run without: the embedded store brings its own.
    """
    production = not app.config["ALLOW_EMBEDDED_DB"]
    if production and not app.config["S3_EMBEDDED"] and not s3.credentials_available():
        raise ConfigError(
            "AWS_ACCESS_KEY_ID is not set and boto3 finds no other credentials for S3_BUCKET: set "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a role (on EC2 with an instance profile, also "
            "AWS_EC2_METADATA_DISABLED=false)"
        )


def init_app(app: Flask) -> None:
    """Serve `/uploads`, add `purge-uploads`, and remove a deleted account's files."""
    check_credentials(app)
    app.extensions["uploads"] = {"stores": {}}
    add_views(app, views)
    add_docs(app, docs)
    register_models(app, Upload)
    app.cli.add_command(purge_uploads)
    events.subscribe(app, events.ACCOUNT_DELETING, discard_account_uploads)
