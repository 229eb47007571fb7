"""Workers: `flask --app server worker` (RQ's forking worker, one process per job) and the embedded thread."""

from __future__ import annotations

import logging
import threading

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from rq import SimpleWorker, Worker
from rq.serializers import JSONSerializer
from rq.timeouts import TimerDeathPenalty

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
def worker_command(burst: bool) -> None:
    """Run a job worker on the queue at REDIS_URL (start as many as you need, on any machine)."""
    from app.database import disconnect_db

    app = current_app._get_current_object()
    if app.extensions["jobs"]["embedded"]:
        raise click.ClickException("REDIS_URL is not set: a worker needs the queue's Redis to find jobs")
    job_queue.ping()
    disconnect_db()  # the parent only forks; each job process connects on its own (pymongo is not fork-safe)
    runner.bind(app, connected=False)
    conn = job_queue.connection()
    worker = Worker([job_queue.queue(conn)], connection=conn, **worker_options(app))
    worker.work(burst=burst, with_scheduler=True, logging_level=app.config["LOG_LEVEL"])


class ThreadWorker(SimpleWorker):
    """RQ's in-process worker, made to run on a thread: no signal handlers, a timer for timeouts."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        """Signals belong to the main thread; the embedded worker stops with the process."""


class EmbeddedWorker:
    """Development without Redis: a worker thread on the in-process queue, started by the first job."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            if self.thread is not None:
                return
            self.thread = threading.Thread(target=self._work, name="embedded-job-worker", daemon=True)
            self.thread.start()
        log.warning("Jobs: running queued jobs on a thread of this process (no REDIS_URL; development only)")

    def _work(self) -> None:
        with self.app.app_context():
            conn = job_queue.connection()
            worker = ThreadWorker([job_queue.queue(conn)], connection=conn, **worker_options(self.app))
            worker.work(with_scheduler=True, logging_level=self.app.config["LOG_LEVEL"])
