"""The hand-written baseline: plain Flask views over pymongo (on the same embedded stand-in), no other layers.

Same responses for the same calls, and the same essential work: the argon2 check at login, HS256 tokens signed
and verified with PyJWT, a session check and a user lookup per authenticated call, an ETag on items, and what
any production service does per request: a request id, the security headers, one JSON access-log line.
It throttles as a hand-written service would for the template's policy: a fixed window per key (the address
for reads, the user behind a valid token for writes, plus every write against one shared per-user budget),
counted in process memory or, with BENCH_REDIS set, in that Redis: every limit of a request in ONE pipelined
round trip (INCR + EXPIRE NX per key), and the X-RateLimit-* headers from the replies.
What it leaves out is the template's layers (flask-restful, decorators, schema validation, MongoEngine,
mongo_to_dict, Flask-Limiter): their cost is what the benchmark measures.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import mongomock
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from flask import Flask, Response, g, request

from bench import instrument
from bench.data import CREATED_TAG, UNLIMITED_PER_MINUTE, documents

instrument.patch_driver()
instrument.patch_redis()
SECRET = os.environ["JWT_SECRET_KEY"]
hasher = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)  # the app's production parameters
db = mongomock.MongoClient(tz_aware=True).app
data = documents(hasher)
db.users.insert_many(data["users"])
db.posts.insert_many(data["posts"])
db.users.create_index("email", unique=True)
flask_app = Flask(__name__)
access_log = logging.getLogger("baseline.access")
access_log.addHandler(logging.StreamHandler())
access_log.setLevel(logging.INFO)
access_log.propagate = False
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


WINDOW = 60  # seconds: the app's limits are "N per minute"
LIMIT = UNLIMITED_PER_MINUTE  # the app's bench limits, each of them: high enough never to trigger
redis_store = None
if os.environ.get("BENCH_REDIS"):
    import redis

    redis_store = redis.Redis.from_url(os.environ["BENCH_REDIS"])
counters: dict[str, int] = {}  # the in-memory store: window key -> hits


def token_subject() -> str | None:
    """The user behind a well-signed bearer token (verified once per request, kept for the view)."""
    if "claims" not in g:
        header = request.headers.get("Authorization", "")
        g.claims = None
        if header.startswith("Bearer "):
            with contextlib.suppress(jwt.PyJWTError):
                g.claims = jwt.decode(header[7:], SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    return g.claims["sub"] if g.claims else None


def throttle() -> Response | None:
    """The template's policy by hand: per route and client, plus the shared write budget per client."""
    address = "ip:" + (request.remote_addr or "unknown")
    if request.method == "GET":
        keys = [f"{address}/{request.endpoint}"]
    else:
        subject = None if request.endpoint == "login" else token_subject()  # login counts per address
        client = f"user:{subject}" if subject else address
        keys = [f"{client}/{request.endpoint}", f"{client}/writes"]
    window = int(time.time()) // WINDOW
    keys = [f"rl/{key}/{window}" for key in keys]
    if redis_store is not None:
        pipe = redis_store.pipeline(transaction=False)
        for key in keys:
            pipe.incr(key)
            pipe.expire(key, WINDOW, nx=True)
        hits = pipe.execute()[::2]
    else:
        hits = []
        for key in keys:
            counters[key] = counters.get(key, 0) + 1
            hits.append(counters[key])
        if len(counters) > 10_000:  # old windows go
            for key in [k for k in counters if not k.endswith(f"/{window}")]:
                del counters[key]
    g.rate_headers = {
        "X-RateLimit-Limit": str(LIMIT),
        "X-RateLimit-Remaining": str(max(LIMIT - max(hits), 0)),
        "X-RateLimit-Reset": str((window + 1) * WINDOW),
    }
    if max(hits) > LIMIT:
        response = problem(429, "Too many requests")
        response.headers["Retry-After"] = str((window + 1) * WINDOW - int(time.time()))
        return response
    return None


@flask_app.before_request
def start() -> Response | None:
    g.started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID.match(incoming) else str(uuid.uuid4())
    return throttle()


