"""Rate limits: per client, stricter on auth, per user on writes; 429 in the problem shape."""

from __future__ import annotations

from flask import jsonify

from app.extensions import limiter
from config import ConfigError, ProductionConfig, TestConfig
from tests.test_config import PRODUCTION_ENV
from tests.views import PASSWORD
from tests.views.probe import PROBE, ProbeTCBase

STRONG = "x" * 48


class LowLimits(TestConfig):
    RATELIMIT_DEFAULT = "5 per minute"
    RATELIMIT_AUTH = "3 per minute"
    RATELIMIT_WRITE = "4 per minute"


class LowLimitsTCBase(ProbeTCBase):
    config = LowLimits

    def assert_throttled(self, response, window: str = "1 minute") -> None:
        body = self.assert_problem(response, 429)
        self.assertGreater(int(response.headers["Retry-After"]), 0)
        self.assertEqual(response.headers["X-RateLimit-Remaining"], "0")
        self.assertIn(f"per {window}", body["detail"])


class TestThrottling(LowLimitsTCBase):
    def test_default_limit_per_client(self):
        for _ in range(5):
            self.assertEqual(self.request("GET", PROBE).status_code, 200)
        self.assert_throttled(self.request("GET", PROBE))

    def test_rate_limit_headers_on_success_without_stray_retry_after(self):
        response = self.request("GET", PROBE)
        self.assertEqual(response.headers["X-RateLimit-Limit"], "5")
        self.assertEqual(response.headers["X-RateLimit-Remaining"], "4")
        self.assertIn("X-RateLimit-Reset", response.headers)
        self.assertNotIn("Retry-After", response.headers)

    def test_login_is_limited_tighter_per_address(self):
        for _ in range(3):
            response = self.request("POST", "auth/login", json={"email": "a@example.com", "password": "wrong pass"})
            self.assertEqual(response.status_code, 401)
        self.assert_throttled(self.request("POST", "auth/login", json={"email": "b@example.com", "password": "x" * 9}))

    def test_signup_is_limited_per_address(self):
        for i in range(3):
            response = self.request(
                "POST", "auth/signup", json={"email": f"u{i}@example.com", "password": PASSWORD, "displayName": "U"}
            )
            self.assertEqual(response.status_code, 201)
        self.assert_throttled(
            self.request(
                "POST", "auth/signup", json={"email": "u9@example.com", "password": PASSWORD, "displayName": "U"}
            )
        )

    def test_refresh_is_limited_per_address(self):
        responses = [self.request("POST", "auth/refresh", token="not-a-token") for _ in range(4)]
        self.assertEqual([r.status_code for r in responses[:3]], [401, 401, 401])
        self.assert_throttled(responses[3])

    def test_writes_are_limited_per_user_across_routes(self):
        _, token = self.auth()
        other_token = self.login(self.make_user().email)
        statuses = [
            self.request("POST", PROBE, json={"name": "a", "age": 1}, token=token).status_code for _ in range(4)
        ]
        self.assertEqual(statuses, [201] * 4)
        self.assert_throttled(self.request("PATCH", "me", json={"displayName": "New"}, token=token))
        # another user's bucket is untouched
        self.assertEqual(self.request("POST", PROBE, json={"name": "a", "age": 1}, token=other_token).status_code, 201)

    def write(self, token: str | None = None):
        return self.request("POST", PROBE, json={"name": "a", "age": 1}, token=token)

    def test_writes_with_a_refresh_token_count_against_the_address(self):
        pair = self.login_pair(self.make_user().email)  # the login is one of the address's 4 writes

        refused = [self.write(pair["refreshToken"]).status_code for _ in range(3)]

        self.assertEqual(refused, [401] * 3)
        self.assert_throttled(self.write())  # the address's budget is spent: anonymous writes are refused
        self.assertEqual(self.write(pair["accessToken"]).status_code, 201)  # the user's budget is untouched

    def test_writes_with_a_revoked_sessions_token_count_against_the_address(self):
        email = self.make_user().email
        revoked, live = self.login(email), self.login(email)  # two of the address's 4 writes
        self.assertEqual(self.request("POST", "auth/logout", token=revoked).status_code, 204)  # the user's first

        refused = [self.write(revoked).status_code for _ in range(2)]

        self.assertEqual(refused, [401] * 2)
        self.assert_throttled(self.write())
        self.assertEqual([self.write(live).status_code for _ in range(3)], [201] * 3)  # the user's 2nd to 4th
        self.assert_throttled(self.write(live))

    def test_docs_and_spec_are_not_throttled(self):
        for _ in range(8):
            self.assertEqual(self.request("GET", "/openapi.json").status_code, 200)


