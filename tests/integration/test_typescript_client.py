"""The TypeScript client: generated from the spec, compiled under `tsc --strict`, driving the app over HTTP.

The app runs as `make serve` runs it (gunicorn, production config, nx-27017 and redis-server); the client is
generated as `make client` generates it (its own npm scripts), in a copy of clients/typescript so the checkout
is left alone. Without Node.js or the client's tools (`npm ci`, which `make test` runs) the test is skipped,
and fails where REQUIRE_NODE is set (CI).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

from scripts.openapi_spec import spec_text
from tests.integration.servers import NODE, ROOT, ServersTestCase, free_port

CLIENT_DIR = ROOT / "clients" / "typescript"
NPM = shutil.which("npm")
# The package as git has it: what `make client` starts from in a fresh clone.
SOURCES = ("package.json", "package-lock.json", "openapi-ts.config.ts", "tsconfig.json", "tsconfig.examples.json")
SOURCE_DIRS = ("src", "examples")


def client_tools_missing() -> str | None:
    """Why the client cannot be generated here (no Node.js or npm, or `npm ci` not run), or None."""
    if not NODE or not NPM:
        return "Node.js 20.19+ and npm (apt-get install nodejs npm)"
    if not (CLIENT_DIR / "node_modules" / "@hey-api" / "openapi-ts" / "package.json").exists():
        return "the client's tools (cd clients/typescript && npm ci; `make test` does it)"
    return None


def readme_example() -> str:
    """The TypeScript blocks of the client's README, as one module: they must compile as they are shown."""
    blocks = re.findall(r"```ts\n(.*?)```", (CLIENT_DIR / "README.md").read_text(), re.DOTALL)
    assert blocks, "clients/typescript/README.md shows no TypeScript"
    return "\n".join(blocks)


class TestTypeScriptClient(ServersTestCase):
    needs_mongo_standin = True

    def setUp(self) -> None:
        super().setUp()
        missing = client_tools_missing()
        if missing:
            self.require("REQUIRE_NODE", missing)
        self.package = self.copy_of_the_package()
        mongo_port = free_port()
        self.start_mongo_standin(mongo_port, self.temp_dir() / "client.sqlite")
        self.port = self.start_app(self.production_env(f"mongodb://127.0.0.1:{mongo_port}/app", self.start_redis()))

    def copy_of_the_package(self) -> Path:
        """clients/typescript as committed (no generated `src/client`), its installed tools linked, the README's
        example added."""
        package = self.temp_dir() / "typescript"
        package.mkdir()
        for name in SOURCES:
            shutil.copy2(CLIENT_DIR / name, package / name)
        for name in SOURCE_DIRS:
            shutil.copytree(CLIENT_DIR / name, package / name, ignore=shutil.ignore_patterns("client"))
        (package / "node_modules").symlink_to(CLIENT_DIR / "node_modules", target_is_directory=True)
        (package / "examples" / "readme.ts").write_text(readme_example())
        return package

    def npm(self, *args: str) -> str:
        """Run one of the package's npm scripts; its output, or the test fails with it."""
        result = subprocess.run(
            [NPM or "npm", "run", "--silent", *args],
            cwd=self.package,
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertEqual(result.returncode, 0, f"npm run {' '.join(args)}:\n{result.stdout[-4000:]}{result.stderr}")
        return result.stdout

    def flow(self) -> dict[str, Any]:
        """Generate, compile strictly, and run examples/flow.ts against the live app; what it saw."""
        (self.package / "openapi.json").write_text(spec_text())
        self.npm("generate")
        self.npm("build")  # tsc -p tsconfig.json: strict, declarations
        email = f"ts-{uuid.uuid4().hex[:12]}@example.com"
        output = self.npm("example", "--", f"http://127.0.0.1:{self.port}", email)  # README example compiled too
        self.email = email
        return json.loads(output.strip().splitlines()[-1])

    def test_the_generated_client_compiles_strictly_and_drives_the_whole_flow(self):
        seen = self.flow()

        self.assertEqual(seen["signedUp"], {"email": self.email, "emailVerified": False})
        self.assertEqual((seen["tokenType"], seen["me"]), ("Bearer", self.email))
        self.assertEqual(seen["wrongPassword"]["status"], 401)
        self.assertEqual(seen["wrongPassword"]["problem"]["status"], 401)
        # capability: posts
        created = seen["created"]
        self.assertEqual((created["version"], created["status"], created["etag"]), (1, "draft", '"v1"'))
        self.assertEqual(seen["listed"], {"ids": [created["id"]], "total": 1})
        self.assertEqual(seen["changed"], {"title": "Changed", "version": 2})
        refused = seen["refused"]
        self.assertEqual(refused["status"], 412)
        problem = refused["problem"]
        self.assertEqual((problem["status"], problem["title"]), (412, "Precondition Failed"))
        self.assertEqual(problem["requestId"], refused["requestIdHeader"])
        self.assertEqual(seen["deleted"], {"status": 204, "contentType": None})
        self.assertEqual(seen["gone"], {"status": 404, "title": "Not Found"})
        # end capability: posts
        self.assertTrue((self.package / "dist" / "index.d.ts").exists())
