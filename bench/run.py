"""`make bench`: the app against the hand-written baseline and Eve, under wrk, round by round, in two configurations.

Each server runs under gunicorn (one sync worker, gunicorn.conf.py) pinned to core 0; wrk runs pinned to core 1.
Both configurations run: rate-limit counters in process memory, and in a real redis-server (what production
runs), where Redis commands and round trips per request are counted too. Rounds alternate which server goes
first. Per call it prints median requests/s, p50 and p99 latency, the app/baseline and app/Eve throughput
ratios, and the in-process time per request spent outside the database driver. Then the scale run
(bench/scale.py; BENCH_SCALE=0 skips it) and the suite's time (BENCH_SUITE=0 skips it); everything goes to
bench/results/latest.json as well.
"""

from __future__ import annotations

import argparse
import base64  # capability: mfa
import json
import logging
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench.data import CREATED_TAG, PASSWORD, READER_EMAIL, post_id  # noqa: E402
from scripts.ports import free_port  # noqa: E402

log = logging.getLogger("bench")
SERVERS = {"app": "bench.app_server:app", "baseline": "bench.baseline:app", "eve": "bench.eve_server:app"}
CALLS = ("list", "item", "create", "me", "login")
EVE_CALLS = ("list", "item", "create")  # Eve serves posts only; its create is anonymous
STORES = ("memory", "redis")
RESULTS = ROOT / "bench" / "results" / "latest.json"
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def http(port: int, method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}")


