"""FIELD_ENCRYPTION_KEY: an ephemeral key outside production; production refuses missing, malformed or public keys."""

from __future__ import annotations

import base64
import secrets
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from app import create_app
from app.database import disconnect_db
from config import ConfigError, DevConfig, TestConfig
from tests.test_config import production


def fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


class TestDevelopment(unittest.TestCase):
    def test_without_a_key_each_start_makes_an_ephemeral_one_and_says_so(self):
        first, second = DevConfig.settings({}), DevConfig.settings({})

        self.assertEqual(len(first["FIELD_ENCRYPTION_KEY"]), 1)
        self.assertNotEqual(first["FIELD_ENCRYPTION_KEY"], second["FIELD_ENCRYPTION_KEY"])
        self.assertIs(first["FIELD_ENCRYPTION_KEY_EPHEMERAL"], True)
        with self.assertLogs("app.mfa", "WARNING") as logs:
            create_app(TestConfig)
        disconnect_db()
        self.assertIn("ephemeral", "\n".join(logs.output))
        self.assertNotIn(first["FIELD_ENCRYPTION_KEY"][0], "\n".join(logs.output))

    def test_a_list_of_keys_is_read_first_one_first(self):
        new, old = fernet_key(), fernet_key()

        values = TestConfig.settings({"FIELD_ENCRYPTION_KEY": f" {new} , {old} "})

        self.assertEqual(values["FIELD_ENCRYPTION_KEY"], [new, old])
        self.assertIs(values["FIELD_ENCRYPTION_KEY_EPHEMERAL"], False)

    def test_a_malformed_key_is_refused_everywhere_without_printing_it(self):
        for bad in ("not-a-key", fernet_key()[:-2] + "==", base64.urlsafe_b64encode(b"short").decode()):
            with self.subTest(bad=bad), self.assertRaisesRegex(ConfigError, "FIELD_ENCRYPTION_KEY: key 2") as raised:
                TestConfig.settings({"FIELD_ENCRYPTION_KEY": f"{fernet_key()},{bad}"})
            self.assertNotIn(bad, str(raised.exception))

    def test_the_same_key_twice_is_refused(self):
        key = fernet_key()
        with self.assertRaisesRegex(ConfigError, "twice"):
            TestConfig.settings({"FIELD_ENCRYPTION_KEY": f"{key},{key}"})


class TestProduction(unittest.TestCase):
    def test_a_valid_key_starts(self):
        key = fernet_key()

        self.assertEqual(production(FIELD_ENCRYPTION_KEY=key)["FIELD_ENCRYPTION_KEY"], [key])

    def test_a_missing_key_is_refused_with_how_to_make_one(self):
        for missing in (None, "", " , "):
            with self.subTest(missing=missing), self.assertRaisesRegex(ConfigError, "FIELD_ENCRYPTION_KEY is not set"):
                production(FIELD_ENCRYPTION_KEY=missing)

    def test_a_malformed_key_is_refused(self):
        with self.assertRaisesRegex(ConfigError, "FIELD_ENCRYPTION_KEY: key 1 is not a Fernet key"):
            production(FIELD_ENCRYPTION_KEY="k" * 44)

    def test_a_typed_pattern_is_refused(self):
        """A valid Fernet key that no generator makes (all zeros, a repeated word) is no secret."""
        for pattern in (bytes(32), b"k" * 32, b"secret!!" * 4):
            key = base64.urlsafe_b64encode(pattern).decode()
            with self.subTest(key=key), self.assertRaisesRegex(ConfigError, "key 1 is not random"):
                production(FIELD_ENCRYPTION_KEY=key)

    def test_each_key_of_a_printed_list_is_refused(self):
        printed = [fernet_key(), fernet_key()]
        with tempfile.TemporaryDirectory() as folder:
            example = Path(folder) / ".env.example"
            example.write_text(f"# FIELD_ENCRYPTION_KEY={','.join(printed)}\n")
            with mock.patch("config.published.EXAMPLE_ENV", example):
                for key in printed:
                    with self.subTest(key=key), self.assertRaisesRegex(ConfigError, "key 1 is a published"):
                        production(FIELD_ENCRYPTION_KEY=key)

    def test_a_key_printed_in_the_example_file_is_refused_even_as_an_old_key(self):
        printed = fernet_key()
        with tempfile.TemporaryDirectory() as folder:
            example = Path(folder) / ".env.example"
            example.write_text(f"# how to set it:\n# FIELD_ENCRYPTION_KEY={printed}\n")
            with mock.patch("config.published.EXAMPLE_ENV", example):
                for value, position in ((printed, 1), (f"{fernet_key()},{printed}", 2)):
                    with (
                        self.subTest(value=value),
                        self.assertRaisesRegex(ConfigError, f"key {position} is a published"),
                    ):
                        production(FIELD_ENCRYPTION_KEY=value)
                self.assertTrue(production(FIELD_ENCRYPTION_KEY=fernet_key()))  # an unprinted key still starts

    def test_the_example_file_marks_it_required_without_a_value(self):
        text = (Path(__file__).resolve().parents[2] / ".env.example").read_text()

        self.assertIn("# FIELD_ENCRYPTION_KEY=\n", text)
        self.assertIn("Fernet.generate_key()", text)
        before = text[: text.index("# FIELD_ENCRYPTION_KEY=")]
        self.assertIn("required", before.rsplit("capability: mfa", 1)[1])  # after its block marker
