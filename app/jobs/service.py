"""Submitting and showing jobs, for the views: per-user caps, Idempotency-Key, and the job's JSON."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, request

from app.errors import BadRequest, NotFound, ServiceUnavailable, TooManyRequests, UnprocessableContent
from app.jobs import queue
from app.jobs.queue import JobRecord, QueueUnavailable
from app.models.serialize import isoformat

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
POLL_SECONDS = "2"
RECENT_LIMIT = 50
UNAVAILABLE = "The job queue is unavailable; try again shortly"
RETRY_AFTER_UNAVAILABLE = "5"


@contextmanager
def available() -> Iterator[None]:
    """503 with Retry-After while the queue cannot be reached."""
    try:
        yield
    except QueueUnavailable:
        raise ServiceUnavailable(UNAVAILABLE, headers={"Retry-After": RETRY_AFTER_UNAVAILABLE}) from None


def check_ready() -> None:
    """For `/ready`: 503 unless the queue answers."""
    with available():
        queue.ping()


def enqueue(kind: str, user_id: str, params: dict[str, Any], **options: Any) -> JobRecord:
    """Queue a job that no per-user cap or Idempotency-Key governs (mail, say); 503 when the queue is down."""
    with available():
        return queue.enqueue(kind, user_id, params, **options)


def fetch(job_id: str, kind: str, user_id: str) -> JobRecord | None:
    """The user's job of `kind`, or None (unknown, expired, someone else's); 503 when the queue is down."""
    with available():
        return queue.fetch(job_id, kind, user_id)


def to_dict(job: JobRecord) -> dict[str, Any]:
    """The documented job body: `result` once succeeded, `error` once failed."""
    body: dict[str, Any] = {
        "id": job.id,
        "status": job.status,
        "progress": {"done": job.done, "total": job.total},
        "createdAt": isoformat(job.created_at) if job.created_at else None,
        "startedAt": isoformat(job.started_at) if job.started_at else None,
        "endedAt": isoformat(job.ended_at) if job.ended_at else None,
    }
    if job.status == "succeeded":
        body["result"] = job.result
    elif job.status == "failed":
        body["error"] = job.error
    return body


def poll_headers(job: JobRecord) -> dict[str, str]:
    """Retry-After until the job is finished."""
    return {} if job.finished else {"Retry-After": POLL_SECONDS}


def idempotency_key() -> str | None:
    """The optional Idempotency-Key header; 400 when it is not 1 to 200 visible ASCII characters."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        message = "must be 1 to 200 visible ASCII characters"
        raise BadRequest(f"Idempotency-Key {message}", errors=[{"field": "Idempotency-Key", "message": message}])
    return key


# Called with a new job's id just before it is queued (to charge a quota, to store the job's input); returns
# what undoes that if the job cannot be queued after all.
Prepare = Callable[[str], Callable[[], None]]


def submit(
    kind: str,
    user_id: str,
    params: dict[str, Any],
    *,
    total: int,
    fingerprint: bytes,
    prepare: Prepare | None = None,
    **options: Any,
):
    """Queue a job for the user, or return the one an earlier request with the same Idempotency-Key made.

    429 while the user already has JOBS_IN_FLIGHT_PER_USER jobs of this kind queued or running; 422 when the
    key was used with another body; 503 when the queue cannot be reached. `prepare` runs only for a job that
    is really queued (not for a repeated request, nor one refused by the cap), and is undone if queueing fails.
    """
    key = idempotency_key()
    with available(), queue.user_lock(user_id, kind):
        if key is not None:
            job_id, same = queue.idempotent_job(user_id, kind, key, fingerprint)
            if job_id is not None:
                if not same:
                    raise UnprocessableContent("This Idempotency-Key was used with another request body")
                earlier = queue.fetch(job_id, kind, user_id)
                if earlier is not None:
                    return earlier
        cap = current_app.config["JOBS_IN_FLIGHT_PER_USER"]
        if queue.in_flight(user_id, kind) >= cap:
            raise TooManyRequests(
                f"You already have {cap} jobs of this kind queued or running; wait for one to finish",
                headers={"Retry-After": "10"},
            )
        job_id = str(uuid.uuid4())
        undo = prepare(job_id) if prepare is not None else None
        try:
            job = queue.enqueue(
                kind, user_id, {**params, "userId": user_id, "jobId": job_id}, total=total, job_id=job_id, **options
            )
        except BaseException:
            if undo is not None:
                undo()
            raise
        if key is not None:
            queue.remember_idempotency(user_id, kind, key, fingerprint, job.id)
    return job


def accepted(job: JobRecord, location: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """202 with the job, where to poll it, and when."""
    return to_dict(job), 202, {"Location": location, "Retry-After": POLL_SECONDS}


def shown(job: JobRecord | None) -> tuple[dict[str, Any], int, dict[str, str]]:
    """200 with the job, or 404 (unknown, expired, or someone else's: never 403)."""
    if job is None:
        raise NotFound("No job with this id")
    return to_dict(job), 200, poll_headers(job)


def listed(user_id: str, kind: str) -> tuple[dict[str, Any], int]:
    """The user's recent jobs of `kind`."""
    with available():
        jobs = queue.recent(user_id, kind, RECENT_LIMIT)
    return {"items": [to_dict(job) for job in jobs]}, 200
