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
from app.uploads import docs, service, views
from app.uploads.commands import purge_uploads
from app.uploads.models import Upload
from app.views.router import add_views

NEEDS: tuple[str, ...] = ()


def discard_account_uploads(user: User) -> None:
    """An account being deleted takes its files with it, from the store too."""
    service.discard_uploads(owner=str(user.id))


def init_app(app: Flask) -> None:
    """Serve `/uploads`, add `purge-uploads`, and remove a deleted account's files."""
    app.extensions["uploads"] = {"stores": {}}
    add_views(app, views)
    add_docs(app, docs)
    register_models(app, Upload)
    app.cli.add_command(purge_uploads)
    events.subscribe(app, events.ACCOUNT_DELETING, discard_account_uploads)