def load() -> str:
    """The machine's load averages (1, 5, 15 min), as `uptime` shows them: the machine may be shared."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def start_redis() -> tuple[subprocess.Popen, int]:
    """A redis-server of our own on a free port, no persistence; stopped by its PID."""
    port = free_port()
    command = [
        "taskset",
        "-c",
        "1",
        REDIS,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            redis_info(port)
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("redis-server did not start")


def redis_info(port: int) -> dict[str, int]:
    """`INFO commandstats` as command -> calls (scripts' inner commands included, as Redis counts them)."""
    import redis

    stats = redis.Redis(port=port).info("commandstats")
    return {name.removeprefix("cmdstat_"): value["calls"] for name, value in stats.items()}


def start_server(name: str, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = ["taskset", "-c", "0", str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", SERVERS[name]]
    process = subprocess.Popen(command, cwd=ROOT, env={**env, "PORT": str(port)}, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            http(port, "GET", "/__bench__/stats")
            return process, port
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"{name} did not start")


def worker_rss_mib(master: subprocess.Popen) -> float:
    """Resident memory of the gunicorn worker (the master's child)."""
    children = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout.split()
    for pid in children:
        grandchildren = subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True).stdout.split()
        for candidate in grandchildren or [pid]:
            status = Path(f"/proc/{candidate}/status").read_text()
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            if match and "gunicorn" in Path(f"/proc/{candidate}/cmdline").read_text():
                return int(match.group(1)) / 1024
    return float("nan")


def wrk_script(method: str, body: dict | None, directory: Path) -> Path:
    script = directory / f"{method.lower()}-{secrets.token_hex(4)}.lua"
    lines = [f'wrk.method = "{method}"', 'wrk.headers["Content-Type"] = "application/json"']
    if body is not None:
        lines.append(f"wrk.body = [[{json.dumps(body)}]]")
    script.write_text("\n".join(lines) + "\n")
    return script


def run_wrk(url: str, seconds: int, connections: int, script: Path, token: str | None) -> dict[str, float]:
    command = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    percentiles = {
        p: float(v) * UNITS[u]
        for p, v, u in re.findall(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url} answered {errors.group(1)} errors under load:\n{output}")
    return {"rps": rps, "p50": percentiles["50"], "p99": percentiles["99"]}


def measure_create_app() -> float:
    code = (
        "import time; t = time.perf_counter(); from app import create_app; "
        "create_app('test'); print(time.perf_counter() - t)"
    )
    env = {**os.environ, "LOG_LEVEL": "ERROR", "ACCESS_LOG": "false"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1]) * 1000


PRODUCTION_PROBE = """
import json, sys, time
started = time.perf_counter()
import server
elapsed = time.perf_counter() - started
rss = int(next(line for line in open("/proc/self/status") if line.startswith("VmRSS")).split()[1]) / 1024
watched = ("authlib", "boto3", "fakeredis", "joserfc", "mongomock", "moto", "requests", "rq")
engines = sorted(m for m in watched if m in sys.modules)
print(json.dumps({"startupMs": round(elapsed * 1000, 1), "rssMiB": round(rss, 1), "enginesLoaded": engines}))
"""


def measure_production_worker() -> dict[str, object]:
    """What one production worker costs before its first request: `import server` (imports and create_app) under
    production settings (servers it never reaches: nothing is contacted at start with CREATE_INDEXES off), its
    resident memory, and which engines it has loaded (each capability's engine should load on first use)."""
    env = {
        **os.environ,
        "APP_CONFIG": "production",
        "SECRET_KEY": "bench-" + "s" * 48,
        "JWT_SECRET_KEY": "bench-" + "j" * 48,
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),  # capability: mfa
        "MONGODB_URI": "mongodb://127.0.0.1:9/app",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0",
        "REDIS_URL": "redis://127.0.0.1:9/1",
        "S3_BUCKET": "bench",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench-secret",
        "MAIL_SERVER": "smtp.invalid",
        "MAIL_DEFAULT_SENDER": "bench@example.com",
        "FRONTEND_URL": "https://app.example.com",
        "CREATE_INDEXES": "false",
        "LOG_LEVEL": "ERROR",
    }
    out = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_suite() -> tuple[float, str, list[str]]:
    """The whole suite's wall time, its closing line and the tests that failed (reported, not fatal here)."""
    started = time.perf_counter()
    command = [str(BIN / "pytest"), "-q", "-p", "no:cacheprovider"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    lines = run.stdout.splitlines()
    summary = next((line for line in reversed(lines) if " in " in line and "passed" in line), "")
    failures = [line for line in lines if line.startswith(("FAILED ", "ERROR "))]
    return time.perf_counter() - started, summary.strip("= "), failures


def measure_hash() -> tuple[str, float]:
    from argon2 import PasswordHasher

    from config import Config

    hasher = PasswordHasher(Config.ARGON2_TIME_COST, Config.ARGON2_MEMORY_COST, Config.ARGON2_PARALLELISM)
    hasher.hash(PASSWORD)
    started = time.perf_counter()
    hasher.verify(hasher.hash(PASSWORD), PASSWORD)
    elapsed = (time.perf_counter() - started) / 2
    params = f"argon2id t={Config.ARGON2_TIME_COST} m={Config.ARGON2_MEMORY_COST} KiB p={Config.ARGON2_PARALLELISM}"
    return params, elapsed * 1000


def run_store(store: str, args: argparse.Namespace, env: dict[str, str], scratch: Path) -> dict:
    """Every call against every server, round by round, with the rate-limit store `store`."""
    redis_process, redis_port = start_redis() if store == "redis" else (None, 0)
    if redis_process is not None:
        uri = f"redis://127.0.0.1:{redis_port}/0"
        env = {**env, "RATELIMIT_STORAGE_URI": uri, "BENCH_REDIS": uri}
    processes: dict[str, subprocess.Popen] = {}
    ports: dict[str, int] = {}
    results: dict[str, dict[str, list[dict[str, float]]]] = {c: {n: [] for n in SERVERS} for c in CALLS}
    try:
        for name in SERVERS:
            processes[name], ports[name] = start_server(name, env)
        login = {"email": READER_EMAIL, "password": PASSWORD}
        tokens = {
            name: http(ports[name], "POST", "/api/v1/auth/login", login)["accessToken"] for name in ("app", "baseline")
        }
        created = {"title": "A benchmark post title of forty chars..", "body": "b" * 500, "tags": [CREATED_TAG]}
        calls = {
            "list": ("GET", "/api/v1/posts?perPage=20", None, False),
            "item": ("GET", f"/api/v1/posts/{post_id(500)}", None, False),
            "create": ("POST", "/api/v1/posts", {**created, "status": "published"}, True),
            "me": ("GET", "/api/v1/me", None, True),
            "login": ("POST", "/api/v1/auth/login", login, False),
        }
        for round_number in range(args.rounds):
            names = list(SERVERS) if round_number % 2 == 0 else list(reversed(SERVERS))
            for call in CALLS:
                method, path, body, authed = calls[call]
                script = wrk_script(method, body, scratch)
                for name in names:
                    if name == "eve" and call not in EVE_CALLS:
                        continue
                    port = ports[name]
                    http(port, "POST", "/__bench__/reset")
                    token = tokens.get(name) if authed else None
                    before = redis_info(redis_port) if redis_process else {}
                    figures = run_wrk(f"http://127.0.0.1:{port}{path}", args.seconds, args.connections, script, token)
                    stats = http(port, "GET", "/__bench__/stats")
                    requests = max(stats["requests"], 1)
                    figures["outside_ms"] = (stats["total"] - stats["driver"]) / requests * 1000
                    figures["driver_ms"] = stats["driver"] / requests * 1000
                    figures["redis_ms"] = stats["redis"] / requests * 1000
                    figures["redis_trips"] = stats["redisTrips"] / requests
                    if redis_process:
                        after = redis_info(redis_port)
                        commands = {k: v - before.get(k, 0) for k, v in after.items() if k != "info"}
                        figures["redis_commands"] = sum(commands.values()) / requests
                        figures["redis_breakdown"] = {k: round(v / requests, 2) for k, v in commands.items() if v}
                    results[call][name].append(figures)
                    log.info("%s round %d %-6s %-8s %8.1f req/s", store, round_number + 1, call, name, figures["rps"])
        rss = {name: worker_rss_mib(process) for name, process in processes.items()}
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(timeout=30)
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait(timeout=30)
    return {"results": results, "rss": rss}


def summarise(store: str, results: dict) -> list[dict]:
    """Medians of the rounds per call, printed as a table and returned as latest.json's `calls` rows."""

    def median(call: str, name: str, key: str) -> float | None:
        values = [r[key] for r in results[call][name] if key in r]
        return statistics.median(values) if values else None

    print()
    print(f"rate-limit store: {store}" + (" (a real redis-server)" if store == "redis" else " (process memory)"))
    header = (
        f"{'call':<7}{'app req/s':>10}{'base req/s':>11}{'ratio':>7}{'eve req/s':>10}{'app/eve':>8}"
        f"{'app p50':>9}{'app p99':>9}{'base p50':>9}{'app out':>9}{'base out':>9}{'ratio':>7}{'eve out':>9}"
    )
    if store == "redis":
        header += f"{'redis cmd/trips app':>21}{'base':>10}{'eve':>10}"
    print(header)
    print("-" * len(header))
    rows = []
    for call in CALLS:
        app_rps, base_rps, eve_rps = (median(call, n, "rps") for n in ("app", "baseline", "eve"))
        app_out, base_out, eve_out = (median(call, n, "outside_ms") for n in ("app", "baseline", "eve"))
        line = (
            f"{call:<7}{app_rps:>10.1f}{base_rps:>11.1f}{app_rps / base_rps:>7.2f}"
            + (f"{eve_rps:>10.1f}{app_rps / eve_rps:>8.2f}" if eve_rps else f"{'-':>10}{'-':>8}")
            + f"{median(call, 'app', 'p50'):>8.2f}m{median(call, 'app', 'p99'):>8.2f}m"
            f"{median(call, 'baseline', 'p50'):>8.2f}m{app_out:>8.3f}m{base_out:>8.3f}m{app_out / base_out:>7.2f}"
            + (f"{eve_out:>8.3f}m" if eve_out else f"{'-':>9}")
        )
        row = {
            "call": call,
            "store": store,
            "appRps": round(app_rps, 1),
            "baselineRps": round(base_rps, 1),
            "ratio": round(app_rps / base_rps, 3),
            "appOutsideMs": round(app_out, 4),
            "baselineOutsideMs": round(base_out, 4),
            "outsideRatio": round(app_out / base_out, 3),
            "appP50Ms": round(median(call, "app", "p50"), 3),
            "appP99Ms": round(median(call, "app", "p99"), 3),
            "baselineP50Ms": round(median(call, "baseline", "p50"), 3),
            "baselineP99Ms": round(median(call, "baseline", "p99"), 3),
            "eveRps": round(eve_rps, 1) if eve_rps else None,
            "appEveRatio": round(app_rps / eve_rps, 3) if eve_rps else None,
            "eveOutsideMs": round(eve_out, 4) if eve_out else None,
        }
        if store == "redis":
            figures = {}
            for name in ("app", "baseline", "eve"):
                commands, trips = median(call, name, "redis_commands"), median(call, name, "redis_trips")
                figures[name] = (commands, trips)
                row[f"{'baseline' if name == 'baseline' else name}RedisCommands"] = commands and round(commands, 2)
                row[f"{'baseline' if name == 'baseline' else name}RedisTrips"] = trips and round(trips, 2)
                row[f"{name}RedisMs"] = round(median(call, name, "redis_ms"), 4) if commands else None
            row["appRedisCommandsByName"] = results[call]["app"][-1].get("redis_breakdown")
            line += "".join(
                f"{f'{c:.1f}/{t:.1f}':>{21 if name == 'app' else 10}}"
                if c is not None
                else f"{'-':>{21 if name == 'app' else 10}}"
                for name, (c, t) in figures.items()
            )
        print(line)
        rows.append(row)
    print("(req/s and latency from wrk, medians of rounds; 'out' = ms per request outside the database driver;")
    print(" Eve serves posts only, and its create is anonymous while the app's and the baseline's carry a token)")
    return rows


def machine() -> dict[str, str]:
    import platform

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0].strip()
    return {
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "wrk": wrk_version,
    }


def ensure_requirements() -> None:
    """Eve and pyinstrument (bench/requirements.txt), installed into this environment on first use."""
    try:
        import eve  # noqa: F401
        import pyinstrument  # noqa: F401
    except ImportError:
        log.info("installing bench/requirements.txt")
        requirements = ROOT / "bench" / "requirements.txt"
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-r", str(requirements)], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "5")))
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--stores", default=os.environ.get("BENCH_STORES", ",".join(STORES)))
    parser.add_argument("--skip-suite", action="store_true", default=os.environ.get("BENCH_SUITE") == "0")
    parser.add_argument("--skip-scale", action="store_true", default=os.environ.get("BENCH_SCALE") == "0")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for tool in ("wrk", "taskset", "pgrep"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is required (apt-get install wrk util-linux procps)")
    ensure_requirements()
    stores = [s for s in args.stores.split(",") if s]
    if "redis" in stores and not Path(REDIS).exists():
        raise SystemExit("redis-server is required (apt-get install redis-server)")

    env = {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "1",
        "GUNICORN_LOG_LEVEL": "warning",
        # The embedded database lives in the worker: a recycled worker would start over with new sessions.
        "GUNICORN_MAX_REQUESTS": "0",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("RATELIMIT_STORAGE_URI", "BENCH_REDIS", "REDIS_URL", "MONGODB_URI"):
        env.pop(name, None)
    report: dict = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "loadBefore": load(),
        "rounds": args.rounds,
        "seconds": args.seconds,
        "calls": [],
        "rss": {},
    }
    log.info("load average before: %s", report["loadBefore"])
    scratch = Path(tempfile.mkdtemp())
    tables = {}
    for store in stores:
        measured = run_store(store, args, env, scratch)
        tables[store] = measured["results"]
        report["rss"][store] = {name: round(value, 1) for name, value in measured["rss"].items()}
    report["loadAfterTiming"] = load()
    for store in stores:
        report["calls"].extend(summarise(store, tables[store]))
    print()
    params, hash_ms = measure_hash()
    report["createAppMs"] = round(measure_create_app(), 1)
    report["productionWorker"] = measure_production_worker()
    report["hash"] = {"params": params, "ms": round(hash_ms, 1)}
    print(f"load average:            before {report['loadBefore']}, after timing {report['loadAfterTiming']}")
    print(f"create_app():            {report['createAppMs']:.0f} ms")
    worker = report["productionWorker"]
    started = f"{worker['startupMs']:.0f} ms, {worker['rssMiB']:.0f} MiB"
    print(f"production worker start: {started}, engines loaded: {worker['enginesLoaded']}")
    for store, rss in report["rss"].items():
        print(f"worker RSS after run:    {store}: " + ", ".join(f"{n} {v:.0f} MiB" for n, v in rss.items()))
    print(f"password hashing:        {params}; one hash {hash_ms:.0f} ms")
    if not args.skip_scale:
        from bench import scale

        report["scale"] = scale.run_all(print_table=True)
    if not args.skip_suite:
        seconds, summary, failures = measure_suite()
        report["suiteSeconds"], report["suiteSummary"], report["suiteFailures"] = round(seconds, 1), summary, failures
        for failure in failures:
            log.warning("test suite: %s", failure)
        print(f"test suite:              {seconds:.1f} s ({summary})")
    report["loadAfter"] = load()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results written to {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
