"""The peer: the same posts served by Eve (PyPI `eve`), a full REST framework, on the same embedded stand-in.

Eve answers in its own shapes (`_items`, `_meta`, `_links`), validates writes with Cerberus and adds its
ETag and date fields, as Eve does out of the box. Its writes are unauthenticated here (an Eve service adds its
own auth class; the template's create is measured with a token): say so wherever its figures are shown.
With BENCH_REDIS set, Eve's own rate limiting counts in that Redis (per client address, reads and writes);
Eve has no in-memory limiter, so in the memory configuration it runs unthrottled.
"""

from __future__ import annotations

import os

import mongomock
from argon2 import PasswordHasher
from eve import Eve
from eve.io.mongo import flask_pymongo

from bench import instrument
from bench.data import CREATED_TAG, documents

instrument.patch_driver()
instrument.patch_redis()
client = mongomock.MongoClient(tz_aware=True)
# Eve builds its own pymongo client: hand it the stand-in instead, with the same data as the other servers.
flask_pymongo.MongoClient = lambda *args, **kwargs: client
hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # no login here; the hash is never checked
data = documents(hasher)
client.app.posts.insert_many(data["posts"])

POSTS = {
    "url": "posts",
    "datasource": {"source": "posts", "filter": {"status": "published"}, "default_sort": [("created_at", -1)]},
    "item_url": 'regex("[0-9a-f-]{36}")',
    "resource_methods": ["GET", "POST"],
    "item_methods": ["GET"],
    "schema": {
        "author": {"type": "string"},
        "title": {"type": "string", "minlength": 1, "maxlength": 200, "required": True},
        "body": {"type": "string", "minlength": 1, "maxlength": 20000, "required": True},
        "tags": {"type": "list", "maxlength": 10, "schema": {"type": "string", "minlength": 1, "maxlength": 30}},
        "status": {"type": "string", "allowed": ["draft", "published"], "default": "draft"},
        "version": {"type": "integer", "default": 1},
    },
}
SETTINGS = {
    "MONGO_URI": "mongodb://127.0.0.1:1/app",  # never dialled: the client above stands in
    "URL_PREFIX": "api",
    "API_VERSION": "v1",
    "DOMAIN": {"posts": POSTS},
    "DATE_CREATED": "created_at",
    "LAST_UPDATED": "updated_at",
    "PAGINATION_DEFAULT": 20,
    "PAGINATION_LIMIT": 100,
    "QUERY_MAX_RESULTS": "perPage",
    "HATEOAS": True,
    "X_DOMAINS": None,
}
redis_client = None
if os.environ.get("BENCH_REDIS"):
    import redis

    redis_client = redis.Redis.from_url(os.environ["BENCH_REDIS"])
    # Eve's limiter: (requests, seconds) per client address and method, high enough never to trigger.
    SETTINGS.update(RATE_LIMIT_GET=(1_000_000, 60), RATE_LIMIT_POST=(1_000_000, 60))

eve_app = Eve(settings=SETTINGS, redis=redis_client)


def cleanup() -> None:
    client.app.posts.delete_many({"tags": CREATED_TAG})


app = instrument.wrap(eve_app.wsgi_app, cleanup)
