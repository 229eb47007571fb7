"""What runs inside a worker: every job is `run(kind, params)`, which finds the app and the handler for `kind`.

Job kinds register themselves (`register_kind`, from their capability's `init_app`); the runner imports none.
Delivery is at least once (a killed job is run again), so every handler must be idempotent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from flask import Flask, current_app, has_app_context

from app.database import init_db
from app.errors import is_unavailable
from app.jobs import queue
from app.json import dumps

log = logging.getLogger("app.jobs")


class JobFailed(Exception):
    """A failure whose message is safe to show the job's owner (no internal addresses, no payloads)."""


class Progress:
    """Handed to a handler: report how far it got, for the job's status resource."""

    def __call__(self, done: int, total: int) -> None:
        queue.report(progress={"done": done, "total": total})


Handler = Callable[[dict[str, Any], Progress], Any]


def register_kind(app: Flask, kind: str, handler: Handler) -> None:
    """Let workers of `app` run jobs of `kind` with `handler`; the capability owning the kind calls this."""
    app.extensions["jobs"]["kinds"][kind] = handler


# The worker process's app (set by `flask worker` before it forks job processes); not connected until needed.
bound: dict[str, Any] = {"app": None, "connected": False}


def bind(app: Flask, *, connected: bool) -> None:
    """Remember the app jobs of this process run under; `connected=False` makes the job process reconnect."""
    bound.update(app=app, connected=connected)


def app_context() -> AbstractContextManager[Any]:
    """The app context a job runs in: the worker's app once bound, else the caller's (tests, embedded worker)."""
    app = bound["app"]
    if app is not None:
        if not bound["connected"]:
            # pymongo clients are not fork-safe: each job process opens its own connection.
            init_db(app)
            bound["connected"] = True
        return app.app_context()
    if has_app_context():
        return nullcontext()
    raise RuntimeError("no app bound: start workers with `flask --app server worker`")


def run(kind: str, params: dict[str, Any]) -> Any:
    """Run one job; log one JSON line as it starts and one as it ends, never its parameters."""
    job_id, user_id = queue.current_job() or ("-", None)
    started = time.perf_counter()

    def line(outcome: str) -> None:
        duration = None if outcome == "started" else round((time.perf_counter() - started) * 1000, 1)
        entry = {"jobId": job_id, "kind": kind, "userId": user_id, "outcome": outcome, "durationMs": duration}
        log.info(dumps(entry))

    line("started")
    with app_context():
        try:
            handler = current_app.extensions["jobs"]["kinds"][kind]
            result = handler(params, Progress())
        except Exception as error:
            line("failed")
            message = str(error) if isinstance(error, JobFailed) else safe_message(error)
            if not isinstance(error, JobFailed):
                log.exception("job %s (%s) failed", job_id, kind)
            queue.report(error=message)
            raise JobFailed(message) from None
    line("succeeded")
    return result


def safe_message(error: Exception) -> str:
    """What the owner may read about an unexpected failure: its kind, never its text."""
    if is_unavailable(error):
        return "The database was unavailable; the job will be retried, or try again later"
    return "The job failed unexpectedly; it has been logged"
