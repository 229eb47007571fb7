"""Bulk imports: 202 + a job resource, run by a real RQ worker on a real redis-server."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from unittest import mock

from pymongo.errors import ServerSelectionTimeoutError

from app.posts import import_job as post_import
from app.posts.models import Post
from config import TestConfig
from tests.jobs import JobsTCBase
from tests.views import TCBase

LOCATION_PREFIX = "/api/v1/me/post-imports/"


def item(n: int, **fields: Any) -> dict[str, Any]:
    return {"title": f"Imported {n}", "body": f"Body {n}", "status": "published", **fields}


class ImportsBase(JobsTCBase):
    def setUp(self) -> None:
        super().setUp()
        self.user, self.token = self.auth()

    def submit(self, items: Any, token: str | None = None, **kwargs: Any):
        return self.request("POST", "me/post-imports", json=items, token=token or self.token, **kwargs)

    def job(self, location: str, token: str | None = None) -> dict[str, Any]:
        response = self.request("GET", location, token=token or self.token)
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        return response.get_json()

    def posts_of(self, user) -> list[Post]:
        with self.app.app_context():
            return list(Post.objects(author=user.id))


class TestSubmit(ImportsBase):
    def test_202_with_location_retry_after_and_a_queued_job(self):
        response = self.submit([item(1), item(2)])

        self.assertEqual(response.status_code, 202, response.get_data(as_text=True))
        body = response.get_json()
        self.assertEqual(response.headers["Location"], LOCATION_PREFIX + body["id"])
        self.assertEqual(response.headers["Retry-After"], "2")
        self.assertEqual(uuid.UUID(body["id"]).version, 4)
        self.assertEqual((body["status"], body["progress"]), ("queued", {"done": 0, "total": 2}))
        self.assertTrue(body["createdAt"].endswith("Z"))
        self.assertIsNone(body["startedAt"])
        self.assertEqual(self.posts_of(self.user), [])  # nothing is written by the request itself

        shown = self.request("GET", response.headers["Location"], token=self.token)
        self.assertEqual(shown.status_code, 200)
        self.assertEqual(shown.headers["Retry-After"], "2")
        self.assertEqual(shown.get_json()["status"], "queued")

    def test_the_worker_imports_valid_items_and_reports_invalid_ones_by_index(self):
        items = [item(0), {"body": "no title"}, "not an object", item(3, tags=["x" * 31]), item(4, extra=1), item(5)]
        location = self.submit(items).headers["Location"]

        self.run_jobs()

        job = self.job(location)
        self.assertEqual(job["status"], "succeeded")
        self.assertEqual(job["progress"], {"done": 6, "total": 6})
        self.assertTrue(job["startedAt"] <= job["endedAt"])
        self.assertEqual(job["result"]["created"], 2)
        self.assertEqual((job["result"]["alreadyPresent"], job["result"]["invalid"]), (0, 4))
        self.assertEqual([e["index"] for e in job["result"]["errors"]], [1, 2, 3, 4])
        self.assertIn("title is required", job["result"]["errors"][0]["message"])
        self.assertNotIn("error", job)
        stored = self.posts_of(self.user)
        self.assertEqual(sorted(p.title for p in stored), ["Imported 0", "Imported 5"])
        self.assertTrue(all(p.status == "published" and p.version == 1 for p in stored))
        listed = self.request("GET", "posts?perPage=10").get_json()
        self.assertEqual(listed["total"], 2)

    def test_only_the_first_50_errors_are_listed_but_all_are_counted(self):
        location = self.submit([{"title": ""}] * 60 + [item(1)]).headers["Location"]
        self.run_jobs()

        result = self.job(location)["result"]
        self.assertEqual((result["created"], result["invalid"], len(result["errors"])), (1, 60, 50))

    def test_a_job_run_twice_leaves_exactly_one_copy_of_each_post(self):
        items = [item(n) for n in range(7)]
        location = self.submit(items).headers["Location"]
        job_id = location.rsplit("/", 1)[1]
        self.run_jobs()
        params = {"itemsIn": "post_import_batches", "count": 7, "userId": str(self.user.id), "jobId": job_id}
        with self.app.app_context():  # the same job delivered again, as after a worker killed before it cleaned up
            post_import.keep_items(job_id, items)
            again = post_import.run(params, lambda *a: None)

        self.assertEqual(again, {"created": 0, "alreadyPresent": 7, "invalid": 0, "overQuota": 0, "errors": []})
        self.assertEqual(len(self.posts_of(self.user)), 7)

    def test_ten_thousand_items_are_accepted_and_one_more_is_422(self):
        items = [{"title": "t", "body": "b"}] * 10_000
        self.assertEqual(self.submit(items).status_code, 202)

        response = self.submit([*items, {"title": "t", "body": "b"}])
        self.assertIn("At most 10000", self.assert_problem(response, 422)["detail"])

    def test_the_body_limit_is_raised_for_this_route_only(self):
        big = [item(n, body="x" * 1000) for n in range(1500)]  # about 1.5 MiB: over the global 1 MiB
        self.assertEqual(self.submit(big).status_code, 202)
        self.assert_problem(
            self.request("POST", "posts", json=big[0] | {"body": "x" * 1_100_000}, token=self.token), 413
        )

        huge = [item(n, body="x" * 10_000) for n in range(530)]  # over 5 MiB
        self.assert_problem(self.submit(huge), 413)

    def test_bad_bodies_are_400_or_415(self):
        for body in ({"title": "not a list"}, [], "text"):
            with self.subTest(body=body):
                self.assert_problem(self.submit(body), 400)
        response = self.request("POST", "me/post-imports", data="[]", token=self.token, content_type="text/plain")
        self.assert_problem(response, 415)

    def test_a_token_is_required(self):
        self.assert_problem(self.request("POST", "me/post-imports", json=[item(1)]), 401)
        self.assert_problem(self.request("GET", "me/post-imports"), 401)
        self.assert_problem(self.request("GET", LOCATION_PREFIX + str(uuid.uuid4())), 401)


class TestLimitsAndIdempotency(ImportsBase):
    def test_a_third_import_in_flight_is_429_with_retry_after(self):
        self.assertEqual(self.submit([item(1)]).status_code, 202)
        self.assertEqual(self.submit([item(2)]).status_code, 202)

        response = self.submit([item(3)])

        self.assert_problem(response, 429)
        self.assertEqual(response.headers["Retry-After"], "10")
        _, other_token = self.auth()
        self.assertEqual(self.submit([item(4)], token=other_token).status_code, 202)  # the cap is per user
        self.run_jobs()
        self.assertEqual(self.submit([item(5)]).status_code, 202)  # finished jobs no longer count

    def test_the_same_key_and_body_give_the_same_job_and_another_body_is_422(self):
        headers = {"Idempotency-Key": "import-2026-01-31"}
        first = self.submit([item(1), item(2)], headers=headers)
        again = self.submit(
            [{"body": "Body 1", "status": "published", "title": "Imported 1"}, item(2)], headers=headers
        )
        other = self.submit([item(3)], headers=headers)

        self.assertEqual((first.status_code, again.status_code), (202, 202))
        self.assertEqual(again.headers["Location"], first.headers["Location"])
        self.assertEqual(again.get_json()["id"], first.get_json()["id"])
        self.assertIn("Idempotency-Key", self.assert_problem(other, 422)["detail"])
        self.assertEqual(len(self.request("GET", "me/post-imports", token=self.token).get_json()["items"]), 1)
        self.run_jobs()
        self.assertEqual(len(self.posts_of(self.user)), 2)

    def test_keys_are_per_user(self):
        headers = {"Idempotency-Key": "shared-key"}
        mine = self.submit([item(1)], headers=headers)
        _, other_token = self.auth()
        theirs = self.submit([item(1)], token=other_token, headers=headers)

        self.assertNotEqual(mine.headers["Location"], theirs.headers["Location"])

    def test_a_malformed_key_is_400(self):
        for key in ("", "x" * 201, "has space", "ümlaut"):
            with self.subTest(key=key):
                response = self.submit([item(1)], headers={"Idempotency-Key": key})
                self.assert_field_errors(response, "Idempotency-Key")


class TestReading(ImportsBase):
    def test_another_users_job_an_unknown_id_and_a_malformed_one_are_404(self):
        location = self.submit([item(1)]).headers["Location"]
        _, other_token = self.auth()

        for path, token in (
            (location, other_token),
            (LOCATION_PREFIX + str(uuid.uuid4()), self.token),
            (LOCATION_PREFIX + "not-a-job", self.token),
            (LOCATION_PREFIX + "bad.id!", self.token),  # RQ itself refuses such ids: still 404, never 500
        ):
            with self.subTest(path=path):
                self.assert_problem(self.request("GET", path, token=token), 404)

    def test_an_export_id_is_not_an_import(self):
        export = self.request("POST", "me/post-exports", token=self.token).get_json()
        self.assert_problem(self.request("GET", LOCATION_PREFIX + export["id"], token=self.token), 404)

    def test_the_list_shows_your_imports_newest_first(self):
        first = self.submit([item(1)]).get_json()["id"]
        self.run_jobs()
        second = self.submit([item(2)]).get_json()["id"]
        _, other_token = self.auth()
        self.submit([item(3)], token=other_token)

        items = self.request("GET", "me/post-imports", token=self.token).get_json()["items"]

        self.assertEqual([job["id"] for job in items], [second, first])
        self.assertEqual([job["status"] for job in items], ["queued", "succeeded"])


class ShortRetention(ImportsBase):
    settings = {"JOB_RESULT_TTL_SECONDS": 2}


class TestRetention(ShortRetention):
    def test_a_finished_job_is_404_once_its_retention_ends(self):
        location = self.submit([item(1)]).headers["Location"]
        self.run_jobs()
        self.assertEqual(self.job(location)["status"], "succeeded")

        deadline = time.monotonic() + 10
        while (response := self.request("GET", location, token=self.token)).status_code == 200:
            self.assertLess(time.monotonic(), deadline, "the job outlived its retention")
            time.sleep(0.2)

        self.assert_problem(response, 404)
        self.assertEqual(self.request("GET", "me/post-imports", token=self.token).get_json()["items"], [])


class TestFailures(ImportsBase):
    def test_a_database_outage_fails_the_job_with_a_safe_error_and_logs_the_traceback(self):
        location = self.submit([item(1)]).headers["Location"]
        outage = ServerSelectionTimeoutError("10.1.2.3:27017: [Errno 111] Connection refused, Timeout: 2s")
        with (
            mock.patch.object(post_import, "insert", side_effect=outage),
            self.assertLogs("app.jobs", "INFO") as logs,
        ):
            for _ in range(4):  # the first run and JOB_RETRIES retries, each re-queued at once
                self.run_jobs()

        job = self.job(location)
        self.assertEqual(job["status"], "failed")
        self.assertEqual(job["error"], "The database was unavailable; the job will be retried, or try again later")
        self.assertNotIn("result", job)
        self.assertNotIn("10.1.2.3", json.dumps(job))
        job_id = job["id"]
        lines = [json.loads(line.split(":", 2)[2]) for line in logs.output if line.startswith("INFO:app.jobs:{")]
        self.assertEqual([line["outcome"] for line in lines], ["started", "failed"] * 4)
        self.assertTrue(all(line["jobId"] == job_id and line["userId"] == str(self.user.id) for line in lines))
        self.assertTrue(any(f"job {job_id} (post_import) failed" in line for line in logs.output))

    def test_the_worker_logs_a_json_line_per_start_and_end_without_the_payload(self):
        location = self.submit([item(1, title="Secret title 4711")]).headers["Location"]
        with self.assertLogs(level="DEBUG") as logs, self.assertLogs("app.jobs", "INFO") as job_logs:
            self.run_jobs()

        mine = [json.loads(r.getMessage()) for r in job_logs.records]
        self.assertEqual([m["outcome"] for m in mine], ["started", "succeeded"])
        self.assertEqual(set(mine[1]), {"jobId", "kind", "userId", "outcome", "durationMs"})
        self.assertEqual((mine[1]["jobId"], mine[1]["kind"]), (location.rsplit("/", 1)[1], "post_import"))
        self.assertGreaterEqual(mine[1]["durationMs"], 0)
        self.assertFalse([r for r in logs.records + job_logs.records if "4711" in r.getMessage()])
        self.assertTrue([r for r in logs.records if r.name.startswith("rq.")])  # RQ's own lines were captured too

    def test_redis_down_is_503_with_retry_after_and_ready_says_so(self):
        location = self.submit([item(1)]).headers["Location"]
        self.stop(self.redis_process)

        with self.assertLogs("app.jobs.queue", "ERROR"):
            responses = [
                self.submit([item(2)]),
                self.request("GET", location, token=self.token),
                self.request("GET", "me/post-imports", token=self.token),
                self.request("GET", "/ready"),
            ]
        for response in responses:
            with self.subTest(path=response.request.path):
                body = self.assert_problem(response, 503)
                self.assertEqual(response.headers["Retry-After"], "5")
                self.assertEqual(body["detail"], "The job queue is unavailable; try again shortly")
        self.assertEqual(self.request("GET", "/health").status_code, 200)


class NoGracePeriod(ImportsBase):
    settings = {"UNVERIFIED_GRACE_HOURS": 0}


class TestPublishingRule(NoGracePeriod):
    def test_an_unverified_account_imports_drafts_but_not_published_posts(self):
        location = self.submit([item(1, status="draft"), item(2, status="published")]).headers["Location"]
        self.run_jobs()

        result = self.job(location)["result"]
        self.assertEqual((result["created"], result["invalid"]), (1, 1))
        self.assertEqual(result["errors"], [{"index": 1, "message": "status needs a verified address"}])
        self.assertEqual([p.status for p in self.posts_of(self.user)], ["draft"])

    def test_an_account_deleted_before_the_job_runs_fails_it_safely(self):
        location = self.submit([item(1)]).headers["Location"]
        with self.app.app_context():
            from app.models import User

            User.objects(id=self.user.id).delete()
        with self.assertLogs("app.jobs", "INFO"):
            self.run_jobs()
        job_id = location.rsplit("/", 1)[1]
        with self.app.app_context():
            from app.jobs import queue

            record = queue.fetch(job_id, "post_import", str(self.user.id))

        self.assertEqual((record.status, record.error), ("failed", "The account no longer exists"))
        self.assertEqual(self.posts_of(self.user), [])


class RunAsQueued(TestConfig):
    JOBS_EMBEDDED_WORKER = True  # as `make run` has it: no REDIS_URL, and no worker to start


class TestWithoutRedis(TCBase):
    """Development without Redis: the in-process queue runs each job as it is queued (RQ's is_async=False)."""

    config = RunAsQueued

    def test_an_import_has_run_by_the_time_it_is_answered(self):
        user, token = self.auth()

        response = self.request("POST", "me/post-imports", json=[item(1), item(2)], token=token)

        self.assertEqual(response.status_code, 202, response.get_data(as_text=True))
        self.assertEqual(response.get_json()["status"], "succeeded")
        shown = self.request("GET", response.headers["Location"], token=token).get_json()
        self.assertEqual((shown["status"], shown["result"]["created"]), ("succeeded", 2))
        with self.app.app_context():
            self.assertEqual(sorted(p.title for p in Post.objects(author=user.id)), ["Imported 1", "Imported 2"])
