"""The seam to the queue engine (RQ on Redis): the only module that imports RQ.

Views and jobs speak in `JobRecord`s and job kinds; moving to another engine (Celery on RabbitMQ, say)
means rewriting this module, not the API. Workers (`run_worker`) live here too: they speak RQ as well.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from flask import Flask, current_app
from rq import Queue, Retry, Worker, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

log = logging.getLogger(__name__)

# Every job runs this function in the worker; the kind names the handler (app/jobs/runner.py).
RUNNER = "app.jobs.runner.run"
# RQ's states, as the API names them: a job waiting for a retry is queued again.
STATUSES = {
    JobStatus.CREATED: "queued",
    JobStatus.QUEUED: "queued",
    JobStatus.DEFERRED: "queued",
    JobStatus.SCHEDULED: "queued",
    JobStatus.STARTED: "running",
    JobStatus.FINISHED: "succeeded",
    JobStatus.FAILED: "failed",
    JobStatus.STOPPED: "failed",
    JobStatus.CANCELED: "failed",
}
GENERIC_FAILURE = "The job failed; try again later"


@dataclass(frozen=True)
class JobRecord:
    """What the API shows of a job; never RQ's own failure text (it may hold internal details)."""

    id: str
    kind: str
    user_id: str
    status: str
    done: int
    total: int
    created_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    result: Any
    error: str | None

    @property
    def finished(self) -> bool:
        return self.status in ("succeeded", "failed")


class QueueUnavailable(Exception):
    """The queue's Redis cannot be reached (the service answers 503)."""


class RefusedJob(Exception):
    """A queued job that names a function other than the app's runner: never run."""


class AppJob(Job):
    """RQ's job, refusing to run any function but the app's runner (RQ's documented custom job class).

    Whoever can write to the queue's Redis could otherwise queue a job naming any importable function; a worker
    runs only `RUNNER`, and logs and fails anything else.
    """

    def perform(self) -> Any:
        if self.func_name != RUNNER:
            log.error("job %s refused: it names %r, not the app's job runner", self.id, self.func_name)
            raise RefusedJob(f"only {RUNNER} runs here")
        return super().perform()


@contextmanager
def reachable() -> Iterator[None]:
    """Turn a Redis that cannot be reached into `QueueUnavailable`."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as error:
        log.error("job queue unavailable: %s", type(error).__name__)
        raise QueueUnavailable(type(error).__name__) from None


def init_queue(app: Flask) -> None:
    """Connect to REDIS_URL, or to an in-process stand-in (fakeredis) where that is allowed.

    With the stand-in and JOBS_EMBEDDED_WORKER (development), the queue runs each job as it is queued, in
    the process and request that queue it: RQ's documented `is_async=False`, so no worker thread is needed.
    """
    url = app.config.get("REDIS_URL")
    inline = not url and app.config["JOBS_EMBEDDED_WORKER"]
    if url:
        connection = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)
        log.info("Jobs: queue %r on the Redis server from REDIS_URL", app.config["JOB_QUEUE"])
    else:
        import fakeredis

        connection = fakeredis.FakeRedis(server=fakeredis.FakeServer())
        log.warning(
            "Jobs: REDIS_URL is not set, using an in-process queue stand-in (fakeredis)%s; queued jobs are lost "
            "when the process stops. Set REDIS_URL=redis://localhost:6379/0 and run `flask --app server worker`.",
            ", running each job as it is queued (no retries)" if inline else "",
        )
    app.extensions["jobs"] = {"connection": connection, "embedded": not url, "inline": inline, "kinds": {}}


def connection() -> redis.Redis:
    """The current app's queue connection."""
    return current_app.extensions["jobs"]["connection"]


def queue(conn: redis.Redis | None = None) -> Queue:
    """The app's queue, with the JSON serializer (RQ's default is pickle)."""
    return Queue(
        current_app.config["JOB_QUEUE"],
        connection=conn or connection(),
        serializer=JSONSerializer,
        job_class=AppJob,
        is_async=not current_app.extensions["jobs"]["inline"],
    )


def ping() -> None:
    """Raise `QueueUnavailable` unless the queue's Redis answers."""
    with reachable():
        connection().ping()


def _user_index(user_id: str, kind: str) -> str:
    return f"app:jobs:{user_id}:{kind}"


def enqueue(
    kind: str,
    user_id: str,
    params: dict[str, Any],
    *,
    total: int = 0,
    result_ttl: int | None = None,
    retries: int | None = None,
    retry_intervals: list[int] | None = None,
    job_id: str | None = None,
) -> JobRecord:
    """Queue `kind` for `user_id`; the record exists (status queued) as soon as this returns."""
    config = current_app.config
    job_id = job_id or str(uuid.uuid4())
    retries = config["JOB_RETRIES"] if retries is None else retries
    with reachable():
        job = queue().enqueue_call(
            RUNNER,
            args=(kind, params),
            job_id=job_id,
            description=kind,  # RQ logs the description: never the arguments
            timeout=config["JOB_TIMEOUT_SECONDS"],
            result_ttl=result_ttl or config["JOB_RESULT_TTL_SECONDS"],
            failure_ttl=config["JOB_FAILURE_TTL_SECONDS"],
            retry=Retry(max=retries, interval=retry_intervals or 0) if retries else None,
            meta={"kind": kind, "userId": user_id, "progress": {"done": 0, "total": total}},
        )
        index = _user_index(user_id, kind)
        pipe = connection().pipeline()
        pipe.zadd(index, {job_id: time.time()})
        pipe.expire(index, config["JOB_FAILURE_TTL_SECONDS"] + config["JOB_RESULT_TTL_SECONDS"])
        pipe.execute()
    return record(job)


