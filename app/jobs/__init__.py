"""Background jobs: a queue (RQ on Redis) behind one seam, workers, and the job kinds the API offers.

`queue` is the seam to the engine, `runner` what a worker runs, `worker` the `flask worker` command and the
embedded development worker, `service` what views use; `post_import` and `post_export` are the example jobs.
"""

from __future__ import annotations

from flask import Flask


def init_jobs(app: Flask) -> None:
    """Connect the queue and add the `worker` command."""
    from app.jobs.queue import init_queue
    from app.jobs.worker import worker_command

    init_queue(app)
    app.cli.add_command(worker_command)
