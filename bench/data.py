"""The benchmark's data set, identical for the app and the baseline: 10 authors, 1,000 published posts, one reader.

Documents are built raw, in the shapes the app's models store, so both servers load the very same bytes.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

AUTHORS = 10
POSTS = 1000
READER_EMAIL = "reader@bench.example"
PASSWORD = "bench password 1"
UNLIMITED_PER_MINUTE = 1_000_000  # every rate limit in the bench: counted, never reached
CREATED_TAG = "bench-created"  # posts written during a run; removed between rounds
WORDS = [
    "flask",
    "mongo",
    "index",
    "query",
    "cursor",
    "token",
    "session",
    "schema",
    "route",
    "model",
    "field",
    "value",
    "page",
    "sort",
    "filter",
    "limit",
    "cache",
    "server",
    "client",
    "worker",
    "process",
    "thread",
    "socket",
    "header",
    "status",
    "error",
    "retry",
    "backoff",
    "shard",
    "replica",
]


def post_id(n: int) -> str:
    """Stable ids, so both servers answer for the same item."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-post-{n}"))


def text(rng: random.Random, length: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append(rng.choice(WORDS))
    return " ".join(words)[:length].strip().capitalize()


def documents(hasher: PasswordHasher, count: int = POSTS) -> dict[str, list[dict[str, Any]]]:
    """Raw `users` and `posts` documents (UUIDs as strings, UTC datetimes), as the app's models store them."""
    rng = random.Random(20261124)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    password_hash = hasher.hash(PASSWORD)
    users = [
        {
            "_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-user-{n}")),
            "created_at": start,
            "updated_at": start,
            "email": READER_EMAIL if n == AUTHORS else f"author{n}@bench.example",
            "display_name": f"Bench User {n}",
            "password_hash": password_hash,
            "role": "user",
            "active": True,
            "email_verified": True,  # verified accounts publish
        }
        for n in range(AUTHORS + 1)
    ]
    posts = []
    for n in range(count):
        stamp = start + timedelta(minutes=n)
        posts.append(
            {
                "_id": post_id(n),
                "created_at": stamp,
                "updated_at": stamp,
                "author": users[n % AUTHORS]["_id"],
                "title": text(rng, 40),
                "body": text(rng, 500),
                "tags": rng.sample(WORDS, 3),
                "status": "published",
                "version": 1,
            }
        )
    return {"users": users, "posts": posts}
