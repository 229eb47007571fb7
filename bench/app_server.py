"""The template's app as the benchmark serves it: production settings on seeded data, timed in-process.

Production refuses the embedded stand-in and in-memory rate limits; this config allows exactly those two
(one process, one worker) and keeps everything else as production runs it, rate limiting included.
"""

from __future__ import annotations

from mongoengine.connection import get_db

from app import create_app
from bench import instrument
from bench.data import CREATED_TAG, documents
from config import Config

UNLIMITED = "1000000 per minute"


class BenchConfig(Config):
    ALLOW_EMBEDDED_DB = True
    DOCS_ENABLED = False
    HSTS_ALWAYS = True
    LOG_LEVEL = "WARNING"
    RATELIMIT_DEFAULT = UNLIMITED
    RATELIMIT_AUTH = UNLIMITED
    RATELIMIT_WRITE = UNLIMITED


instrument.patch_driver()
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
