"""The compose stack is closed by default: passwords and credentials required, backing services on loopback only."""

from __future__ import annotations

import re
import unittest
from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


class TestComposeIsClosed(unittest.TestCase):
    def setUp(self) -> None:
        self.text = COMPOSE.read_text()
        self.stack = yaml.safe_load(self.text)
        self.services = self.stack["services"]

    def test_no_backing_service_is_published_beyond_loopback(self):
        for name, service in self.services.items():
            if name == "app":
                continue
            for port in service.get("ports", []):
                with self.subTest(service=name, port=port):
                    self.assertTrue(str(port).startswith("127.0.0.1:"), port)

    def test_redis_requires_a_password_and_every_url_carries_it(self):
        command = self.services["redis"]["command"]

        self.assertIn("--requirepass", command)
        self.assertIn("${REDIS_PASSWORD:?", command[command.index("--requirepass") + 1])
        environment = self.services["app"]["environment"]
        names = ["RATELIMIT_STORAGE_URI"]
        names.append("REDIS_URL")  # capability: jobs
        for name in names:
            with self.subTest(name=name):
                self.assertRegex(environment[name], r"^redis://:\$\{REDIS_PASSWORD:\?[^}]*\}@redis:6379/\d$")

    # capability: uploads
    def test_the_store_refuses_anonymous_requests_with_credentials_from_the_environment(self):
        self.assertIn("-s3.config=/etc/seaweedfs/s3.json", self.services["s3"]["command"])
        self.assertEqual(self.services["s3"]["configs"][0]["target"], "/etc/seaweedfs/s3.json")
        identities = self.stack["configs"]["s3-identities"]["content"]
        self.assertIn("${AWS_ACCESS_KEY_ID:?", identities)
        self.assertIn("${AWS_SECRET_ACCESS_KEY:?", identities)

    # end capability: uploads

    def test_no_secret_has_a_default(self):
        names = ["SECRET_KEY", "JWT_SECRET_KEY", "REDIS_PASSWORD"]
        names += ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]  # capability: uploads
        names.append("FIELD_ENCRYPTION_KEY")  # capability: mfa
        for name in names:
            with self.subTest(name=name):
                self.assertNotRegex(self.text, rf"\$\{{{name}:-")
                self.assertRegex(self.text, rf"\$\{{{name}:\?")
        self.assertFalse(re.search(r"local-secret", self.text))
