"""`flask seed-demo`: demo accounts and posts to try the API with, never in production."""

from __future__ import annotations

from app.commands import DEMO_PASSWORD
from app.models import Post, User
from tests.views import TCBase


class TestSeedDemo(TCBase):
    def test_seeds_accounts_that_can_log_in_and_posts_of_both_statuses(self):
        result = self.app.test_cli_runner().invoke(args=["seed-demo", "--posts", "8"])

        self.assertEqual(result.exit_code, 0, result.output)
        with self.app.app_context():
            self.assertEqual(Post.objects.count(), 8)
            self.assertEqual(set(Post.objects.distinct("status")), {"draft", "published"})
        token = self.login("ada@demo.example", DEMO_PASSWORD)
        listed = self.request("GET", "posts?perPage=100").get_json()
        self.assertEqual(listed["total"], 6)
        mine = self.request("GET", "me/posts", token=token).get_json()
        self.assertEqual(mine["total"], 4)

    def test_running_twice_reuses_the_accounts(self):
        runner = self.app.test_cli_runner()

        first = runner.invoke(args=["seed-demo", "--posts", "2"])
        second = runner.invoke(args=["seed-demo", "--posts", "2"])

        self.assertEqual((first.exit_code, second.exit_code), (0, 0), second.output)
        with self.app.app_context():
            self.assertEqual(User.objects.count(), 2)
            self.assertEqual(Post.objects.count(), 4)


class NoDemoConfig(TCBase.config):
    ALLOW_DEMO_DATA = False


class TestSeedDemoRefused(TCBase):
    config = NoDemoConfig

    def test_refused_when_demo_data_is_not_allowed(self):
        result = self.app.test_cli_runner().invoke(args=["seed-demo"])

        self.assertEqual(result.exit_code, 1)
        self.assertIn("ALLOW_DEMO_DATA", result.output)
        with self.app.app_context():
            self.assertEqual(User.objects.count(), 0)
