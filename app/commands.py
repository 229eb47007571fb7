"""`flask` CLI commands for operating the app."""

from __future__ import annotations

import logging

import click
from flask import Flask

log = logging.getLogger(__name__)


@click.command("create-indexes")
def create_indexes() -> None:
    """Create the indexes every model declares."""
    from app.database import document_classes, ensure_indexes

    ensure_indexes()
    click.echo(f"Indexes ensured for {len(document_classes())} collections.")


def register_commands(app: Flask) -> None:
    """Attach the CLI commands to `app`."""
    app.cli.add_command(create_indexes)
