"""`flask --app server worker`: run a job worker (RQ's forking worker, one process per job)."""

from __future__ import annotations

import click
from flask.cli import ScriptInfo, pass_script_info, with_appcontext

from app.database import disconnect_db
from app.jobs import queue, runner


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Exit once the queue is empty.")
@pass_script_info
def worker_command(info: ScriptInfo, burst: bool) -> None:
    """Run a job worker on the queue at REDIS_URL (start as many as you need, on any machine)."""
    app = info.load_app()  # the app itself, not the current_app proxy: job processes run under it
    if app.extensions["jobs"]["embedded"]:
        raise click.ClickException("REDIS_URL is not set: a worker needs the queue's Redis to find jobs")
    try:
        queue.ping()
    except queue.QueueUnavailable:
        raise click.ClickException("the queue's Redis (REDIS_URL) cannot be reached") from None
    disconnect_db()  # the parent only forks; each job process connects on its own (pymongo is not fork-safe)
    runner.bind(app, connected=False)
    queue.run_worker(app, burst=burst)
