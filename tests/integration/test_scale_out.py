"""Two app servers, one database: nothing that matters lives in a process's memory.

Both run as `make serve` runs them (gunicorn, production config), sharing nx-27017 (MongoDB
wire protocol, its own process) and one redis-server for rate limits.
"""

from __future__ import annotations

from tests.integration.servers import ServersTestCase, call, free_port

PASSWORD = "correct horse battery"


class TestTwoServers(ServersTestCase):
    needs_mongo_standin = True

    def setUp(self) -> None:
        super().setUp()
        mongo_port = free_port()
        self.start_mongo_standin(mongo_port, self.temp_dir() / "shared.sqlite")
        env = self.production_env(f"mongodb://127.0.0.1:{mongo_port}/app", self.start_redis())
        self.a, self.b = self.start_app(env), self.start_app(env)

    def test_a_session_started_on_one_server_is_honoured_and_ended_on_the_other(self):
        user = {"email": "two@example.com", "password": PASSWORD, "displayName": "Two"}
        login = {"email": user["email"], "password": PASSWORD}
        self.assertEqual(call(self.b, "POST", "/api/v1/auth/signup", user).status, 201)
        pair = call(self.a, "POST", "/api/v1/auth/login", login).json()
        other = call(self.b, "POST", "/api/v1/auth/login", login).json()["accessToken"]

        self.assertEqual(call(self.b, "GET", "/api/v1/me", token=pair["accessToken"]).status, 200)
        self.assertEqual(call(self.a, "POST", "/api/v1/auth/logout", token=pair["accessToken"]).status, 204)

        self.assertEqual(call(self.b, "GET", "/api/v1/me", token=pair["accessToken"]).status, 401)
        self.assertEqual(call(self.b, "POST", "/api/v1/auth/refresh", token=pair["refreshToken"]).status, 401)
        self.assertEqual(call(self.b, "GET", "/api/v1/me", token=other).status, 200)  # only that session ended

    def test_refresh_rotation_is_shared(self):
        user = {"email": "rotate@example.com", "password": PASSWORD, "displayName": "Rotate"}
        call(self.a, "POST", "/api/v1/auth/signup", user)
        pair = call(self.a, "POST", "/api/v1/auth/login", {"email": user["email"], "password": PASSWORD}).json()

        rotated = call(self.b, "POST", "/api/v1/auth/refresh", token=pair["refreshToken"])
        reused = call(self.a, "POST", "/api/v1/auth/refresh", token=pair["refreshToken"])

        self.assertEqual(rotated.status, 200)
        self.assertEqual(reused.status, 401)  # spent on B, so reuse on A revokes the session everywhere
        self.assertEqual(call(self.b, "GET", "/api/v1/me", token=rotated.json()["accessToken"]).status, 401)

    # capability: posts
    def test_posts_and_their_versions_are_shared(self):
        user = {"email": "poster@example.com", "password": PASSWORD, "displayName": "Poster"}
        call(self.a, "POST", "/api/v1/auth/signup", user)
        token = call(self.a, "POST", "/api/v1/auth/login", {"email": user["email"], "password": PASSWORD}).json()[
            "accessToken"
        ]
        created = call(self.a, "POST", "/api/v1/posts", {"title": "Shared", "body": "b", "status": "published"}, token)
        path = created.headers["Location"]

        changed = call(self.b, "PATCH", path, {"title": "Changed on B"}, token)
        listed = call(self.a, "GET", "/api/v1/posts?sort=title").json()

        self.assertEqual(created.status, 201)
        self.assertEqual(changed.status, 200)
        self.assertEqual(changed.headers["ETag"], '"v2"')
        self.assertEqual([p["title"] for p in listed["items"]], ["Changed on B"])
        self.assertEqual(call(self.a, "DELETE", path, token=token).status, 204)
        self.assertEqual(call(self.b, "GET", path).status, 404)

    # end capability: posts

    def test_login_failures_on_both_servers_add_up_to_one_lock_out(self):
        user = {"email": "locked@example.com", "password": PASSWORD, "displayName": "Locked"}
        call(self.a, "POST", "/api/v1/auth/signup", user)
        wrong = {"email": user["email"], "password": "not the password"}
        # five failures (the configured limit), neither server seeing more than three of them
        failures = [call(port, "POST", "/api/v1/auth/login", wrong).status for port in (self.a, self.b) * 2 + (self.a,)]

        locked = call(self.b, "POST", "/api/v1/auth/login", {"email": user["email"], "password": PASSWORD})

        self.assertEqual(failures[:4], [401] * 4)
        self.assertEqual(locked.status, 429)
        self.assertGreater(int(locked.headers["Retry-After"]), 0)
