"""MongoDB goes away and comes back: 503s in the problem shape meanwhile, nothing half-written, recovery unaided.

The app runs as `make serve` runs it (gunicorn, production config) against nx-27017, a MongoDB
wire-protocol server in its own process, behind the harness's shim (tests/mongo_shim.py); stopping
nx-27017 is the database going away.
"""

from __future__ import annotations

import time

from tests.integration.servers import ServersTestCase, call, free_port

PASSWORD = "correct horse battery"


class TestDatabaseOutage(ServersTestCase):
    needs_mongo_standin = True

    def setUp(self) -> None:
        super().setUp()
        self.data = self.temp_dir() / "outage.sqlite"
        self.mongo_port = free_port()
        self.mongo = self.start_mongo_standin(self.mongo_port, self.data)
        env = self.production_env(f"mongodb://127.0.0.1:{self.mongo_port}/app", self.start_redis())
        self.app_port = self.start_app(env)

    def api(self, method: str, path: str, body=None, token=None):
        return call(self.app_port, method, path, body, token)

    def assert_unavailable(self, reply) -> None:
        self.assertEqual(reply.status, 503, reply.body)
        self.assertEqual(reply.headers["Content-Type"], "application/problem+json")
        self.assertEqual(reply.headers["Retry-After"], "5")
        problem = reply.json()
        self.assertEqual((problem["status"], problem["title"]), (503, "Service Unavailable"))
        self.assertNotIn(b"Traceback", reply.body)
        self.assertNotIn(b"127.0.0.1", reply.body)

    def wait_until_ready(self, seconds: float = 30) -> int:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            status = self.api("GET", "/ready").status
            if status == 200:
                return status
            time.sleep(0.3)
        return status

    def test_requests_get_503_while_the_database_is_down_and_recover_after(self):
        user = {"email": "outage@example.com", "password": PASSWORD, "displayName": "Outage"}
        self.assertEqual(self.api("POST", "/api/v1/auth/signup", user).status, 201)
        login = {"email": user["email"], "password": PASSWORD}
        token = self.api("POST", "/api/v1/auth/login", login).json()["accessToken"]
        self.assertEqual(self.api("GET", "/api/v1/me", token=token).status, 200)

        self.stop(self.mongo)

        self.assert_unavailable(self.api("GET", "/api/v1/me", token=token))
        self.assert_unavailable(self.api("POST", "/api/v1/auth/login", login))
        lost = {"email": "written-during-outage@example.com", "password": PASSWORD, "displayName": "Lost"}
        self.assert_unavailable(self.api("POST", "/api/v1/auth/signup", lost))
        self.assert_unavailable(self.api("GET", "/api/v1/posts"))  # capability: posts
        self.assert_unavailable(self.api("GET", "/ready"))
        self.assertEqual(self.api("GET", "/health").status, 200)

        self.mongo = self.start_mongo_standin(self.mongo_port, self.data)

        self.assertEqual(self.wait_until_ready(), 200)
        self.assertEqual(self.api("GET", "/api/v1/me", token=token).json()["email"], user["email"])
        self.assertEqual(self.api("POST", "/api/v1/auth/login", login).status, 200)
        self.assertEqual(self.api("POST", "/api/v1/auth/login", {**lost, "displayName": None}).status, 400)
        refused = self.api("POST", "/api/v1/auth/login", {"email": lost["email"], "password": PASSWORD})
        self.assertEqual(refused.status, 401)  # the signup refused during the outage left nothing behind
