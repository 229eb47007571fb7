"""scripts/system_deps.sh: what `make test` says on a machine without the system packages the suite drives."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "system_deps.sh"
# What the script itself runs; everything else is left off PATH, as on a fresh machine.
SHELL_TOOLS = ("bash", "env", "sort", "paste")


class TestSystemDeps(unittest.TestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.bin = Path(folder.name)
        for tool in SHELL_TOOLS:
            found = shutil.which(tool)
            self.assertIsNotNone(found, tool)
            (self.bin / tool).symlink_to(found)
        # Not root: the script must name what is missing rather than install it.
        self.fake("id", "echo 1000")

    def fake(self, name: str, body: str) -> None:
        path = self.bin / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)

    def run_script(self, *tools: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "bash"), str(SCRIPT), *tools],
            env={"PATH": str(self.bin)},
            capture_output=True,
            text=True,
            timeout=30,
        )

    def test_names_every_missing_package_and_the_command_before_failing(self):
        result = self.run_script()

        self.assertEqual(result.returncode, 1)
        for package in ("redis-server", "chromium", "nodejs", "npm"):
            self.assertRegex(result.stderr, rf"(?m)^  {package} ")
        self.assertIn("sudo apt-get install chromium nodejs npm redis-server\n", result.stderr)

    def test_a_node_older_than_20_is_missing_too(self):
        for tool in ("redis-server", "chromium", "npm"):
            self.fake(tool, "exit 0")
        self.fake("node", 'case "$1" in -p) echo 18 ;; --version) echo v18.19.0 ;; esac')

        result = self.run_script()

        self.assertEqual(result.returncode, 1)
        self.assertIn("nodejs", result.stderr)
        self.assertIn("found v18.19.0, too old", result.stderr)
        self.assertIn("sudo apt-get install nodejs\n", result.stderr)

    def test_passes_silently_when_everything_is_there(self):
        for tool in ("redis-server", "chromium-browser", "npm"):
            self.fake(tool, "exit 0")
        self.fake("node", "echo 20")

        result = self.run_script()

        self.assertEqual((result.returncode, result.stderr), (0, ""))

    def test_checks_the_tools_it_is_given(self):
        self.fake("wrk", "exit 0")

        result = self.run_script("wrk", "taskset")

        self.assertEqual(result.returncode, 1)
        self.assertIn("sudo apt-get install util-linux\n", result.stderr)
