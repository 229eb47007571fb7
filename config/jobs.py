"""Settings for background jobs (RQ on Redis): where the queue lives, job defaults, and what production refuses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from config.env import ConfigError


class Settings:
    """Defaults mixed into `Config`; every upper-case name can be set from the environment."""

    # The queue's Redis (may be the rate limiter's server). Unset: an in-process stand-in (development and tests).
    REDIS_URL: str | None = None
    JOB_QUEUE = "default"
    # Job defaults, in one place: a job running longer is killed and retried; results and failures are kept
    # this long (then the job's URL answers 404).
    JOB_TIMEOUT_SECONDS = 600
    JOB_RETRIES = 3
    JOB_RESULT_TTL_SECONDS = 86_400
    JOB_FAILURE_TTL_SECONDS = 7 * 86_400
    # A worker that stops heartbeating for this long is dead; its job is requeued by the next maintenance pass.
    WORKER_TTL_SECONDS = 35
    WORKER_MAINTENANCE_SECONDS = 10
    # Without REDIS_URL, run each job as it is queued, in the request that queues it (development only; no
    # retries). Tests set it off: they queue jobs and run them with workers they start.
    JOBS_EMBEDDED_WORKER = True
    # Per user: how many jobs of one kind may be queued or running at once.
    JOBS_IN_FLIGHT_PER_USER = 2
    # capability: posts
    POST_IMPORT_MAX_ITEMS = 10_000
    POST_IMPORT_MAX_BYTES = 5 * 1024 * 1024
    # Exports are kept in the job record: capped, and kept for an hour.
    POST_EXPORT_MAX_POSTS = 1_000
    POST_EXPORT_TTL_SECONDS = 3_600
    # end capability: posts


def complete(values: dict[str, Any], environ: Mapping[str, str]) -> None:
    """Nothing is derived."""


def check(values: dict[str, Any], *, production: bool) -> None:
    """Production needs a shared Redis for the queue: an in-process queue loses jobs and reaches no worker."""
    url = values.get("REDIS_URL") or ""
    if production and not url:
        raise ConfigError("REDIS_URL is not set: production runs jobs on a shared Redis (redis://host:6379/0)")
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
    names = ["JOB_TIMEOUT_SECONDS", "JOB_RESULT_TTL_SECONDS", "JOB_FAILURE_TTL_SECONDS"]
    names.append("POST_IMPORT_MAX_ITEMS")  # capability: posts
    for name in names:
        if values[name] < 1:
            raise ConfigError(f"{name} must be at least 1")
