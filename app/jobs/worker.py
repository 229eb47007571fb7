"""The worker: `flask --app server worker`, RQ's forking worker (one process per job)."""

from __future__ import annotations

import logging

import click
from flask import Flask
from flask.cli import ScriptInfo, pass_script_info, with_appcontext
from rq import Worker
from rq.serializers import JSONSerializer

from app.jobs import queue as job_queue
from app.jobs import runner

log = logging.getLogger(__name__)


def worker_options(app: Flask) -> dict:
    """What every worker shares: the JSON serializer, quiet job lines, and how fast a dead worker is noticed."""
    return {
        "serializer": JSONSerializer,
        "log_job_description": False,  # RQ's line would print the job's arguments; runner.run logs its own
        "worker_ttl": app.config["WORKER_TTL_SECONDS"],
        "maintenance_interval": app.config["WORKER_MAINTENANCE_SECONDS"],
    }


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Exit once the queue is empty.")
@pass_script_info
def worker_command(info: ScriptInfo, burst: bool) -> None:
    """Run a job worker on the queue at REDIS_URL (start as many as you need, on any machine)."""
    from app.database import disconnect_db

    app = info.load_app()  # the app itself, not the current_app proxy: job processes run under it
    if app.extensions["jobs"]["embedded"]:
        raise click.ClickException("REDIS_URL is not set: a worker needs the queue's Redis to find jobs")
    job_queue.ping()
    disconnect_db()  # the parent only forks; each job process connects on its own (pymongo is not fork-safe)
    runner.bind(app, connected=False)
    conn = job_queue.connection()
    worker = Worker([job_queue.queue(conn)], connection=conn, **worker_options(app))
    worker.work(burst=burst, with_scheduler=True, logging_level=app.config["LOG_LEVEL"])
