"""Uploads against the embedded store (moto, which enforces no POST policy, so the API's own checks show).

The store's refusals (size, type, key, extra fields, expiry) are proven against SeaweedFS in
tests/integration/test_uploads_seaweedfs.py.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import requests

from app import create_app
from app.database import init_db
from app.models import QuotaUsage
from app.uploads import service
from app.uploads.models import Upload
from app.uploads.store import current_store
from config import ConfigError, DevConfig, ProductionConfig, TestConfig, uploads
from scripts.ports import free_port
from tests.test_config import PRODUCTION_ENV
from tests.views import TCBase

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(84)
FILES = {
    "image/png": PNG,
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(50),
    "image/gif": b"GIF89a" + bytes(40),
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(30),
}
HTML = b"<html><script>alert(1)</script></html>"


class UploadsBase(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.user, self.token = self.auth()
        self.other, self.other_token = self.auth()

    def grant(self, token: str | None = None, **fields: Any) -> dict[str, Any]:
        body = {"filename": "cat.png", "contentType": "image/png", "size": len(PNG), **fields}
        response = self.request("POST", "uploads", json=body, token=token or self.token)
        self.assertEqual(response.status_code, 201, response.get_data(as_text=True))
        return response.get_json()

    def post_file(self, grant: dict[str, Any], data: bytes, **overrides: str) -> requests.Response:
        """What a browser does with the grant: a multipart form, the file last."""
        fields = {**grant["uploadFields"], **overrides}
        response = requests.post(grant["uploadUrl"], data=fields, files={"file": ("cat.png", data)}, timeout=10)
        return response

    def complete(self, upload_id: str, token: str | None = None):
        return self.request("POST", f"uploads/{upload_id}/complete", token=token or self.token)

    def ready(self, token: str | None = None, content_type: str = "image/png") -> dict[str, Any]:
        data = FILES[content_type]
        grant = self.grant(token, contentType=content_type, size=len(data))
        self.assertIn(self.post_file(grant, data).status_code, (200, 201, 204))
        response = self.complete(grant["id"], token)
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        return response.get_json()

    def stored(self, upload_id: str) -> dict[str, Any] | None:
        with self.app.app_context():
            return Upload.collection().find_one({"_id": upload_id})

    def object_exists(self, key: str) -> bool:
        with self.app.app_context():
            return current_store().head(key) is not None

    def expire(self, upload_id: str) -> None:
        with self.app.app_context():
            past = datetime.now(UTC) - timedelta(minutes=10)
            Upload.collection().update_one({"_id": upload_id}, {"$set": {"expires_at": past}})

    def store_down(self) -> None:
        """Point the app at a port nothing listens on: calls to the store fail as they would in an outage."""
        self.app.config.update(
            S3_EMBEDDED=False,
            S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}",
            S3_BUCKET="uploads",
            S3_ADDRESSING_STYLE="path",
            S3_TIMEOUT_SECONDS=1,
        )
        credentials = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret"}
        patch = mock.patch.dict(os.environ, credentials)
        patch.start()
        self.addCleanup(patch.stop)

    def store_up(self) -> None:
        self.app.config.update(S3_EMBEDDED=True, S3_ENDPOINT_URL=None, S3_BUCKET=None)

    def assert_unavailable(self, response) -> None:
        self.assert_problem(response, 503)
        self.assertEqual(response.headers["Retry-After"], "5")
        self.assertNotIn("127.0.0.1", response.get_data(as_text=True))


def paged_by_one(store: Any, prefix: str):
    """The store's listing, one key a page: the purge must follow every page."""
    paginator = store._client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=store.bucket, Prefix=prefix, PaginationConfig={"PageSize": 1}):
        assert len(page.get("Contents", [])) <= 1
        for entry in page.get("Contents", []):
            yield entry["Key"], entry["LastModified"]


def policy_of(grant: dict[str, Any]) -> dict[str, Any]:
    return json.loads(base64.b64decode(grant["uploadFields"]["policy"]))


