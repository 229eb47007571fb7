"""Exports: 202 + a job whose result holds your posts, run by a real RQ worker on a real redis-server."""

from __future__ import annotations

import uuid

from tests.jobs import JobsTCBase


class TestExports(JobsTCBase):
    settings = {"POST_EXPORT_MAX_POSTS": 3}

    def setUp(self) -> None:
        super().setUp()
        self.user, self.token = self.auth()

    def write(self, title: str, token: str | None = None, status: str = "draft") -> dict:
        body = {"title": title, "body": "text", "status": status}
        response = self.request("POST", "posts", json=body, token=token or self.token)
        self.assertEqual(response.status_code, 201)
        return response.get_json()

    def test_the_finished_job_holds_your_posts_oldest_first_and_no_one_elses(self):
        mine = [self.write("first"), self.write("second", status="published")]
        _, other_token = self.auth()
        self.write("not mine", token=other_token)

        response = self.request("POST", "me/post-exports", token=self.token)
        self.assertEqual(response.status_code, 202, response.get_data(as_text=True))
        self.assertEqual(response.headers["Location"], f"/api/v1/me/post-exports/{response.get_json()['id']}")
        self.assertEqual(response.headers["Retry-After"], "2")
        self.run_jobs()
        done = self.request("GET", response.headers["Location"], token=self.token)

        self.assertEqual(done.status_code, 200)
        self.assertNotIn("Retry-After", done.headers)
        job = done.get_json()
        self.assertEqual(job["status"], "succeeded")
        self.assertEqual((job["result"]["count"], job["result"]["total"], job["result"]["truncated"]), (2, 2, False))
        self.assertEqual([p["id"] for p in job["result"]["posts"]], [p["id"] for p in mine])
        self.assertEqual(job["result"]["posts"][0], mine[0])  # the same shape as a post response
        listed = self.request("GET", "me/post-exports", token=self.token).get_json()["items"]
        self.assertEqual([j["id"] for j in listed], [job["id"]])

    def test_the_export_is_capped_and_says_so(self):
        for n in range(4):
            self.write(f"post {n}")
        location = self.request("POST", "me/post-exports", json={}, token=self.token).headers["Location"]
        self.run_jobs()

        result = self.request("GET", location, token=self.token).get_json()["result"]
        self.assertEqual((result["count"], result["total"], result["truncated"]), (3, 4, True))
        self.assertEqual([p["title"] for p in result["posts"]], ["post 0", "post 1", "post 2"])

    def test_a_body_other_than_empty_is_refused(self):
        self.assert_field_errors(self.request("POST", "me/post-exports", json={"all": True}, token=self.token), "all")
        response = self.request("POST", "me/post-exports", data="x", token=self.token, content_type="text/plain")
        self.assert_problem(response, 415)

    def test_owner_only_and_a_token_required(self):
        location = self.request("POST", "me/post-exports", token=self.token).headers["Location"]
        _, other_token = self.auth()

        self.assert_problem(self.request("GET", location, token=other_token), 404)
        self.assert_problem(self.request("GET", f"me/post-exports/{uuid.uuid4()}", token=self.token), 404)
        self.assert_problem(self.request("GET", location), 401)
        self.assert_problem(self.request("POST", "me/post-exports"), 401)

    def test_a_third_export_in_flight_is_429(self):
        for _ in range(2):
            self.assertEqual(self.request("POST", "me/post-exports", token=self.token).status_code, 202)
        response = self.request("POST", "me/post-exports", token=self.token)
        self.assert_problem(response, 429)
        self.assertEqual(response.headers["Retry-After"], "10")

    def test_redis_down_is_503(self):
        self.stop(self.redis_process)
        with self.assertLogs("app.jobs.queue", "ERROR"):
            response = self.request("POST", "me/post-exports", token=self.token)
        self.assert_problem(response, 503)
        self.assertEqual(response.headers["Retry-After"], "5")
