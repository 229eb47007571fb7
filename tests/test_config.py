"""Class-based configs: choosing one, the environment overlay, and what production refuses."""

from __future__ import annotations

import base64  # capability: mfa
import os
import re
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from app import create_app
from config import Config, ConfigError, DevConfig, ProductionConfig, TestConfig, example_values, get_config
from config.env import cast

STRONG = "k" * 20 + "-random-enough-secret-value-0123456789"
PRODUCTION_ENV = {
    "SECRET_KEY": STRONG,
    "JWT_SECRET_KEY": STRONG[::-1],
    "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(b"k" * 32).decode(),  # capability: mfa
    "MONGODB_URI": "mongodb://db.internal:27017/app",
    "RATELIMIT_STORAGE_URI": "redis://cache.internal:6379/0",
    "REDIS_URL": "redis://cache.internal:6379/1",
    "S3_BUCKET": "uploads",
    "AWS_ACCESS_KEY_ID": "unused-key",
    "AWS_SECRET_ACCESS_KEY": "unused-secret",
    "MAIL_SERVER": "smtp.internal",
    "MAIL_DEFAULT_SENDER": "no-reply@example.com",
    "FRONTEND_URL": "https://app.example.com",
}


def production(**changes: str | None) -> dict:
    environ = {**PRODUCTION_ENV, **changes}
    return ProductionConfig.settings({k: v for k, v in environ.items() if v is not None})


class TestGetConfig(unittest.TestCase):
    def test_by_name_class_and_environment(self):
        self.assertIs(get_config("test"), TestConfig)
        self.assertIs(get_config(" Production "), ProductionConfig)
        self.assertIs(get_config(DevConfig), DevConfig)
        with mock.patch.dict(os.environ, {"APP_CONFIG": "test"}):
            self.assertIs(get_config(), TestConfig)
        with mock.patch.dict(os.environ, {}, clear=True):
            self.assertIs(get_config(), DevConfig)

    def test_unknown_name_is_refused_naming_the_variable(self):
        with self.assertRaisesRegex(ConfigError, "APP_CONFIG"):
            get_config("staging")

    def test_default_port_is_3000(self):
        self.assertEqual(Config.PORT, 3000)


class TestEnvironmentOverlay(unittest.TestCase):
    def test_values_are_typed_by_the_class_defaults(self):
        values = TestConfig.settings(
            {
                "PORT": "8080",
                "DOCS_ENABLED": "off",
                "CORS_ORIGINS": "https://a.example, https://b.example",
                "APP_NAME": "X",
            }
        )

        self.assertEqual(values["PORT"], 8080)
        self.assertIs(values["DOCS_ENABLED"], False)
        self.assertEqual(values["CORS_ORIGINS"], ["https://a.example", "https://b.example"])
        self.assertEqual(values["APP_NAME"], "X")

    def test_bad_values_name_the_variable(self):
        for name, raw in (("PORT", "eighty"), ("DOCS_ENABLED", "perhaps")):
            with self.subTest(name=name), self.assertRaisesRegex(ConfigError, name):
                TestConfig.settings({name: raw})

    def test_cast_handles_floats_and_strings(self):
        self.assertEqual(cast("X", "1.5", 0.5), 1.5)
        self.assertEqual(cast("X", "abc", None), "abc")
        with self.assertRaisesRegex(ConfigError, "X must be a number"):
            cast("X", "abc", 0.5)

    def test_fixed_names_cannot_be_flipped_from_the_environment(self):
        with self.assertRaisesRegex(ConfigError, "MONGODB_URI"):
            production(MONGODB_URI=None, ALLOW_EMBEDDED_DB="true")


class TestDevelopmentSecrets(unittest.TestCase):
    def test_dev_generates_random_secrets_rather_than_shipping_one(self):
        first, second = DevConfig.settings({}), DevConfig.settings({})

        self.assertGreaterEqual(len(first["SECRET_KEY"]), 32)
        self.assertNotEqual(first["SECRET_KEY"], second["SECRET_KEY"])
        self.assertNotEqual(first["JWT_SECRET_KEY"], first["SECRET_KEY"])
        self.assertIsNone(Config.SECRET_KEY)

    def test_set_secrets_are_kept(self):
        self.assertEqual(DevConfig.settings({"SECRET_KEY": STRONG})["SECRET_KEY"], STRONG)

    def test_base_config_needs_its_secrets(self):
        with self.assertRaisesRegex(ConfigError, "SECRET_KEY is not set"):
            Config.settings({})
        with self.assertRaisesRegex(ConfigError, "JWT_SECRET_KEY is not set"):
            Config.settings({"SECRET_KEY": STRONG})

    def test_decode_algorithms_must_include_the_signing_one(self):
        with self.assertRaisesRegex(ConfigError, "JWT_DECODE_ALGORITHMS"):
            TestConfig.settings({"JWT_ALGORITHM": "HS512"})