class TestGrant(UploadsBase):
    def test_grant_is_201_with_location_and_a_presigned_post_bound_to_the_declared_file(self):
        before = datetime.now(UTC)
        response = self.request(
            "POST", "uploads", json={"filename": "cat.png", "contentType": "image/png", "size": 100}, token=self.token
        )

        self.assertEqual(response.status_code, 201)
        grant = response.get_json()
        self.assertEqual(set(grant), {"id", "status", "uploadUrl", "uploadFields", "expiresAt"})
        self.assertEqual(response.headers["Location"], f"/api/v1/uploads/{grant['id']}")
        self.assertEqual(grant["status"], "pending")
        fields = grant["uploadFields"]
        self.assertEqual(fields["key"], f"pending/{grant['id']}")
        self.assertEqual(fields["Content-Type"], "image/png")
        self.assertEqual(fields["Content-Disposition"], 'attachment; filename="cat.png"')
        self.assertEqual(fields["x-amz-meta-owner"], str(self.user.id))
        policy = policy_of(grant)
        self.assertIn(["content-length-range", 100, 100], policy["conditions"])
        for name in ("Content-Type", "Content-Disposition", "x-amz-meta-owner", "key"):
            self.assertIn({name: fields[name]}, policy["conditions"])
        expires = datetime.fromisoformat(grant["expiresAt"].replace("Z", "+00:00"))
        self.assertEqual(expires, datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00")))
        self.assertTrue(timedelta(minutes=4) < expires - before <= timedelta(minutes=5, seconds=1))
        self.assertFalse(grant["uploadUrl"].startswith("http://localhost/"))  # never the API's origin

    def test_a_pending_upload_is_recorded_for_its_owner_only(self):
        grant = self.grant()

        mine = self.request("GET", f"uploads/{grant['id']}", token=self.token)
        self.assertEqual(mine.status_code, 200)
        self.assertEqual(
            mine.get_json(),
            {
                "id": grant["id"],
                "status": "pending",
                "filename": "cat.png",
                "contentType": "image/png",
                "size": len(PNG),
                "expiresAt": grant["expiresAt"],
            },
        )
        self.assert_problem(self.request("GET", f"uploads/{grant['id']}", token=self.other_token), 404)

    def test_only_raster_image_types_are_granted(self):
        for content_type in ("image/svg+xml", "text/html", "application/pdf", "text/plain", "image/PNG", ""):
            with self.subTest(content_type=content_type):
                response = self.request(
                    "POST",
                    "uploads",
                    json={"filename": "a.png", "contentType": content_type, "size": 10},
                    token=self.token,
                )

                self.assert_field_errors(response, "contentType")
        for content_type in FILES:
            with self.subTest(content_type=content_type):
                self.grant(contentType=content_type)
        with self.app.app_context():
            self.assertEqual(Upload.objects.count(), len(FILES))

    def test_sizes_outside_one_byte_to_the_limit_are_400(self):
        limit = self.app.config["UPLOAD_MAX_BYTES"]
        self.assertEqual(limit, 5 * 1024 * 1024)
        for size in (0, -1, limit + 1, "10", 1.5, None):
            with self.subTest(size=size):
                response = self.request(
                    "POST",
                    "uploads",
                    json={"filename": "a.png", "contentType": "image/png", "size": size},
                    token=self.token,
                )

                self.assert_field_errors(response, "size")
        self.assertEqual(policy_of(self.grant(size=limit))["conditions"][3], ["content-length-range", limit, limit])
        self.grant(size=1)

    def test_bad_filenames_are_400(self):
        for filename in ("", "   ", "cat\x00.png", "cat\n.png", "x" * 256, "photos/", "a\\b\\", 7):
            with self.subTest(filename=filename):
                response = self.request(
                    "POST",
                    "uploads",
                    json={"filename": filename, "contentType": "image/png", "size": 10},
                    token=self.token,
                )

                self.assert_field_errors(response, "filename")

    def test_filenames_are_sanitised_and_only_name_the_download(self):
        cases = {
            "../../etc/passwd": "passwd",
            'C:\\fakepath\\my "cat".png': "my _cat.png",
            "Ünïcödé café.gif": "Unicode cafe.gif",
            "日本.png": "file.png",
            "...": "file",
            "<script>.html": "script.html",
            "a" * 200 + ".png": "a" * 100 + ".png",
        }
        for filename, expected in cases.items():
            with self.subTest(filename=filename):
                grant = self.grant(filename=filename)  # the extension is never compared with the type

                self.assertEqual(grant["uploadFields"]["Content-Disposition"], f'attachment; filename="{expected}"')
                self.assertEqual(
                    self.request("GET", f"uploads/{grant['id']}", token=self.token).get_json()["filename"], expected
                )

    def test_body_must_be_json_with_exactly_the_documented_fields(self):
        multipart = self.client.post(
            "/api/v1/uploads",
            data={"file": (__import__("io").BytesIO(PNG), "cat.png")},
            headers={"Authorization": f"Bearer {self.token}"},
            content_type="multipart/form-data",
        )
        self.assert_problem(multipart, 415)
        self.assert_field_errors(
            self.request("POST", "uploads", json={"filename": "a.png"}, token=self.token), "contentType", "size"
        )
        extra = {"filename": "a.png", "contentType": "image/png", "size": 1, "key": "media/evil.png"}
        self.assert_field_errors(self.request("POST", "uploads", json=extra, token=self.token), "key")
        self.assert_problem(
            self.request("POST", "uploads", json={"filename": "a.png", "contentType": "image/png", "size": 1}), 401
        )
        with self.app.app_context():
            self.assertEqual(Upload.objects.count(), 0)


class LowWriteLimit(TestConfig):
    RATELIMIT_WRITE = "2 per minute"


class TestGrantThrottling(UploadsBase):
    config = LowWriteLimit

    def test_grants_are_rate_limited_per_user_like_other_writes(self):
        self.grant()
        self.grant()

        response = self.request(
            "POST", "uploads", json={"filename": "a.png", "contentType": "image/png", "size": 1}, token=self.token
        )

        self.assert_problem(response, 429)
        self.assertIn("Retry-After", response.headers)


class SmallDailyQuota(TestConfig):
    QUOTA_UPLOAD_BYTES_PER_DAY = 250


class TestUploadQuota(UploadsBase):
    config = SmallDailyQuota

    def test_declared_bytes_count_at_grant_and_the_grant_crossing_the_quota_is_429(self):
        self.grant(size=100)
        self.grant(size=100)

        response = self.request(
            "POST", "uploads", json={"filename": "a.png", "contentType": "image/png", "size": 100}, token=self.token
        )

        problem = self.assert_problem(response, 429)
        self.assertIn("QUOTA_UPLOAD_BYTES_PER_DAY", problem["detail"])
        self.assertTrue(86_300 <= int(response.headers["Retry-After"]) <= 86_400)
        self.grant(size=50)  # what is left still fits
        self.grant(token=self.other_token, size=250)  # per account
        with self.app.app_context():
            self.assertEqual(Upload.objects(owner=self.user.id).count(), 3)

    def test_deleting_an_upload_gives_nothing_back(self):
        """The bytes were accepted by the store when granted: deleting cannot be a way around the quota."""
        grant = self.grant(size=200)
        self.assertEqual(self.request("DELETE", f"uploads/{grant['id']}", token=self.token).status_code, 204)

        self.assert_problem(
            self.request(
                "POST", "uploads", json={"filename": "a.png", "contentType": "image/png", "size": 100}, token=self.token
            ),
            429,
        )


class SmallUploads(TestConfig):
    UPLOAD_MAX_BYTES = 64


class TestConfiguredLimit(UploadsBase):
    config = SmallUploads

    def test_the_limit_comes_from_upload_max_bytes(self):
        self.grant(size=64)
        response = self.request(
            "POST", "uploads", json={"filename": "a.png", "contentType": "image/png", "size": 65}, token=self.token
        )

        body = self.assert_field_errors(response, "size")
        self.assertIn("64", body["errors"][0]["message"])


class TestComplete(UploadsBase):
    def test_the_whole_path_grant_upload_complete_fetch(self):
        grant = self.grant()
        self.assertEqual(self.post_file(grant, PNG).status_code, 204)

        response = self.complete(grant["id"])

        self.assertEqual(response.status_code, 200)
        ready = response.get_json()
        self.assertEqual(
            {k: ready[k] for k in ("id", "status", "contentType", "size")},
            {"id": grant["id"], "status": "ready", "contentType": "image/png", "size": len(PNG)},
        )
        fetched = requests.get(ready["url"], timeout=10)
        self.assertEqual(fetched.content, PNG)
        self.assertTrue(fetched.headers["Content-Disposition"].startswith("attachment"))
        query = parse_qs(urlsplit(ready["url"]).query)
        self.assertEqual(query["response-content-disposition"], ['attachment; filename="cat.png"'])
        self.assertEqual(query["X-Amz-Expires"], ["600"])
        stored = self.stored(grant["id"])
        self.assertEqual(stored["key"], f"media/{grant['id']}.png")
        self.assertFalse(self.object_exists(f"pending/{grant['id']}"))
        self.assertTrue(self.object_exists(stored["key"]))

    def test_complete_is_safe_to_repeat(self):
        grant = self.grant()
        self.post_file(grant, PNG)
        first = self.complete(grant["id"]).get_json()

        again = self.complete(grant["id"])

        self.assertEqual(again.status_code, 200)
        self.assertEqual(
            {k: v for k, v in again.get_json().items() if k != "url"}, {k: v for k, v in first.items() if k != "url"}
        )

    def test_every_accepted_type_completes(self):
        for content_type in FILES:
            with self.subTest(content_type=content_type):
                ready = self.ready(content_type=content_type)

                self.assertEqual(ready["contentType"], content_type)
                self.assertEqual(requests.get(ready["url"], timeout=10).content, FILES[content_type])

    def test_nothing_uploaded_is_409_and_410_once_the_grant_expired(self):
        grant = self.grant()

        self.assertIn("uploadUrl", self.assert_problem(self.complete(grant["id"]), 409)["detail"])
        self.expire(grant["id"])
        self.assert_problem(self.complete(grant["id"]), 410)

    def test_a_file_uploaded_in_time_still_completes_after_the_grant_ended(self):
        grant = self.grant()
        self.post_file(grant, PNG)
        self.expire(grant["id"])

        self.assertEqual(self.complete(grant["id"]).status_code, 200)

    def assert_rejected(self, grant: dict[str, Any], field: str) -> None:
        """422 naming `field`, the object deleted, and the upload back to waiting for a file."""
        body = self.assert_problem(self.complete(grant["id"]), 422)
        self.assertIn(field, [error["field"] for error in body["errors"]])
        self.assertFalse(self.object_exists(grant["uploadFields"]["key"]))
        self.assert_problem(self.complete(grant["id"]), 409)
        self.assertEqual(self.stored(grant["id"])["status"], "pending")

    def test_html_sent_as_a_png_is_422_and_deleted(self):
        grant = self.grant(size=len(HTML))
        self.post_file(grant, HTML)  # the embedded store checks nothing

        self.assert_rejected(grant, "contentType")

    def test_each_signature_must_match_its_declared_type(self):
        for declared, data in (
            ("image/png", FILES["image/gif"]),
            ("image/webp", b"RIFF\x00\x00\x00\x00AVI " + bytes(8)),
        ):
            with self.subTest(declared=declared):
                grant = self.grant(contentType=declared, size=len(data))
                self.post_file(grant, data)

                self.assert_rejected(grant, "contentType")

    def test_a_size_other_than_declared_is_422(self):
        grant = self.grant()
        self.post_file(grant, PNG + b"more")

        self.assert_rejected(grant, "size")

    def test_a_type_other_than_declared_recorded_by_the_store_is_422(self):
        grant = self.grant()
        self.post_file(grant, PNG, **{"Content-Type": "text/html"})

        self.assert_rejected(grant, "contentType")

    def test_an_object_without_the_owners_metadata_is_422(self):
        grant = self.grant()
        self.post_file(grant, PNG, **{"x-amz-meta-owner": str(self.other.id)})

        self.assert_rejected(grant, "owner")

    def test_another_users_upload_is_404_and_untouched(self):
        grant = self.grant()
        self.post_file(grant, PNG)

        self.assert_problem(self.complete(grant["id"], token=self.other_token), 404)
        self.assertEqual(self.stored(grant["id"])["status"], "pending")
        self.assertTrue(self.object_exists(grant["uploadFields"]["key"]))

    def test_unknown_and_malformed_ids_are_404(self):
        for upload_id in (str(uuid.uuid4()), "not-a-uuid", "%24where"):
            with self.subTest(upload_id=upload_id):
                self.assert_problem(self.complete(upload_id), 404)
                self.assert_problem(self.request("GET", f"uploads/{upload_id}", token=self.token), 404)
                self.assert_problem(self.request("DELETE", f"uploads/{upload_id}", token=self.token), 404)

    def test_store_unreachable_is_503_with_retry_after_and_recovers(self):
        grant = self.grant()
        self.post_file(grant, PNG)
        self.store_down()

        self.assert_unavailable(self.complete(grant["id"]))
        self.assertEqual(self.stored(grant["id"])["status"], "pending")
        self.store_up()
        self.assertEqual(self.complete(grant["id"]).status_code, 200)


class TestSwapAtCompletion(UploadsBase):
    def test_a_file_swapped_after_it_was_checked_is_409_and_nothing_is_copied(self):
        """The grant lets its holder post to the pending key again: what is copied must be what was checked.

        moto honours If-Match on reads, not CopySourceIfMatch; the swap between the last read and the copy
        is proven against SeaweedFS (tests/integration/test_uploads_seaweedfs.py).
        """
        grant = self.grant()
        self.assertEqual(self.post_file(grant, PNG).status_code, 204)
        swapped = b"\x89PNG\r\n\x1a\n" + bytes(len(PNG) - 9) + b"!"  # the same size, other bytes
        with self.app.app_context():
            store = current_store()
        checked = store.head

        def head_then_swap(key: str):
            found = checked(key)
            self.post_file(grant, swapped)  # between the check of what is stored and the reads after it
            return found

        with mock.patch.object(store, "head", side_effect=head_then_swap):
            problem = self.assert_problem(self.complete(grant["id"]), 409)

        self.assertIn("replaced", problem["detail"])
        self.assertFalse(self.object_exists(f"media/{grant['id']}.png"))
        self.assertEqual(self.stored(grant["id"])["status"], "pending")
        self.assertEqual(self.complete(grant["id"]).status_code, 200)  # completing again checks the new file

    def test_the_copy_names_the_version_that_was_checked(self):
        grant = self.grant()
        self.post_file(grant, PNG)
        with self.app.app_context():
            store = current_store()
            etag = store.head(grant["uploadFields"]["key"]).etag

        with mock.patch.object(store, "copy", wraps=store.copy) as copy:
            self.assertEqual(self.complete(grant["id"]).status_code, 200)

        self.assertEqual(copy.call_args.kwargs["etag"], etag)
        self.assertTrue(etag)


class TestReadAndDelete(UploadsBase):
    def test_ready_upload_shows_its_url(self):
        ready = self.ready()

        shown = self.request("GET", f"uploads/{ready['id']}", token=self.token).get_json()

        self.assertEqual(set(shown), {"id", "status", "filename", "contentType", "size", "url"})
        self.assertEqual(requests.get(shown["url"], timeout=10).content, PNG)

    def test_delete_is_204_and_removes_record_and_object(self):
        ready = self.ready()
        key = self.stored(ready["id"])["key"]

        self.assertEqual(self.request("DELETE", f"uploads/{ready['id']}", token=self.token).status_code, 204)

        self.assertIsNone(self.stored(ready["id"]))
        self.assertFalse(self.object_exists(key))
        self.assert_problem(self.request("GET", f"uploads/{ready['id']}", token=self.token), 404)

    def test_a_pending_upload_can_be_deleted_too(self):
        grant = self.grant()
        self.post_file(grant, PNG)

        self.assertEqual(self.request("DELETE", f"uploads/{grant['id']}", token=self.token).status_code, 204)

        self.assertFalse(self.object_exists(grant["uploadFields"]["key"]))

    def test_another_users_delete_is_404_and_nothing_is_removed(self):
        ready = self.ready()

        self.assert_problem(self.request("DELETE", f"uploads/{ready['id']}", token=self.other_token), 404)

        self.assertTrue(self.object_exists(self.stored(ready["id"])["key"]))

    def test_delete_while_the_store_is_down_is_503_and_the_upload_stays(self):
        ready = self.ready()
        self.store_down()

        self.assert_unavailable(self.request("DELETE", f"uploads/{ready['id']}", token=self.token))

        self.store_up()
        self.assertEqual(self.request("GET", f"uploads/{ready['id']}", token=self.token).get_json()["status"], "ready")


class CdnConfig(TestConfig):
    MEDIA_BASE_URL = "https://cdn.example.com/"


class TestCdnUrls(UploadsBase):
    config = CdnConfig

    def test_urls_are_the_cdn_base_and_the_key(self):
        ready = self.ready()

        self.assertEqual(ready["url"], f"https://cdn.example.com/media/{ready['id']}.png")


class TestPublicEndpoint(UploadsBase):
    def test_urls_are_signed_for_the_public_endpoint_when_it_differs(self):
        with self.app.app_context():
            endpoint = current_store().settings.endpoint_url
        public = endpoint.replace("127.0.0.1", "localhost")
        self.app.config.update(
            S3_EMBEDDED=False,
            S3_ENDPOINT_URL=endpoint,
            S3_PUBLIC_ENDPOINT_URL=public,
            S3_BUCKET="uploads",
            S3_ADDRESSING_STYLE="path",
        )
        with mock.patch.dict(os.environ, {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}):
            grant = self.grant()
            self.assertTrue(grant["uploadUrl"].startswith(public))
            self.assertEqual(self.post_file(grant, PNG).status_code, 204)
            ready = self.complete(grant["id"]).get_json()

        self.assertTrue(ready["url"].startswith(public), ready["url"])
        self.assertEqual(requests.get(ready["url"], timeout=10).content, PNG)


class TestPurge(UploadsBase):
    def purge(self, *args: str):
        return self.app.test_cli_runner().invoke(args=["purge-uploads", *args])

    def test_purge_removes_expired_pending_uploads_and_their_objects_only(self):
        expired = self.grant()
        self.post_file(expired, PNG)
        self.expire(expired["id"])
        fresh = self.grant()
        ready = self.ready()

        result = self.purge("--grace-seconds", "0")

        self.assertEqual(result.exit_code, 0, result.output)
        self.assertIn("Purged 1 uploads", result.output)
        self.assertIsNone(self.stored(expired["id"]))
        self.assertFalse(self.object_exists(expired["uploadFields"]["key"]))
        self.assertEqual(self.stored(fresh["id"])["status"], "pending")
        self.assertEqual(self.stored(ready["id"])["status"], "ready")

    def test_objects_under_pending_that_no_pending_upload_owns_are_deleted_once_older_than_a_grant(self):
        completed = self.grant()
        self.post_file(completed, PNG)
        self.assertEqual(self.complete(completed["id"]).status_code, 200)
        stray = completed["uploadFields"]["key"]
        self.assertEqual(self.post_file(completed, PNG).status_code, 204)  # the grant is still good after completion
        waiting = self.grant()
        self.post_file(waiting, PNG)

        # The embedded store lives as long as the process: other tests' objects may be there too.
        with self.app.app_context():
            service.purge_stray_objects(3600)  # younger than that: left alone
            self.assertTrue(self.object_exists(stray))
            self.assertGreaterEqual(service.purge_stray_objects(0), 1)

        self.assertFalse(self.object_exists(stray))
        self.assertTrue(self.object_exists(waiting["uploadFields"]["key"]))  # owned by a pending upload
        self.assertTrue(self.object_exists(f"media/{completed['id']}.png"))
        self.assertEqual(self.complete(waiting["id"]).status_code, 200)

    def test_the_command_reports_stray_objects_and_lists_them_page_by_page(self):
        grants = [self.grant() for _ in range(3)]
        for grant in grants:
            self.post_file(grant, PNG)
        with self.app.app_context():
            Upload.objects(id__in=[g["id"] for g in grants]).delete()  # as if their records were gone
        self.app.config["UPLOAD_GRANT_SECONDS"] = 1
        time.sleep(1.1)

        with mock.patch("app.uploads.s3.ObjectStore.list_keys", autospec=True, side_effect=paged_by_one):
            result = self.purge()

        self.assertEqual(result.exit_code, 0, result.output)
        self.assertRegex(result.output, r"and ([3-9]|\d\d+) stray objects")  # other tests' may be there too
        for grant in grants:
            self.assertFalse(self.object_exists(grant["uploadFields"]["key"]))

    def test_the_default_grace_keeps_recently_expired_uploads(self):
        grant = self.grant()
        self.expire(grant["id"])  # ten minutes ago

        self.assertIn("Purged 0 uploads", self.purge().output)
        self.assertIsNotNone(self.stored(grant["id"]))

    def test_with_the_store_down_it_fails_and_removes_nothing(self):
        grant = self.grant()
        self.expire(grant["id"])
        self.store_down()

        result = self.purge("--grace-seconds", "0")

        self.assertNotEqual(result.exit_code, 0)
        self.assertIn("unavailable", result.output)
        self.assertIsNotNone(self.stored(grant["id"]))

    # capability: posts
    def test_deletions_the_store_missed_are_finished_by_the_purge(self):
        post = self.request(
            "POST", "posts", json={"title": "t", "body": "b", "attachments": [self.ready()["id"]]}, token=self.token
        )
        upload_id = post.get_json()["attachments"][0]["id"]
        key = self.stored(upload_id)["key"]
        self.store_down()

        self.assertEqual(self.request("DELETE", f"posts/{post.get_json()['id']}", token=self.token).status_code, 204)
        self.assertEqual(self.stored(upload_id)["status"], "deleting")
        self.assert_problem(self.request("GET", f"uploads/{upload_id}", token=self.token), 404)
        self.store_up()
        self.assertTrue(self.object_exists(key))

        self.assertIn("Purged 1 uploads", self.purge().output)

        self.assertIsNone(self.stored(upload_id))
        self.assertFalse(self.object_exists(key))

    # end capability: posts


class TestStorageConfig(TCBase):
    def test_production_refuses_to_start_without_a_bucket(self):
        def production(environ: dict[str, str]) -> dict:
            values = {**DevConfig.settings(environ)}  # the section's own inputs, then its production check
            uploads.check(values, production=True)
            return values

        with self.assertRaisesRegex(ConfigError, "S3_BUCKET is not set"):
            production({})
        with self.assertRaisesRegex(ConfigError, "S3_BUCKET is not set"):
            production({"S3_ENDPOINT_URL": "https://s3.example.com"})
        self.assertFalse(production({"S3_BUCKET": "media"})["S3_EMBEDDED"])  # unset endpoint: AWS itself
        self.assertIs(ProductionConfig.ALLOW_EMBEDDED_DB, False)  # what makes Config.settings pass production=True

    def test_development_uses_the_embedded_store_only_when_nothing_names_a_store(self):
        self.assertTrue(DevConfig.settings({})["S3_EMBEDDED"])
        self.assertTrue(DevConfig.settings({"S3_ENDPOINT_URL": " ", "S3_BUCKET": ""})["S3_EMBEDDED"])
        self.assertFalse(DevConfig.settings({"S3_BUCKET": "media"})["S3_EMBEDDED"])

    def test_each_bad_setting_is_refused_by_name(self):
        cases = [
            ({"S3_ENDPOINT_URL": "http://127.0.0.1:8333"}, "S3_BUCKET"),
            ({"S3_ENDPOINT_URL": "ftp://x", "S3_BUCKET": "b"}, "S3_ENDPOINT_URL"),
            ({"S3_PUBLIC_ENDPOINT_URL": "localhost:9000"}, "S3_PUBLIC_ENDPOINT_URL"),
            ({"MEDIA_BASE_URL": "cdn.example.com"}, "MEDIA_BASE_URL"),
            ({"S3_ADDRESSING_STYLE": "auto"}, "S3_ADDRESSING_STYLE"),
            ({"UPLOAD_MAX_BYTES": "0"}, "UPLOAD_MAX_BYTES"),
            ({"UPLOAD_MAX_BYTES": "many"}, "UPLOAD_MAX_BYTES"),
            ({"UPLOAD_GRANT_SECONDS": "0"}, "UPLOAD_GRANT_SECONDS"),
            ({"MEDIA_URL_SECONDS": "999999999"}, "MEDIA_URL_SECONDS"),
            ({"S3_TIMEOUT_SECONDS": "0"}, "S3_TIMEOUT_SECONDS"),
        ]
        for environ, name in cases:
            with self.subTest(environ=environ), self.assertRaisesRegex(ConfigError, name):
                DevConfig.settings(environ)
        self.assertEqual(
            DevConfig.settings({"MEDIA_BASE_URL": "https://cdn.example.com/"})["MEDIA_BASE_URL"],
            "https://cdn.example.com",
        )

    def test_production_with_a_bucket_and_no_credentials_refuses_to_start_naming_aws_access_key_id(self):
        """boto3's chain finds nothing: not in the environment, no files, and the instance metadata service is
        not asked (the check must not wait on the network: any connection fails this test)."""
        environ = {
            **{k: v for k, v in PRODUCTION_ENV.items() if not k.startswith("AWS_")},
            "AWS_CONFIG_FILE": "/nonexistent/aws-config",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        }
        no_network = mock.patch("socket.socket.connect", side_effect=AssertionError("the check used the network"))
        with mock.patch.dict(os.environ, environ, clear=True), no_network:
            with self.assertRaisesRegex(ConfigError, "AWS_ACCESS_KEY_ID"):
                create_app("production")
            os.environ.update(AWS_ACCESS_KEY_ID="key", AWS_SECRET_ACCESS_KEY="secret")
            app = create_app("production")  # the same environment with credentials starts
        self.assertEqual(app.config["S3_BUCKET"], "uploads")
        init_db(self.app)  # the production app took the default connection: give the test's back

    def test_missing_credentials_at_request_time_are_503_and_spend_no_quota(self):
        with self.app.app_context():
            endpoint = current_store().settings.endpoint_url
        self.app.config.update(
            S3_EMBEDDED=False, S3_ENDPOINT_URL=endpoint, S3_BUCKET="uploads", S3_ADDRESSING_STYLE="path"
        )
        _, token = self.auth()
        environ = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            "AWS_CONFIG_FILE": "/nonexistent/aws-config",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        with mock.patch.dict(os.environ, environ, clear=True):
            response = self.request(
                "POST", "uploads", json={"filename": "a.png", "contentType": "image/png", "size": 10}, token=token
            )

        self.assert_problem(response, 503)
        self.assertEqual(response.headers["Retry-After"], "5")
        with self.app.app_context():
            self.assertEqual(Upload.objects.count(), 0)
            self.assertEqual(QuotaUsage.objects.count(), 0)

    def test_building_the_app_starts_no_store(self):
        """The reloader's watcher process builds the app but never serves: only first use starts the store."""
        code = (
            "from app import create_app\n"
            "create_app('test')\n"
            "import app.uploads.embedded as embedded\n"
            "assert embedded._server is None\n"
        )
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "APP_CONFIG"))}
        result = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, timeout=60, check=False)

        self.assertEqual(result.returncode, 0, result.stderr.decode()[-2000:])
