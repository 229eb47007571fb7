"""`flask seed-demo`: demo accounts and posts to try the API with, never in production."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import unittest
from unittest import mock

from app.demo import DEMO_PASSWORD, load_on_start
from app.models import User
from app.posts.models import Post  # capability: posts
from config import ProductionConfig
from tests.integration.servers import ROOT, call, free_port, wait_for_port
from tests.views import TCBase


class TestSeedDemo(TCBase):
    def test_seeds_accounts_that_can_log_in_and_posts_of_both_statuses(self):
        result = self.app.test_cli_runner().invoke(args=["seed-demo", "--posts", "8"])

        self.assertEqual(result.exit_code, 0, result.output)
        self.login("grace@demo.example", DEMO_PASSWORD)
        # capability: posts
        with self.app.app_context():
            self.assertEqual(Post.objects.count(), 8)
            self.assertEqual(set(Post.objects.distinct("status")), {"draft", "published"})
        listed = self.request("GET", "posts?perPage=100").get_json()
        self.assertEqual(listed["total"], 6)
        mine = self.request("GET", "me/posts", token=self.login("ada@demo.example", DEMO_PASSWORD)).get_json()
        self.assertEqual(mine["total"], 4)
        # end capability: posts

    def test_running_twice_reuses_the_accounts(self):
        runner = self.app.test_cli_runner()

        first = runner.invoke(args=["seed-demo", "--posts", "2"])
        second = runner.invoke(args=["seed-demo", "--posts", "2"])

        self.assertEqual((first.exit_code, second.exit_code), (0, 0), second.output)
        with self.app.app_context():
            self.assertEqual(User.objects.count(), 2)
            self.assertEqual(Post.objects.count(), 4)  # capability: posts


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


class StartDemoConfig(TCBase.config):
    DEMO_DATA_ON_START = True


class TestLoadOnStart(TCBase):
    config = StartDemoConfig

    def test_the_embedded_database_gets_demo_data_and_the_log_says_how_to_sign_in(self):
        self.app.extensions["mongodb"]["embedded"] = True  # as without MONGODB_URI, whatever this run uses
        with self.assertLogs("app.demo", "WARNING") as logs:
            self.assertTrue(load_on_start(self.app))

        self.assertIn("ada@demo.example or grace@demo.example", logs.output[0])
        self.assertIn(repr(DEMO_PASSWORD), logs.output[0])
        self.assertEqual(self.request("GET", "posts").get_json()["total"], 9)  # capability: posts
        self.login("grace@demo.example", DEMO_PASSWORD)

    def test_a_real_mongodb_is_left_alone(self):
        self.app.extensions["mongodb"]["embedded"] = False
        with self.assertLogs("app.demo", "INFO") as logs:
            self.assertFalse(load_on_start(self.app))
        self.assertIn("seed-demo", logs.output[0])
        with self.app.app_context():
            self.assertEqual(User.objects.count(), 0)

    def test_off_by_setting_not_in_tests_and_never_where_demo_data_is_refused(self):
        for settings in ({"DEMO_DATA_ON_START": False}, {"ALLOW_DEMO_DATA": False}):
            with self.subTest(settings=settings):
                self.app.config.update({"DEMO_DATA_ON_START": True, "ALLOW_DEMO_DATA": True, **settings})
                self.assertFalse(load_on_start(self.app))
        self.assertFalse(TCBase.config.DEMO_DATA_ON_START)
        self.assertFalse(ProductionConfig.ALLOW_DEMO_DATA)
        with self.app.app_context():
            self.assertEqual(User.objects.count(), 0)

    def test_the_reloaders_watcher_process_loads_nothing(self):
        self.app.debug = True
        with mock.patch.dict(os.environ, {"WERKZEUG_RUN_MAIN": ""}):
            self.assertFalse(load_on_start(self.app))
        with self.app.app_context():
            self.assertEqual(User.objects.count(), 0)


class TestMakeRun(unittest.TestCase):
    def test_the_dev_server_starts_with_demo_posts_and_a_working_demo_login(self):
        """`make run` as a user runs it: server.py in development config, reloader and all."""
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_URI", "REDIS_URL", "APP_CONFIG"))}
        server = subprocess.Popen(
            [sys.executable, "server.py"],
            cwd=ROOT,
            env={**env, "APP_CONFIG": "dev", "PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # the reloader's child is in the same group: stopped together
        )
        self.addCleanup(stop_group, server)
        wait_for_port(port)

        posts = call(port, "GET", "/api/v1/posts?perPage=1")  # capability: posts
        login = call(port, "POST", "/api/v1/auth/login", {"email": "ada@demo.example", "password": DEMO_PASSWORD})

        self.assertEqual(posts.status, 200)  # capability: posts
        self.assertEqual(posts.json()["total"], 9)  # capability: posts
        self.assertEqual(login.status, 200)
        me = call(port, "GET", "/api/v1/me", token=login.json()["accessToken"])
        self.assertEqual(me.json()["email"], "ada@demo.example")


def stop_group(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    process.stderr.close()