@flask_app.after_request
def finish(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.update(g.get("rate_headers", {}))
    response.headers["X-Request-ID"] = g.request_id
    line = {"requestId": g.request_id, "method": request.method, "path": request.path}
    line.update(status=response.status_code, durationMs=round((time.perf_counter() - g.started) * 1000, 2))
    access_log.info(json.dumps(line))
    return response


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def post_json(doc: dict) -> dict:
    return {
        "id": doc["_id"],
        "createdAt": iso(doc["created_at"]),
        "updatedAt": iso(doc["updated_at"]),
        "author": doc["author"],
        "title": doc["title"],
        "body": doc["body"],
        "tags": doc["tags"],
        "status": doc["status"],
        "version": doc["version"],
    }


def reply(body: object, status: int = 200, **headers: str) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def problem(status: int, detail: str) -> Response:
    body = {"type": "about:blank", "title": "Error", "status": status, "detail": detail}
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def current_user() -> dict | None:
    token_subject()
    claims = g.claims
    if claims is None:
        return None
    if claims.get("type") != "access" or not db.sessions.find_one({"_id": claims.get("sid"), "revoked": False}):
        return None
    return db.users.find_one({"_id": claims["sub"], "active": True})


@flask_app.get("/api/v1/posts")
def list_posts() -> Response:
    per_page = int(request.args.get("perPage", 20))
    page = int(request.args.get("page", 1))
    query = {"status": "published"}
    total = db.posts.count_documents(query)
    # `_id` breaks ties, as the app's lists do: without it a real server may repeat or skip items across pages.
    sort = [("created_at", -1), ("_id", -1)]
    cursor = db.posts.find(query, sort=sort, skip=(page - 1) * per_page, limit=per_page)
    items = [post_json(doc) for doc in cursor]
    pages = max(1, -(-total // per_page))
    body = {"items": items, "page": page, "perPage": per_page, "total": total, "totalPages": pages}
    return reply(body, Link=f'</api/v1/posts?page=1&perPage={per_page}>; rel="first"')


@flask_app.get("/api/v1/posts/<post_id>")
def get_post(post_id: str) -> Response:
    doc = db.posts.find_one({"_id": post_id})
    if doc is None or doc["status"] != "published":
        return problem(404, "No post with this id")
    return reply(post_json(doc), ETag=f'"v{doc["version"]}"')


@flask_app.post("/api/v1/posts")
def create_post() -> Response:
    user = current_user()
    if user is None:
        return problem(401, "A valid access token is required")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("title"), str) or not isinstance(body.get("body"), str):
        return problem(400, "title and body are required")
    now = datetime.now(UTC)
    doc = {
        "_id": str(uuid.uuid4()),
        "created_at": now,
        "updated_at": now,
        "author": user["_id"],
        "title": body["title"].strip(),
        "body": body["body"],
        "tags": list(dict.fromkeys(t.strip().lower() for t in body.get("tags", []))),
        "status": body.get("status", "draft"),
        "version": 1,
    }
    db.posts.insert_one(doc)
    return reply(post_json(doc), 201, Location=f"/api/v1/posts/{doc['_id']}", ETag='"v1"')


@flask_app.get("/api/v1/me")
def me() -> Response:
    user = current_user()
    if user is None:
        return problem(401, "A valid access token is required")
    fields = ("email", "display_name", "role", "active")
    profile = {"id": user["_id"], "createdAt": iso(user["created_at"]), "updatedAt": iso(user["updated_at"])}
    profile.update({("displayName" if f == "display_name" else f): user[f] for f in fields})
    return reply(profile)


@flask_app.post("/api/v1/auth/login")
def login() -> Response:
    body = request.get_json(silent=True) or {}
    user = db.users.find_one({"email": str(body.get("email", "")).lower()})
    try:
        valid = user is not None and hasher.verify(user["password_hash"], str(body.get("password", "")))
    except VerificationError:
        valid = False
    if not valid:
        return problem(401, "Invalid email or password")
    now = datetime.now(UTC)
    session_id, refresh_jti = str(uuid.uuid4()), str(uuid.uuid4())
    expires = now + timedelta(days=7)
    db.sessions.insert_one(
        {"_id": session_id, "created_at": now, "updated_at": now, "user": user["_id"], "refresh_jti": refresh_jti,
         "revoked": False, "expires_at": expires}
    )  # fmt: skip
    base = {"sub": user["_id"], "sid": session_id, "role": user["role"], "iat": now}
    access = jwt.encode(
        {**base, "type": "access", "jti": str(uuid.uuid4()), "exp": now + timedelta(minutes=15)}, SECRET
    )
    refresh = jwt.encode({**base, "type": "refresh", "jti": refresh_jti, "exp": expires}, SECRET)
    return reply({"accessToken": access, "refreshToken": refresh, "tokenType": "Bearer", "expiresIn": 900})


app = instrument.wrap(flask_app.wsgi_app, lambda: db.posts.delete_many({"tags": CREATED_TAG}))
