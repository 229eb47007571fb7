"""Mail settings: derived values, and what every environment and production refuse, naming the variable."""

from __future__ import annotations

import unittest

from config import ConfigError, DevConfig, TestConfig
from tests.test_config import production


class TestDerived(unittest.TestCase):
    def test_the_port_follows_the_tls_mode_unless_set(self):
        cases = {(): 25, (("MAIL_USE_TLS", "true"),): 587, (("MAIL_USE_SSL", "true"),): 465}
        for environ, port in cases.items():
            with self.subTest(environ=environ):
                self.assertEqual(TestConfig.settings(dict(environ))["MAIL_PORT"], port)
        self.assertEqual(TestConfig.settings({"MAIL_USE_TLS": "1", "MAIL_PORT": "2525"})["MAIL_PORT"], 2525)

    def test_without_a_server_messages_go_to_the_log_and_links_to_a_local_client(self):
        values = DevConfig.settings({})

        self.assertIs(values["MAIL_LOG_ONLY"], True)
        self.assertIsNone(values["FRONTEND_URL"])  # app.mail.messages falls back to http://localhost:5173

    def test_retry_intervals_and_the_frontend_url_are_read_from_the_environment(self):
        values = TestConfig.settings({"MAIL_RETRY_INTERVALS": "5, 30,120", "FRONTEND_URL": "https://app.example/"})

        self.assertEqual(values["MAIL_RETRY_INTERVALS"], [5, 30, 120])
        self.assertEqual(values["FRONTEND_URL"], "https://app.example")


class TestRefusedEverywhere(unittest.TestCase):
    def refused(self, environ: dict[str, str], variable: str) -> None:
        with self.assertRaisesRegex(ConfigError, variable):
            TestConfig.settings(environ)

    def test_incomplete_or_contradictory_settings_name_the_variable(self):
        self.refused({"MAIL_SERVER": "smtp.example.com"}, "MAIL_DEFAULT_SENDER")
        self.refused({"MAIL_USE_TLS": "1", "MAIL_USE_SSL": "1"}, "MAIL_USE_TLS and MAIL_USE_SSL")
        self.refused({"MAIL_USERNAME": "api"}, "MAIL_PASSWORD")
        self.refused({"MAIL_PASSWORD": "secret"}, "MAIL_USERNAME")
        self.refused({"MAIL_RETRY_INTERVALS": "10,soon"}, "MAIL_RETRY_INTERVALS")
        self.refused({"MAIL_RETRY_INTERVALS": "-1"}, "MAIL_RETRY_INTERVALS")
        self.refused({"MAIL_PORT": "70000"}, "MAIL_PORT")
        self.refused({"MAIL_TIMEOUT_SECONDS": "0"}, "MAIL_TIMEOUT_SECONDS")
        self.refused({"FRONTEND_URL": "app.example.com"}, "FRONTEND_URL")
        self.refused({"PASSWORD_RESET_TTL_SECONDS": "0"}, "PASSWORD_RESET_TTL_SECONDS")
        self.refused({"UNVERIFIED_GRACE_HOURS": "-1"}, "UNVERIFIED_GRACE_HOURS")
        self.refused({"REQUIRE_VERIFIED_EMAIL": "perhaps"}, "REQUIRE_VERIFIED_EMAIL")


class TestProduction(unittest.TestCase):
    def test_a_complete_config_is_accepted(self):
        values = production(MAIL_USE_TLS="true", MAIL_USERNAME="api", MAIL_PASSWORD="relay-password")

        self.assertEqual((values["MAIL_PORT"], values["MAIL_LOG_ONLY"]), (587, False))
        self.assertIs(values["REQUIRE_VERIFIED_EMAIL"], False)

    def test_no_mail_server_no_frontend_or_a_plain_http_frontend_is_refused(self):
        for changes, variable in (
            ({"MAIL_SERVER": None}, "MAIL_SERVER is not set"),
            ({"MAIL_SERVER": "  "}, "MAIL_SERVER is not set"),
            ({"MAIL_DEFAULT_SENDER": None}, "MAIL_DEFAULT_SENDER is not set"),
            ({"FRONTEND_URL": None}, "FRONTEND_URL is not set"),
            ({"FRONTEND_URL": "http://app.example.com"}, "FRONTEND_URL must be an https:// URL"),
        ):
            with self.subTest(changes=changes), self.assertRaisesRegex(ConfigError, variable):
                production(**changes)
