"""The template's app as the benchmark serves it: production settings on seeded data, timed in-process.

Production refuses the embedded stand-in and in-memory rate limits; this config allows exactly those two
(one process, one worker) and keeps everything else as production runs it, rate limiting included. The bench
also runs it with RATELIMIT_STORAGE_URI pointing at a real redis-server, which is what production counts in.
The job queue is not on any measured path: without REDIS_URL it is the in-process stand-in, with no worker.
"""

from __future__ import annotations

from mongoengine.connection import get_db

from app import create_app
from bench import instrument
from bench.data import CREATED_TAG, documents
from bench.settings import BenchConfig

instrument.patch_driver()
instrument.patch_redis()
flask_app = create_app(BenchConfig)
with flask_app.app_context():
    data = documents(flask_app.extensions["passwords"]["hasher"])
    db = get_db()
    db.users.insert_many(data["users"])
    db.posts.insert_many(data["posts"])


def cleanup() -> None:
    with flask_app.app_context():
        get_db().posts.delete_many({"tags": CREATED_TAG})


app = instrument.wrap(flask_app.wsgi_app, cleanup)
