"""What runs inside a worker: every job is `run(kind, params)`, which finds the app and the handler for `kind`.

Delivery is at least once (a killed job is run again), so every handler must be idempotent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from flask import Flask, has_app_context
from rq import get_current_job

from app.json import dumps

log = logging.getLogger("app.jobs")


class JobFailed(Exception):
    """A failure whose message is safe to show the job's owner (no internal addresses, no payloads)."""


class Progress:
    """Handed to a handler: report how far it got, for the job's status resource."""

    def __init__(self) -> None:
        self.job = get_current_job()

    def __call__(self, done: int, total: int) -> None:
        if self.job is not None:
            self.job.meta["progress"] = {"done": done, "total": total}
            self.job.save_meta()


Handler = Callable[[dict[str, Any], Progress], Any]


def handlers() -> dict[str, Handler]:
    """Job kinds and their handlers; a new kind of job is one line here."""
    from app.jobs import post_export, post_import
    from app.mail import job as send_mail

    return {"post_import": post_import.run, "post_export": post_export.run, "send_mail": send_mail.run}


# The worker process's app (set by `flask worker` before it forks job processes); not connected until needed.
_app: Flask | None = None
_connected = False


def bind(app: Flask, *, connected: bool) -> None:
    """Remember the app jobs of this process run under; `connected=False` makes the job process reconnect."""
    global _app, _connected
    _app, _connected = app, connected


def _app_context() -> Any:
    """The app context a job runs in: the worker's app once bound, else the caller's (tests, embedded worker)."""
    global _connected
    if _app is not None:
        if not _connected:
            # pymongo clients are not fork-safe: each job process opens its own connection.
            from app.database import init_db

            _app.config["CREATE_INDEXES"] = False  # the web app creates them; a job process reads and writes
            init_db(_app)
            _connected = True
        return _app.app_context()
    if has_app_context():
        return nullcontext()
    raise RuntimeError("no app bound: start workers with `flask --app server worker`")


def run(kind: str, params: dict[str, Any]) -> Any:
    """Run one job; log one JSON line as it starts and one as it ends, never its parameters."""
    job = get_current_job()
    job_id = job.id if job is not None else "-"
    user_id = (job.meta or {}).get("userId") if job is not None else None
    started = time.perf_counter()

    def line(outcome: str) -> None:
        duration = None if outcome == "started" else round((time.perf_counter() - started) * 1000, 1)
        entry = {"jobId": job_id, "kind": kind, "userId": user_id, "outcome": outcome, "durationMs": duration}
        log.info(dumps(entry))

    line("started")
    with _app_context():
        try:
            result = handlers()[kind](params, Progress())
        except Exception as error:
            line("failed")
            message = str(error) if isinstance(error, JobFailed) else safe_message(error)
            if not isinstance(error, JobFailed):
                log.exception("job %s (%s) failed", job_id, kind)
            if job is not None:
                job.meta["error"] = message
                job.save_meta()
            raise JobFailed(message) from None
    line("succeeded")
    return result


def safe_message(error: Exception) -> str:
    """What the owner may read about an unexpected failure: its kind, never its text."""
    from app.database import is_unavailable

    if is_unavailable(error):
        return "The database was unavailable; the job will be retried, or try again later"
    return "The job failed unexpectedly; it has been logged"