def record(job: Job) -> JobRecord:
    """The API's view of an RQ job."""
    meta = job.meta or {}
    progress = meta.get("progress") or {}
    status = STATUSES.get(job.get_status(refresh=False), "queued")
    result = job.return_value() if status == "succeeded" else None
    return JobRecord(
        id=job.id,
        kind=meta.get("kind", ""),
        user_id=meta.get("userId", ""),
        status=status,
        done=int(progress.get("done", 0)),
        total=int(progress.get("total", 0)),
        created_at=job.created_at,
        started_at=job.started_at,
        ended_at=job.ended_at,
        result=result,
        error=(meta.get("error") or GENERIC_FAILURE) if status == "failed" else None,
    )


def fetch(job_id: str, kind: str, user_id: str) -> JobRecord | None:
    """The user's job of `kind`, or None when it is unknown, expired, someone else's or of another kind."""
    try:
        job_id = str(uuid.UUID(job_id))  # every id the API hands out is a UUID; anything else names no job
    except ValueError:
        return None
    with reachable():
        try:
            job = AppJob.fetch(job_id, connection=connection(), serializer=JSONSerializer)
        except NoSuchJobError:
            return None
    found = record(job)
    return found if (found.kind, found.user_id) == (kind, user_id) else None


def recent(user_id: str, kind: str, limit: int) -> list[JobRecord]:
    """The user's jobs of `kind`, newest first; expired ones are dropped from the index as they are seen."""
    index = _user_index(user_id, kind)
    with reachable():
        ids = [i.decode() for i in connection().zrevrange(index, 0, limit - 1)]
        jobs = AppJob.fetch_many(ids, connection=connection(), serializer=JSONSerializer)
        gone = [job_id for job_id, job in zip(ids, jobs, strict=True) if job is None]
        if gone:
            connection().zrem(index, *gone)
    return [r for r in (record(job) for job in jobs if job is not None) if (r.kind, r.user_id) == (kind, user_id)]


def in_flight(user_id: str, kind: str) -> int:
    """How many of the user's jobs of `kind` are queued or running."""
    limit = current_app.config["JOBS_IN_FLIGHT_PER_USER"] + 50
    return sum(not job.finished for job in recent(user_id, kind, limit))


@contextmanager
def user_lock(user_id: str, kind: str) -> Iterator[None]:
    """Serialise one user's submissions of `kind`, so two requests cannot both pass the in-flight check."""
    with reachable(), connection().lock(f"app:jobs:lock:{user_id}:{kind}", timeout=10, blocking_timeout=10):
        yield


def idempotent_job(user_id: str, kind: str, key: str, body: bytes) -> tuple[str | None, bool]:
    """The job an earlier request with this Idempotency-Key made, and whether its body was the same."""
    stored = connection().get(_idempotency_key(user_id, kind, key))
    if stored is None:
        return None, True
    job_id, _, digest = stored.decode().partition(" ")
    return job_id, digest == hashlib.sha256(body).hexdigest()


def remember_idempotency(user_id: str, kind: str, key: str, body: bytes, job_id: str) -> None:
    """Keep the key for as long as the job's record can be fetched."""
    ttl = current_app.config["JOB_RESULT_TTL_SECONDS"] + current_app.config["JOB_FAILURE_TTL_SECONDS"]
    value = f"{job_id} {hashlib.sha256(body).hexdigest()}"
    connection().set(_idempotency_key(user_id, kind, key), value, ex=ttl)


def _idempotency_key(user_id: str, kind: str, key: str) -> str:
    return f"app:idempotency:{user_id}:{kind}:{hashlib.sha256(key.encode()).hexdigest()}"


def current_job() -> tuple[str, str | None] | None:
    """Inside a worker: the running job's id and owner; None when a job's function is called directly."""
    job = get_current_job()
    return None if job is None else (job.id, (job.meta or {}).get("userId"))


def will_retry() -> bool:
    """Inside a worker: whether the running job, should it fail now, would be run again (False outside one)."""
    job = get_current_job()
    return job is not None and job.should_retry


def report(**meta: Any) -> None:
    """Keep `meta` (progress, a safe error message) on the running job, for its status resource."""
    job = get_current_job()
    if job is not None:
        job.meta.update(meta)
        job.save_meta()


def worker_options(app: Flask) -> dict[str, Any]:
    """What every worker shares: the app's job class, JSON, quiet job lines, how fast a dead worker is noticed."""
    return {
        "serializer": JSONSerializer,
        "job_class": AppJob,
        "log_job_description": False,  # RQ's line would print the job's arguments; runner.run logs its own
        "worker_ttl": app.config["WORKER_TTL_SECONDS"],
        "maintenance_interval": app.config["WORKER_MAINTENANCE_SECONDS"],
    }


def run_worker(app: Flask, *, burst: bool) -> None:
    """RQ's forking worker on the app's queue (one process per job), until stopped (or the queue is empty)."""
    conn = connection()
    worker = Worker([queue(conn)], connection=conn, **worker_options(app))
    worker.work(burst=burst, with_scheduler=True, logging_level=app.config["LOG_LEVEL"])
