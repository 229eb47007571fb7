"""Jobs end to end: gunicorn in production config (two workers), real `flask worker` processes, redis-server,
and nx-27017 as the shared MongoDB, each its own process."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import redis
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from tests.integration.servers import BIN, ServersTestCase, call, free_port

PASSWORD = "correct horse battery"


def newest_child_or_none(pid: int) -> int | None:
    try:
        return newest_child(pid)
    except ValueError:
        return None


def newest_child(pid: int) -> int:
    """The youngest process whose parent is `pid`: a worker's job process (its scheduler started earlier)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append((int(fields[19]), int(entry.name)))  # (start time, pid)
    return max(found)[1]


class JobsEndToEnd(ServersTestCase):
    needs_mongo_standin = True
    extra: dict[str, str] = {}

    def setUp(self) -> None:
        super().setUp()
        self.mongo_port = free_port()
        self.mongo_file = self.temp_dir() / "jobs.sqlite"
        self.mongo = self.start_mongo_standin(self.mongo_port, self.mongo_file)
        self.redis_url = self.start_redis()
        self.env = self.production_env(
            f"mongodb://127.0.0.1:{self.mongo_port}/app",
            self.redis_url,
            WEB_CONCURRENCY="2",
            LOG_LEVEL="INFO",
            RATELIMIT_WRITE="1000 per minute",
            # These tests import thousands of posts to watch workers; the quotas have their own tests.
            QUOTA_POSTS_PER_DAY="0",
            QUOTA_IMPORT_ITEMS_PER_DAY="0",
            **self.extra,
        )
        self.port = self.start_app(self.env)
        call(
            self.port,
            "POST",
            "/api/v1/auth/signup",
            {"email": "jobs@example.com", "password": PASSWORD, "displayName": "Jobs"},
        )
        login = {"email": "jobs@example.com", "password": PASSWORD}
        self.token = call(self.port, "POST", "/api/v1/auth/login", login).json()["accessToken"]

    def start_worker(self) -> Any:
        """`flask --app server worker`, as production runs it, with the app's environment."""
        return self.start([str(BIN / "flask"), "--app", "server", "worker"], env=self.env)

    def rq_job(self, job_id: str) -> Job:
        return Job.fetch(job_id, connection=redis.Redis.from_url(self.redis_url), serializer=JSONSerializer)

    def wait_for(self, location: str, done: Any, seconds: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            job = call(self.port, "GET", location, token=self.token).json()
            if done(job):
                return job
            time.sleep(0.05)
        self.fail(f"the job never got there: {job}")

    def post_count(self) -> int:
        return call(self.port, "GET", "/api/v1/me/posts?perPage=1", token=self.token).json()["total"]


class TestImportWithRealWorkers(JobsEndToEnd):
    def test_ten_thousand_posts_with_progress_on_the_way(self):
        items = [
            {"title": f"Post {n}", "body": "Imported in the background.", "status": "published"} for n in range(10_000)
        ]
        items[17] = {"body": "no title"}
        accepted = call(self.port, "POST", "/api/v1/me/post-imports", items, self.token)
        self.assertEqual(accepted.status, 202, accepted.body)
        location = accepted.headers["Location"]
        self.start_worker()

        midway = self.wait_for(location, lambda j: j["status"] != "queued" and 0 < j["progress"]["done"] < 10_000)
        done = self.wait_for(location, lambda j: j["status"] in ("succeeded", "failed"))

        self.assertEqual(midway["progress"]["total"], 10_000)
        self.assertEqual(done["status"], "succeeded", done)
        self.assertEqual(
            done["result"],
            {
                "created": 9_999,
                "alreadyPresent": 0,
                "invalid": 1,
                "overQuota": 0,
                "errors": [{"index": 17, "message": "title is required"}],
            },
        )
        self.assertEqual(self.post_count(), 9_999)

    def test_a_killed_job_process_is_run_again_and_leaves_exactly_one_copy(self):
        items = [{"title": f"Post {n}", "body": "b"} for n in range(6_000)]
        location = call(self.port, "POST", "/api/v1/me/post-imports", items, self.token).headers["Location"]
        worker = self.start_worker()

        self.wait_for(location, lambda j: j["progress"]["done"] >= 1_000)
        os.kill(
            newest_child(worker.pid), signal.SIGKILL
        )  # the job process dies mid-import; RQ marks it failed and retries
        done = self.wait_for(location, lambda j: j["status"] in ("succeeded", "failed") and j["startedAt"])

        self.assertEqual(done["status"], "succeeded", done)
        self.assertEqual(done["result"]["created"] + done["result"]["alreadyPresent"], 6_000)
        self.assertGreater(done["result"]["alreadyPresent"], 0)  # the second run found the first run's posts
        self.assertEqual(self.post_count(), 6_000)

    def test_ownership_idempotency_and_the_in_flight_cap_across_servers(self):
        headers_items = [{"title": "One", "body": "b"}]
        first = call(
            self.port, "POST", "/api/v1/me/post-imports", headers_items, self.token, headers={"Idempotency-Key": "k-1"}
        )
        again = call(
            self.port, "POST", "/api/v1/me/post-imports", headers_items, self.token, headers={"Idempotency-Key": "k-1"}
        )
        other_body = call(
            self.port,
            "POST",
            "/api/v1/me/post-imports",
            [{"title": "Two", "body": "b"}],
            self.token,
            headers={"Idempotency-Key": "k-1"},
        )
        second = call(self.port, "POST", "/api/v1/me/post-imports", headers_items, self.token)
        third = call(self.port, "POST", "/api/v1/me/post-imports", headers_items, self.token)
        call(
            self.port,
            "POST",
            "/api/v1/auth/signup",
            {"email": "other@example.com", "password": PASSWORD, "displayName": "Other"},
        )
        other = call(self.port, "POST", "/api/v1/auth/login", {"email": "other@example.com", "password": PASSWORD})

        self.assertEqual((first.status, again.status, other_body.status), (202, 202, 422))
        self.assertEqual(again.headers["Location"], first.headers["Location"])
        self.assertEqual((second.status, third.status), (202, 429))
        self.assertEqual(
            call(self.port, "GET", first.headers["Location"], token=other.json()["accessToken"]).status, 404
        )

    def test_redis_down_is_503_and_the_api_still_answers_the_rest(self):
        self.stop(self.redis_process)
        reply = call(self.port, "POST", "/api/v1/me/post-imports", [{"title": "t", "body": "b"}], self.token)

        self.assertEqual(reply.status, 503)
        self.assertEqual(reply.headers["Retry-After"], "5")
        self.assertEqual(reply.headers["Content-Type"], "application/problem+json")
        self.assertEqual(call(self.port, "GET", "/ready").status, 503)
        self.assertEqual(call(self.port, "GET", "/api/v1/me", token=self.token).status, 200)


class TestOnlyTheAppsJobsRun(JobsEndToEnd):
    def test_a_queued_job_naming_another_function_is_refused_and_logged_not_run(self):
        target = self.temp_dir() / "made-by-a-forged-job"
        forged = Queue("default", connection=redis.Redis.from_url(self.redis_url), serializer=JSONSerializer)
        job = forged.enqueue_call("os.mkdir", args=(str(target),))
        worker = self.start_worker()

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.rq_job(job.id).get_status() not in ("failed", "finished"):
            time.sleep(0.05)

        self.assertEqual(self.rq_job(job.id).get_status(), "failed")
        self.assertFalse(target.exists())
        worker.stderr_log.seek(0)
        self.assertIn("names 'os.mkdir', not the app's job runner", worker.stderr_log.read().decode(errors="replace"))


class TestDatabaseDownInAJob(JobsEndToEnd):
    extra = {"JOB_RETRIES": "1"}

    def test_the_job_fails_with_a_safe_error_instead_of_hanging(self):
        location = call(
            self.port, "POST", "/api/v1/me/post-imports", [{"title": "t", "body": "b"}], self.token
        ).headers["Location"]
        self.stop(self.mongo)  # the API needs the database too, so the job is read straight from Redis
        self.start_worker()

        deadline = time.monotonic() + 60
        while (job := self.rq_job(location.rsplit("/", 1)[1])).get_status() != "failed":
            self.assertLess(time.monotonic(), deadline, job.get_status())
            time.sleep(0.1)

        self.assertEqual(job.meta["error"], "The database was unavailable; the job will be retried, or try again later")


class TestWholeWorkerDeath(JobsEndToEnd):
    extra = {"WORKER_TTL_SECONDS": "35", "WORKER_MAINTENANCE_SECONDS": "10"}

    def test_a_job_whose_worker_died_is_run_again_by_another_worker(self):
        """Slow by nature (the dead worker's heartbeat must expire): about 100 s with the defaults."""
        items = [{"title": f"Post {n}", "body": "b"} for n in range(6_000)]
        location = call(self.port, "POST", "/api/v1/me/post-imports", items, self.token).headers["Location"]
        worker = self.start_worker()
        self.wait_for(location, lambda j: j["progress"]["done"] >= 1_000)

        horse = newest_child(worker.pid)
        started = time.monotonic()
        for pid in (worker.pid, horse, *[p for p in [newest_child_or_none(worker.pid)] if p]):
            os.kill(pid, signal.SIGKILL)  # the whole worker dies at once, as when its machine goes away
        worker.wait()
        self.start_worker()
        done = self.wait_for(location, lambda j: j["status"] in ("succeeded", "failed"), seconds=300)

        self.assertEqual(done["status"], "succeeded", done)
        self.assertEqual(self.post_count(), 6_000)
        self.assertEqual(done["result"]["created"] + done["result"]["alreadyPresent"], 6_000)
        self.assertLess(time.monotonic() - started, 300)  # measured: about 120 s with WORKER_TTL_SECONDS=35
