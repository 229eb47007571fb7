"""`flask purge-uploads`: delete expired pending uploads and their objects (safe to run from cron)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.errors import ApiError
from app.uploads.service import purge_stray_objects
from app.uploads.service import purge_uploads as purge


@click.command("purge-uploads")
@with_appcontext
@click.option(
    "--grace-seconds",
    default=3600,
    show_default=True,
    type=click.IntRange(0),
    help="Keep pending uploads this long past their grant, so a client that uploaded in time can still complete.",
)
def purge_uploads(grace_seconds: int) -> None:
    """Delete pending uploads whose grant has expired, their objects, and objects under pending/ nobody owns."""
    try:
        removed = purge(grace_seconds)
        # Older than a grant's lifetime: a grant given just now may not be recorded yet when this lists.
        stray = purge_stray_objects(current_app.config["UPLOAD_GRANT_SECONDS"])
    except ApiError as error:  # the store is unreachable: the next run tries again
        raise click.ClickException(error.detail) from None
    click.echo(f"Purged {removed} uploads and {stray} stray objects.")
