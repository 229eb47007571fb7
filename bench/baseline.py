"""The hand-written baseline: plain Flask views over pymongo (on the same embedded stand-in), no other layers.

Same responses for the same calls, and the same essential work: the argon2 check at login, HS256 tokens signed
and verified with PyJWT, a session check and a user lookup per authenticated call, an ETag on items, and what
any production service does per request: a request id, the security headers, one JSON access-log line.
What it leaves out is the template's layers (flask-restful, decorators, schema validation, MongoEngine,
mongo_to_dict, Flask-Limiter): their cost is what the benchmark measures.
"""

from __future__ import annotations

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
from bench.data import CREATED_TAG, documents

instrument.patch_driver()
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


@flask_app.before_request
def start() -> None:
    g.started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID.match(incoming) else str(uuid.uuid4())


@flask_app.after_request
def finish(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
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
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    try:
        claims = jwt.decode(header[7:], SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.PyJWTError:
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
    cursor = db.posts.find(query, sort=[("created_at", -1)], skip=(page - 1) * per_page, limit=per_page)
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
