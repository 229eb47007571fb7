"""Background jobs: a queue (RQ on Redis) behind one seam, workers, and a registry of job kinds.

`queue` is the seam to the engine (the only module that imports RQ: queue, jobs and workers), `runner` what a
worker runs (kinds register with it), `commands` the `flask worker` command, `service` the rules views use
(per-user caps, Idempotency-Key, 503 while the queue is down), `docs` the job schemas.
"""

from __future__ import annotations

from flask import Flask

from app import events
from app.jobs import service
from app.jobs.commands import worker_command
from app.jobs.queue import init_queue
from app.jobs.runner import register_kind

__all__ = ["NEEDS", "init_app", "register_kind"]

NEEDS: tuple[str, ...] = ()
# Beside app/jobs/ and tests/jobs/, what `flask remove jobs` deletes (app/scaffold/remove.py reads it).
OWNS = ("config/jobs.py", "docs/jobs.md")


def init_app(app: Flask) -> None:
    """Connect the queue, add the `worker` command, and report the queue in `/ready`."""
    init_queue(app)
    app.cli.add_command(worker_command)
    events.subscribe(app, events.CHECKING_READY, service.check_ready)
