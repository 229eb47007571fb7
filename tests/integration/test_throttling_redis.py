"""Rate limits counted in a real redis-server: the same counts and headers as in memory."""

from __future__ import annotations

import time

import redis

from app import create_app
from config import TestConfig
from tests.integration.servers import ServersTestCase
from tests.views.probe import PROBE, add_probe


def app_counting_in(uri: str):
    class Counted(TestConfig):
        RATELIMIT_STORAGE_URI = uri
        RATELIMIT_DEFAULT = "4 per minute"
        RATELIMIT_WRITE = "3 per minute"

    return add_probe(create_app(Counted))


class TestRedisRateLimits(ServersTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.uri = self.start_redis()
        self.redis = redis.Redis.from_url(self.uri)

    def sequence(self, app, method: str, path: str, count: int, **kwargs) -> list[tuple]:
        client = app.test_client()
        seen = []
        for _ in range(count):
            response = client.open(path, method=method, **kwargs)
            headers = response.headers
            seen.append(
                (
                    response.status_code,
                    headers.get("X-RateLimit-Limit"),
                    headers.get("X-RateLimit-Remaining"),
                    "Retry-After" in headers,
                )
            )
        return seen

    def test_reads_count_and_report_as_in_memory(self):
        in_redis = self.sequence(app_counting_in(self.uri), "GET", f"/api/v1/{PROBE}", 6)
        in_memory = self.sequence(app_counting_in("memory://"), "GET", f"/api/v1/{PROBE}", 6)

        self.assertEqual(in_redis, in_memory)
        self.assertEqual([s for s, *_ in in_redis], [200, 200, 200, 200, 429, 429])
        self.assertEqual([r for _, _, r, _ in in_redis[:4]], ["3", "2", "1", "0"])

    def test_writes_spend_the_shared_budget_as_in_memory(self):
        body = {"json": {"name": "x"}}
        in_redis = self.sequence(app_counting_in(self.uri), "POST", f"/api/v1/{PROBE}", 5, **body)
        in_memory = self.sequence(app_counting_in("memory://"), "POST", f"/api/v1/{PROBE}", 5, **body)

        self.assertEqual(in_redis, in_memory)
        self.assertEqual(in_redis[-1][0], 429)

    def test_the_reset_header_is_the_window_end(self):
        response = app_counting_in(self.uri).test_client().get(f"/api/v1/{PROBE}")
        ttl = self.redis.ttl(next(iter(self.redis.scan_iter("LIMITS*"))))

        self.assertAlmostEqual(int(response.headers["X-RateLimit-Reset"]), time.time() + ttl, delta=2)