class TestProductionRefusals(unittest.TestCase):
    def test_complete_environment_is_accepted_with_safe_defaults(self):
        values = production()

        self.assertFalse(values["DEBUG"] or values["TESTING"] or values["PROPAGATE_EXCEPTIONS"])
        self.assertFalse(values["DOCS_ENABLED"])
        self.assertTrue(values["HSTS_ALWAYS"])
        self.assertFalse(values["ALLOW_DEMO_DATA"])

    def test_the_refresh_cookie_is_always_secure(self):
        self.assertFalse(TestConfig.settings({})["COOKIE_SECURE"])
        self.assertTrue(production()["COOKIE_SECURE"])
        self.assertTrue(production(COOKIE_SECURE="false")["COOKIE_SECURE"])

    def test_each_refusal_names_its_variable(self):
        cases = [
            ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
            ({"JWT_SECRET_KEY": None}, "JWT_SECRET_KEY is not set"),
            ({"SECRET_KEY": "short-secret"}, "SECRET_KEY is shorter than 32 bytes"),
            ({"JWT_SECRET_KEY": "x" * 31}, "JWT_SECRET_KEY is shorter than 32 bytes"),
            ({"SECRET_KEY": "changeme"}, "SECRET_KEY is a published value"),
            ({"JWT_SECRET_KEY": "super-secret"}, "JWT_SECRET_KEY is a published value"),
            ({"MONGODB_URI": None}, "MONGODB_URI is not set"),
            ({"MONGODB_URI": "mongomock://localhost/app"}, "MONGODB_URI points at the embedded stand-in"),
            ({"RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_STORAGE_URI"),
            ({"DEBUG": "true"}, "DEBUG must be off"),
            ({"TESTING": "1"}, "TESTING must be off"),
            ({"PROPAGATE_EXCEPTIONS": "yes"}, "PROPAGATE_EXCEPTIONS must be off"),
        ]
        for changes, message in cases:
            with self.subTest(changes=changes), self.assertRaisesRegex(ConfigError, message):
                production(**changes)

    def test_secrets_once_printed_in_the_example_file_are_refused(self):
        once_printed = (
            "Xq3v9wJ0m1T2y8bE4rK7uL5nP6sD0fG9hJ2kZ3xC4vB5nM6q",
            "Pz8Lk2Jh5Gf3Ds1Aq9Wx7Ec4Rv6Tb0Yn2Um5Ik8Ol1Pa3Sd",
        )
        for value in once_printed:
            for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
                with self.subTest(name=name), self.assertRaisesRegex(ConfigError, f"{name} is a published value"):
                    production(**{name: value})

    def test_any_value_printed_in_the_example_file_is_refused_as_a_secret(self):
        printed = "an-example-value-that-is-long-enough-to-pass-0123456789"
        with tempfile.TemporaryDirectory() as folder:
            example = Path(folder) / ".env.example"
            example.write_text(f"# a comment\n# SECRET_KEY={printed}\nJWT_SECRET_KEY='{printed[::-1]}'\n")
            with mock.patch("config.published.EXAMPLE_ENV", example):
                for name, value in (("SECRET_KEY", printed), ("JWT_SECRET_KEY", printed[::-1])):
                    with self.subTest(name=name), self.assertRaisesRegex(ConfigError, f"{name} is a published"):
                        production(**{name: value})
                self.assertEqual(production()["SECRET_KEY"], STRONG)  # an unprinted value still starts

    def test_the_example_file_prints_no_secret(self):
        values = example_values()

        self.assertTrue(values, "the example file was found and read")
        self.assertFalse([v for v in values if len(v) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", v)])

    def test_create_app_refuses_to_start_with_a_bad_environment(self):
        environ = {**PRODUCTION_ENV, "SECRET_KEY": "changeme"}
        with mock.patch.dict(os.environ, environ, clear=True), self.assertRaisesRegex(ConfigError, "SECRET_KEY"):
            create_app("production")

    def test_production_app_boots_with_the_database_down_and_has_debug_and_docs_off(self):
        environ = {**PRODUCTION_ENV, "MONGODB_URI": "mongodb://127.0.0.1:9/app", "MONGODB_TIMEOUT_MS": "100"}
        with mock.patch.dict(os.environ, environ, clear=True), self.assertLogs("app.database", "ERROR") as logs:
            app = create_app("production")
        try:
            self.assertFalse(app.debug or app.testing)
            client = app.test_client()
            self.assertEqual(client.get("/apidocs/").status_code, 404)
            self.assertEqual(client.get("/openapi.json").status_code, 404)
            self.assertEqual(client.get("/console").status_code, 404)
            self.assertIn("indexes not ensured", logs.output[-1])
        finally:
            from app.database import disconnect_db

            disconnect_db()
