"""The app's settings in the bench: production's, but for the embedded store and never-reached rate limits."""

from __future__ import annotations

from bench.data import UNLIMITED_PER_MINUTE
from config import Config

UNLIMITED = f"{UNLIMITED_PER_MINUTE} per minute"


class BenchConfig(Config):
    """Production settings except the embedded database (when MONGODB_URI is unset) and high limits."""

    ALLOW_EMBEDDED_DB = True
    DOCS_ENABLED = False
    HSTS_ALWAYS = True
    LOG_LEVEL = "WARNING"
    RATELIMIT_DEFAULT = UNLIMITED
    RATELIMIT_AUTH = UNLIMITED
    RATELIMIT_WRITE = UNLIMITED
    # Production runs its job workers as their own processes: no worker thread in the served process.
    JOBS_EMBEDDED_WORKER = False
