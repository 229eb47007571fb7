"""`flask` CLI commands for operating the app."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.accounts import create_user
from app.database import document_classes, ensure_indexes
from app.demo import DEMO_PASSWORD, seed
from app.errors import ApiError
from app.scaffold.cli import new_resource, remove

log = logging.getLogger(__name__)


@click.command("create-indexes")
@with_appcontext
def create_indexes() -> None:
    """Create the indexes every model declares."""
    ensure_indexes()
    click.echo(f"Indexes ensured for {len(document_classes())} collections.")


@click.command("create-admin")
@with_appcontext
@click.option("--email", required=True, help="The admin's email address.")
@click.option("--name", "display_name", default="Admin", show_default=True, help="Display name.")
def create_admin(email: str, display_name: str) -> None:
    """Create an admin account; the password is prompted for twice, never taken as an argument."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not 8 <= len(password) <= 128:
        raise click.ClickException("The password must be 8 to 128 characters long")
    try:
        user = create_user(email, password, display_name, role="admin", email_verified=True)  # an operator vouches
    except ApiError as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"Admin {user.email} created with id {user.id}.")


@click.command("seed-demo")
@with_appcontext
@click.option("--posts", "post_count", default=12, show_default=True, type=click.IntRange(1, 1000))
def seed_demo(post_count: int) -> None:
    """Load demo accounts and posts for trying the API in Swagger UI (refused in production)."""
    if not current_app.config["ALLOW_DEMO_DATA"]:
        raise click.ClickException("seed-demo writes accounts with a published password; ALLOW_DEMO_DATA is off")
    emails = seed(post_count)
    click.echo(f"Demo data: accounts {', '.join(emails)}, and {post_count} posts where posts are installed.")
    click.echo(f"Log in as either with the password {DEMO_PASSWORD!r} (POST /api/v1/auth/login), then Authorize.")


def register_commands(app: Flask) -> None:
    """Attach the CLI commands to `app`."""
    app.cli.add_command(create_indexes)
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(new_resource)
    app.cli.add_command(remove)
