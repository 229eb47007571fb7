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


@click.command("create-admin")
@click.option("--email", required=True, help="The admin's email address.")
@click.option("--name", "display_name", default="Admin", show_default=True, help="Display name.")
def create_admin(email: str, display_name: str) -> None:
    """Create an admin account; the password is prompted for twice, never taken as an argument."""
    from app.accounts import create_user
    from app.errors import ApiError

    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not 8 <= len(password) <= 128:
        raise click.ClickException("The password must be 8 to 128 characters long")
    try:
        user = create_user(email, password, display_name, role="admin")
    except ApiError as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"Admin {user.email} created with id {user.id}.")


def register_commands(app: Flask) -> None:
    """Attach the CLI commands to `app`."""
    app.cli.add_command(create_indexes)
    app.cli.add_command(create_admin)
