"""Quotas on posts, imports and exports: each crossed is a 429 naming it, with Retry-After; nothing is spent
by a refused or failed request; import bodies wait in MongoDB, never in the job's record in Redis."""

from __future__ import annotations

import json
import uuid
from typing import Any

from rq.job import Job
from rq.serializers import JSONSerializer

from app.jobs import queue
from app.models import QuotaUsage
from app.posts.models import Post, PostImportBatch
from tests.jobs import JobsTCBase

DAY = 86_400


def item(n: int) -> dict[str, Any]:
    return {"title": f"Imported {n}", "body": f"Body {n}"}


class QuotasBase(JobsTCBase):
    settings = {
        "QUOTA_POSTS_PER_DAY": 5,
        "QUOTA_IMPORT_ITEMS_PER_DAY": 10,
        "QUOTA_EXPORTS_PER_DAY": 1,
        "JOBS_IN_FLIGHT_PER_USER": 5,
    }

    def setUp(self) -> None:
        super().setUp()
        self.user, self.token = self.auth()

    def create(self, token: str | None = None, **fields: Any):
        body = {"title": "t", "body": "b", **fields}
        return self.request("POST", "posts", json=body, token=token or self.token)

    def import_(self, items: list[Any], **kwargs: Any):
        return self.request("POST", "me/post-imports", json=items, token=self.token, **kwargs)

    def assert_over(self, response, setting: str) -> None:
        problem = self.assert_problem(response, 429)
        self.assertIn(setting, problem["detail"])
        self.assertTrue(DAY - 60 <= int(response.headers["Retry-After"]) <= DAY, response.headers["Retry-After"])

    def spent(self, setting: str) -> int:
        with self.app.app_context():
            return sum(r.amount for r in QuotaUsage.objects(account=str(self.user.id), quota=setting))


class TestPostsQuota(QuotasBase):
    def test_the_sixth_post_of_the_day_is_429_with_retry_after_and_not_stored(self):
        for _ in range(5):
            self.assertEqual(self.create().status_code, 201)

        self.assert_over(self.create(), "QUOTA_POSTS_PER_DAY")
        with self.app.app_context():
            self.assertEqual(Post.objects(author=self.user.id).count(), 5)
        _, other = self.auth()
        self.assertEqual(self.create(token=other).status_code, 201)  # per account

    def test_a_refused_create_spends_nothing(self):
        response = self.create(attachments=[str(uuid.uuid4())])  # no such upload: 400

        self.assert_problem(response, 400)
        self.assertEqual(self.spent("QUOTA_POSTS_PER_DAY"), 0)

    def test_changing_and_deleting_posts_is_not_counted(self):
        post = self.create().get_json()
        self.assertEqual(
            self.request("PATCH", f"posts/{post['id']}", json={"title": "u"}, token=self.token).status_code, 200
        )
        self.assertEqual(self.request("DELETE", f"posts/{post['id']}", token=self.token).status_code, 204)
        self.assertEqual(self.spent("QUOTA_POSTS_PER_DAY"), 1)


class TestImportQuotas(QuotasBase):
    def test_items_are_counted_at_submission_and_a_crossing_import_is_429(self):
        self.assertEqual(self.import_([item(n) for n in range(6)]).status_code, 202)

        self.assert_over(self.import_([item(n) for n in range(5)]), "QUOTA_IMPORT_ITEMS_PER_DAY")
        self.assertEqual(self.import_([item(n) for n in range(4)]).status_code, 202)
        self.assertEqual(self.spent("QUOTA_IMPORT_ITEMS_PER_DAY"), 10)

    def test_a_repeated_request_with_the_same_key_is_not_charged_again(self):
        items, key = [item(n) for n in range(6)], {"Idempotency-Key": "once"}
        first = self.import_(items, headers=key)
        again = self.import_(items, headers=key)

        self.assertEqual(again.get_json()["id"], first.get_json()["id"])
        self.assertEqual(self.spent("QUOTA_IMPORT_ITEMS_PER_DAY"), 6)

    def test_imported_posts_count_toward_the_posts_quota_and_the_rest_is_reported(self):
        for _ in range(2):
            self.create()
        location = self.import_([item(n) for n in range(4)] + [{"title": "no body"}]).headers["Location"]
        self.run_jobs()

        result = self.request("GET", location, token=self.token).get_json()["result"]
        self.assertEqual((result["created"], result["invalid"], result["overQuota"]), (3, 1, 1))
        self.assertEqual(self.spent("QUOTA_POSTS_PER_DAY"), 5)
        self.assert_over(self.create(), "QUOTA_POSTS_PER_DAY")
        self.assert_over(self.import_([item(9)]), "QUOTA_POSTS_PER_DAY")  # it could create nothing

    def test_the_items_wait_in_mongodb_not_in_the_jobs_record_and_go_when_it_ends(self):
        secret = "a body only the database may hold"
        location = self.import_([item(0), {"title": "x", "body": secret}]).headers["Location"]
        job_id = location.rsplit("/", 1)[1]

        with self.app.app_context():
            self.assertEqual(PostImportBatch.objects(job=job_id).count(), 1)
            job = Job.fetch(job_id, connection=queue.connection(), serializer=JSONSerializer)
        record = json.dumps([job.args, job.kwargs, job.meta])  # what Redis keeps of the job (its data is compressed)
        self.assertEqual(
            job.args[1], {"itemsIn": "post_import_batches", "count": 2, "userId": str(self.user.id), "jobId": job_id}
        )
        self.assertNotIn(secret, record)

        self.run_jobs()
        with self.app.app_context():
            self.assertEqual(PostImportBatch.objects(job=job_id).count(), 0)
            self.assertEqual(Post.objects(body=secret).count(), 1)
            result = json.dumps(self.request("GET", location, token=self.token).get_json())
        self.assertNotIn(secret, result)

    def test_an_import_refused_by_the_in_flight_cap_spends_nothing_and_keeps_nothing(self):
        self.app.config["JOBS_IN_FLIGHT_PER_USER"] = 1
        self.assertEqual(self.import_([item(0)]).status_code, 202)

        self.assert_problem(self.import_([item(1), item(2)]), 429)
        self.assertEqual(self.spent("QUOTA_IMPORT_ITEMS_PER_DAY"), 1)
        with self.app.app_context():
            self.assertEqual(PostImportBatch.objects.count(), 1)


class TestExportQuota(QuotasBase):
    def test_the_second_export_of_the_day_is_429(self):
        self.assertEqual(self.request("POST", "me/post-exports", token=self.token).status_code, 202)

        self.assert_over(self.request("POST", "me/post-exports", token=self.token), "QUOTA_EXPORTS_PER_DAY")
