"""`flask purge-uploads`: delete expired pending uploads and their objects (safe to run from cron)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.errors import ApiError
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
    """Delete pending uploads whose grant has expired, and their objects; never prompts."""
    try:
        removed = purge(grace_seconds)
    except ApiError as error:  # the store is unreachable: nothing was removed, the next run tries again
        raise click.ClickException(error.detail) from None
    click.echo(f"Purged {removed} uploads.")
