"""`flask new-resource <plural>`: the command line of the generator."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.database import document_classes
from app.docs import build_spec
from app.scaffold.generator import Taken, plan_resource
from app.scaffold.names import ScaffoldError
from app.scaffold.remove import REFUSED, Refused, plan_removal
from app.views.router import API_PREFIX

# The project this code is in: `remove` plans from the files alone, without the app (which it may leave broken
# mid-edit, and which need not import cleanly for a removal to be planned).
PROJECT = Path(__file__).resolve().parents[2]


def project_root() -> Path:
    """The project the running app was loaded from: the folder that holds the `app` package."""
    return Path(current_app.root_path).parent


def taken_names(app: Flask) -> Taken:
    """The blueprints, paths, schemas, operation ids, models and collections the app already has."""
    spec = build_spec(app)
    segments = {
        rule.rule.removeprefix(f"{API_PREFIX}/").split("/")[0]
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(f"{API_PREFIX}/")
    }
    return Taken(
        blueprints=frozenset(app.blueprints),
        segments=frozenset(segments),
        schemas=frozenset(spec["components"]["schemas"]),
        operation_ids=frozenset(
            operation["operationId"]
            for item in spec["paths"].values()
            for method, operation in item.items()
            if method != "parameters"
        ),
        models=frozenset(model.__name__ for model in document_classes()),
        collections=frozenset(model.COLLECTION for model in document_classes()),
    )


@click.command("new-resource")
@click.argument("noun")
@click.option("--singular", help="The singular, when it is not the noun less its plural ending (--singular person).")
@click.option("--dry-run", is_flag=True, help="Print what would be written and edited; write nothing.")
@with_appcontext
def new_resource(noun: str, singular: str | None, dry_run: bool) -> None:
    """Write a new REST noun the way posts is built: a package (model, docs, views), its tests, one registry line.

    NOUN is the plural, in lower-case snake_case (books, reading_lists). Nothing is written when it is refused.
    """
    try:
        plan = plan_resource(project_root(), noun, singular, taken_names(current_app))
        if dry_run:
            click.echo(plan.describe(diff=True))
            click.echo("Dry run: nothing written.")
            return
        plan.apply()
    except ScaffoldError as error:
        raise click.ClickException(f"{error}. Nothing was written.") from None
    click.echo(plan.describe())
    click.echo(
        f"Done. Run `make test` (or .venv/bin/pytest tests/{plan.names.plural}); "
        "then make the fields, rules and tests your own (docs/adding-a-resource.md)."
    )


@click.command("remove")
@click.argument("capability")
@click.option("--dry-run", is_flag=True, help="Print every file it would delete or edit, one a line; change nothing.")
@click.option("--force", is_flag=True, help="Go ahead even with uncommitted changes to tracked files.")
def remove(capability: str, dry_run: bool, force: bool) -> None:
    """Remove an optional capability: its package, settings, docs, tests, pins and every line marked for it.

    Refused (exit status 2, nothing changed) for the core, for a capability another present one needs, and
    with uncommitted changes unless --force. It never commits: review the change, run `make test`, commit.
    """
    try:
        removal = plan_removal(PROJECT, capability, force=force or dry_run)  # a dry run changes nothing
        touched = "\n".join(removal.paths())
        if dry_run:
            click.echo(touched)
            return
        removal.apply()
    except Refused as error:
        click.echo(f"Error: {error}. Nothing was changed.", err=True)
        raise SystemExit(REFUSED) from None
    except ScaffoldError as error:
        raise click.ClickException(f"{error}. Nothing was changed.") from None
    click.echo(touched)
    click.echo(f"Removed {capability}. Run `make test`, review `git status`, and commit.")
