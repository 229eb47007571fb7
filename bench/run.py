"""`make bench`: the app against the hand-written baseline, under wrk, round by round.

Each server runs under gunicorn (one sync worker, gunicorn.conf.py) pinned to core 0; wrk runs pinned to core 1.
Rounds alternate which server goes first. Per call it prints median requests/s, p50 and p99 latency, the
app/baseline throughput ratio, and the in-process time per request spent outside the database driver.
"""

from __future__ import annotations

import argparse
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
SERVERS = {"app": "bench.app_server:app", "baseline": "bench.baseline:app"}
CALLS = ("list", "item", "create", "me", "login")
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def http(port: int, method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}")


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


def measure_suite() -> float:
    started = time.perf_counter()
    subprocess.run([str(BIN / "pytest"), "-q", "-p", "no:cacheprovider"], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "5")))
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--skip-suite", action="store_true", help="do not time the test suite")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for tool in ("wrk", "taskset", "pgrep"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is required (apt-get install wrk util-linux procps)")

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
    processes: dict[str, subprocess.Popen] = {}
    ports: dict[str, int] = {}
    try:
        for name in SERVERS:
            processes[name], ports[name] = start_server(name, env)
        tokens = {
            name: http(port, "POST", "/api/v1/auth/login", {"email": READER_EMAIL, "password": PASSWORD})["accessToken"]
            for name, port in ports.items()
        }
        scratch = Path(tempfile.mkdtemp())
        calls = {
            "list": ("GET", "/api/v1/posts?perPage=20", None, False),
            "item": ("GET", f"/api/v1/posts/{post_id(500)}", None, False),
            "create": (
                "POST",
                "/api/v1/posts",
                {"title": "A benchmark post title of forty chars..", "body": "b" * 500, "tags": [CREATED_TAG]},
                True,
            ),
            "me": ("GET", "/api/v1/me", None, True),
            "login": ("POST", "/api/v1/auth/login", {"email": READER_EMAIL, "password": PASSWORD}, False),
        }
        results: dict[str, dict[str, list[dict[str, float]]]] = {c: {n: [] for n in SERVERS} for c in CALLS}
        for round_number in range(args.rounds):
            order = list(SERVERS) if round_number % 2 == 0 else list(reversed(SERVERS))
            for call in CALLS:
                method, path, body, authed = calls[call]
                script = wrk_script(method, body, scratch)
                for name in order:
                    port = ports[name]
                    http(port, "POST", "/__bench__/reset")
                    token = tokens[name] if authed else None
                    figures = run_wrk(f"http://127.0.0.1:{port}{path}", args.seconds, args.connections, script, token)
                    stats = http(port, "GET", "/__bench__/stats")
                    figures["outside_ms"] = (stats["total"] - stats["driver"]) / max(stats["requests"], 1) * 1000
                    figures["driver_ms"] = stats["driver"] / max(stats["requests"], 1) * 1000
                    results[call][name].append(figures)
                    log.info("round %d %-6s %-8s %8.1f req/s", round_number + 1, call, name, figures["rps"])
        rss = worker_rss_mib(processes["app"])
        baseline_rss = worker_rss_mib(processes["baseline"])
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(timeout=30)

    def median(call: str, name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[call][name])

    print()
    header = (
        f"{'call':<7}{'app req/s':>10}{'base req/s':>11}{'ratio':>7}{'app p50':>9}{'app p99':>9}"
        f"{'base p50':>9}{'base p99':>9}{'app out':>9}{'base out':>9}{'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for call in CALLS:
        app_rps, base_rps = median(call, "app", "rps"), median(call, "baseline", "rps")
        app_out, base_out = median(call, "app", "outside_ms"), median(call, "baseline", "outside_ms")
        print(
            f"{call:<7}{app_rps:>10.1f}{base_rps:>11.1f}{app_rps / base_rps:>7.2f}"
            f"{median(call, 'app', 'p50'):>8.2f}m{median(call, 'app', 'p99'):>8.2f}m"
            f"{median(call, 'baseline', 'p50'):>8.2f}m{median(call, 'baseline', 'p99'):>8.2f}m"
            f"{app_out:>8.3f}m{base_out:>8.3f}m{app_out / base_out:>7.2f}"
        )
    print("(req/s and latency from wrk, medians of rounds; 'out' = ms per request outside the database driver)")
    print()
    params, hash_ms = measure_hash()
    print(f"create_app():            {measure_create_app():.0f} ms")
    print(f"worker RSS after run:    app {rss:.0f} MiB, baseline {baseline_rss:.0f} MiB")
    print(f"password hashing:        {params}; one hash {hash_ms:.0f} ms")
    if not args.skip_suite:
        print(f"test suite:              {measure_suite():.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