class TestMethodLimits(LowLimitsTCBase):
    """A limit declared for some methods counts only those; the others keep the route's default limit."""

    def setUp(self) -> None:
        super().setUp()

        @limiter.limit("2 per minute", methods=["POST"])
        def noted():
            return jsonify(noted=True)

        self.app.add_url_rule("/api/v1/noted", "noted", noted, methods=["GET", "POST"])

    def test_gets_do_not_count_against_a_post_only_limit(self):
        gets = [self.request("GET", "noted") for _ in range(3)]
        posts = [self.request("POST", "noted").status_code for _ in range(2)]

        self.assertEqual([r.status_code for r in gets], [200] * 3)
        self.assertEqual(gets[-1].headers["X-RateLimit-Limit"], "5")  # the default limit, not the POST one
        self.assertEqual(posts, [200, 200])
        self.assert_throttled(self.request("POST", "noted"))

    def test_gets_keep_the_default_limit_after_posts(self):
        posts = [self.request("POST", "noted") for _ in range(2)]
        gets = [self.request("GET", "noted").status_code for _ in range(5)]

        self.assertEqual([r.status_code for r in posts], [200, 200])
        self.assertEqual(posts[-1].headers["X-RateLimit-Limit"], "2")
        self.assertEqual(gets, [200] * 5)
        self.assert_throttled(self.request("GET", "noted"))  # the sixth read: the default 5 per minute
        self.assert_throttled(self.request("POST", "noted"))


# capability: mail
class TestPerUserLimits(LowLimitsTCBase):
    """A signed-in route answers 401 without a valid token before a per-user limit counts the request."""

    config = TestConfig  # the shipped limits: the mail limit (5 per 15 minutes) is the one to reach

    def test_mail_requests_without_a_valid_token_are_401_never_429(self):
        user, token = self.auth()
        refresh = self.login_pair(user.email)["refreshToken"]
        change = {"email": f"new-{user.email}", "password": PASSWORD}

        for credential in [None] * 6 + [refresh] * 2:  # RATELIMIT_MAIL_PER_EMAIL: 5 per 15 minutes
            self.assert_problem(self.request("POST", "me/verification-email", token=credential), 401)
            self.assert_problem(self.request("PUT", "me/email", json=change, token=credential), 401)

        statuses = [self.request("POST", "me/verification-email", token=token).status_code for _ in range(5)]
        self.assertEqual(statuses, [202] * 5)  # none of the refused requests spent the user's budget
        self.assert_throttled(self.request("POST", "me/verification-email", token=token), window="15 minute")


# end capability: mail


class TestWriteBurst(ProbeTCBase):
    """The shipped default lets a user write in bursts of at least 30 a minute."""

    def test_thirty_writes_a_minute_pass(self):
        _, token = self.auth()
        statuses = {
            self.request("POST", PROBE, json={"name": "a", "age": 1}, token=token).status_code for _ in range(30)
        }
        self.assertEqual(statuses, {201})


class TestProductionStorage(ProbeTCBase):
    def test_production_refuses_in_memory_limits(self):
        environ = {**PRODUCTION_ENV, "RATELIMIT_STORAGE_URI": "memory://"}  # the one complete production env
        with self.assertRaisesRegex(ConfigError, "RATELIMIT_STORAGE_URI"):
            ProductionConfig.settings(environ)
        environ["RATELIMIT_STORAGE_URI"] = "redis://cache:6379/0"
        self.assertEqual(ProductionConfig.settings(environ)["RATELIMIT_STORAGE_URI"], "redis://cache:6379/0")
