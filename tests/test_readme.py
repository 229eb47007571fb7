"""What the README promises exists: every `make` target it names, every file it links, nothing outside the repo."""

from __future__ import annotations

import re
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()


def targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z0-9-]*):", MAKEFILE, re.MULTILINE))


class TestReadme(unittest.TestCase):
    def test_every_make_target_it_names_exists(self):
        named = set(re.findall(r"(?:^|`)make ([a-z][a-z0-9-]*)", README, re.MULTILINE))

        self.assertTrue({"run", "test", "bench", "worker", "new-resource"} <= named, named)
        self.assertEqual(named - targets(), set())

    def test_the_two_commands_come_first(self):
        first_block = README.split("```", 2)[1]
        self.assertEqual(re.findall(r"^make (\w+)", first_block, re.MULTILINE), ["run", "test"])

    def test_every_linked_file_is_in_the_repository(self):
        links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
        self.assertTrue(links)
        for link in links:
            if not link.startswith(("http://", "https://")):
                with self.subTest(link=link):
                    self.assertTrue((ROOT / link).exists())

    def test_nothing_points_outside_the_clone(self):
        self.assertNotIn("../shared", README)
        for page in (ROOT / "docs").glob("*.md"):
            with self.subTest(page=page.name):
                self.assertNotIn("../shared", page.read_text())
