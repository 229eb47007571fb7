"""The scale run: how a call's cost grows with the collection, on the embedded store and on nx-27017.

Per size (BENCH_SCALE_SIZES, default 1,000, 10,000 and 100,000 posts) and store, a fresh app process loads the
posts and times, in-process through the WSGI test client (no network, one request at a time): the first list
page, a deep page (half-way through the list) by `page` and by `cursor`, and one item. Each size runs in its
own subprocess (the embedded store holds everything in the worker's memory); nx-27017 is a real server
process on a free port, with a fresh data file per size, behind the test harness's shim (tests/mongo_shim.py,
which bridges what nx-27017 does differently from MongoDB), both stopped by their PIDs.

    .venv/bin/python -m bench.scale                       # the whole table
    .venv/bin/python -m bench.scale --store nx --size 10000 --json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mongo_shim import nx_behind_shim  # noqa: E402

log = logging.getLogger("bench.scale")
STORES = ("embedded", "nx")
SIZES = tuple(int(n) for n in os.environ.get("BENCH_SCALE_SIZES", "1000,10000,100000").split(","))
CALLS = ("list first page", "deep page by offset", "deep page by cursor", "item")
BUDGET_SECONDS = 1.0  # per cell: repeat until this much time has passed (at least 3, at most 200 calls)


def timed(client: Any, url: str) -> float:
    """Median milliseconds per call of GET `url` (each answer checked for 200)."""
    samples: list[float] = []
    deadline = time.perf_counter() + BUDGET_SECONDS
    while len(samples) < 3 or (time.perf_counter() < deadline and len(samples) < 200):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
    samples.sort()
    return samples[len(samples) // 2]


def measure(size: int) -> dict[str, float]:
    """In this process: an app on MONGODB_URI (or the embedded store) with `size` posts, each call timed."""
    from mongoengine.connection import get_db

    from app import create_app
    from bench.data import documents, post_id
    from bench.settings import BenchConfig

    app = create_app(BenchConfig)
    started = time.perf_counter()
    with app.app_context():
        data = documents(app.extensions["passwords"]["hasher"], count=size)
        db = get_db()
        db.users.insert_many(data["users"])
        for start in range(0, size, 2000):
            db.posts.insert_many(data["posts"][start : start + 2000])
    log.info("%d posts loaded in %.1f s", size, time.perf_counter() - started)
    client = app.test_client()
    per_page = 20
    deep = max(1, size // 2 // per_page)
    before_deep = client.get(f"/api/v1/posts?perPage={per_page}&page={deep - 1}" if deep > 1 else "/api/v1/posts")
    cursor = before_deep.get_json()["nextCursor"]
    return {
        "list first page": timed(client, f"/api/v1/posts?perPage={per_page}"),
        "deep page by offset": timed(client, f"/api/v1/posts?perPage={per_page}&page={deep}"),
        "deep page by cursor": timed(client, f"/api/v1/posts?perPage={per_page}&cursor={cursor}"),
        "item": timed(client, f"/api/v1/posts/{post_id(size // 2)}"),
    }


def run_one(store: str, size: int) -> dict[str, float]:
    """One size on one store, in a subprocess of its own (with nx-27017 started and stopped around it)."""
    env = {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "ACCESS_LOG": "false",
        "MONGODB_TIMEOUT_MS": "600000",  # loading 100,000 posts into nx-27017 takes a while per batch
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("MONGODB_URI", "RATELIMIT_STORAGE_URI", "REDIS_URL"):
        env.pop(name, None)
    with ExitStack() as stack:
        if store == "nx":
            port = stack.enter_context(nx_behind_shim())
            env["MONGODB_URI"] = f"mongodb://127.0.0.1:{port}/bench_scale"
        command = [sys.executable, "-m", "bench.scale", "--measure", str(size)]
        output = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
        if output.returncode != 0:
            raise SystemExit(f"scale run {store} {size} failed:\n{output.stderr[-3000:]}")
        return json.loads(output.stdout.strip().splitlines()[-1])


def run_all(print_table: bool = True, stores: tuple[str, ...] = STORES, sizes: tuple[int, ...] = SIZES) -> list[dict]:
    """Every store and size; printed as one table (ms per request, medians) and returned as rows."""
    rows = []
    for store in stores:
        for size in sizes:
            figures = run_one(store, size)
            logging.getLogger("bench").info("scale %s %d: %s", store, size, figures)
            rows.append({"store": store, "posts": size, **{call: round(ms, 3) for call, ms in figures.items()}})
    if print_table:
        print()
        print("scale run: ms per request (median; in-process, one at a time, 20 per page, deep = half-way)")
        header = f"{'store':<10}{'posts':>8}" + "".join(f"{call:>22}" for call in CALLS)
        print(header)
        print("-" * len(header))
        for row in rows:
            print(f"{row['store']:<10}{row['posts']:>8}" + "".join(f"{row[call]:>22.2f}" for call in CALLS))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--store", choices=STORES)
    parser.add_argument("--size", type=int)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    stores = (args.store,) if args.store else STORES
    sizes = (args.size,) if args.size else SIZES
    print(json.dumps(run_all(print_table=True, stores=stores, sizes=sizes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
