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
    # Quotas off: the bench creates tens of thousands of posts per minute, and the stand-in sums a quota's window
    # by scanning every charge (a real MongoDB walks the (account, quota, created_at) index). On a real server a
    # counted create costs one insert and one indexed aggregate more (bench/README.md).
    QUOTA_POSTS_PER_DAY = 0
    QUOTA_IMPORT_ITEMS_PER_DAY = 0
    QUOTA_EXPORTS_PER_DAY = 0
    QUOTA_UPLOAD_BYTES_PER_DAY = 0
    # Production runs its job workers as their own processes: no worker thread in the served process.
    JOBS_EMBEDDED_WORKER = False
