"""Post attachments: posts show their author's ready uploads (goes with posts, or with uploads: posts' USES)."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from tests.uploads.test_uploads import PNG, UploadsBase


class TestAttachments(UploadsBase):
    def create_post(self, token: str | None = None, **fields: Any):
        body = {"title": "With pictures", "body": "See below.", "status": "published", **fields}
        return self.request("POST", "posts", json=body, token=token or self.token)

    def test_posts_show_their_attachments_everywhere(self):
        first, second = self.ready(), self.ready(content_type="image/gif")

        response = self.create_post(attachments=[second["id"], first["id"]])

        self.assertEqual(response.status_code, 201, response.get_data(as_text=True))
        post = response.get_json()
        self.assertEqual([a["id"] for a in post["attachments"]], [second["id"], first["id"]])
        self.assertEqual(set(post["attachments"][0]), {"id", "contentType", "size", "url"})
        self.assertEqual(post["attachments"][1]["contentType"], "image/png")
        for shown in (
            self.request("GET", f"posts/{post['id']}").get_json(),
            self.request("GET", "posts").get_json()["items"][0],
            self.request("GET", "me/posts", token=self.token).get_json()["items"][0],
        ):
            self.assertEqual([a["id"] for a in shown["attachments"]], [second["id"], first["id"]])
        self.assertEqual(requests.get(post["attachments"][1]["url"], timeout=10).content, PNG)

    def test_posts_without_attachments_show_an_empty_list(self):
        self.assertEqual(self.create_post().get_json()["attachments"], [])

    def test_unusable_uploads_are_400_naming_each_and_nothing_is_claimed(self):
        good = self.ready()
        pending = self.grant()
        foreign = self.ready(token=self.other_token)
        unknown = str(uuid.uuid4())

        response = self.create_post(attachments=[good["id"], unknown, foreign["id"], pending["id"]])

        body = self.assert_field_errors(response, "attachments.1", "attachments.2", "attachments.3")
        for upload_id in (unknown, foreign["id"], pending["id"]):
            self.assertIn(upload_id, body["detail"])
        self.assertIsNone(self.stored(good["id"])["post"])
        self.assertEqual(self.request("GET", "me/posts", token=self.token).get_json()["items"], [])

    def test_at_most_ten_distinct_uuids(self):
        ids = [str(uuid.uuid4()) for _ in range(11)]
        self.assert_field_errors(self.create_post(attachments=ids), "attachments")
        self.assert_field_errors(self.create_post(attachments=[ids[0], ids[0]]), "attachments")
        self.assert_field_errors(self.create_post(attachments=["nope"]), "attachments.0")

    def test_an_upload_shows_in_one_post_only_and_cannot_be_deleted_while_it_does(self):
        upload = self.ready()
        post = self.create_post(attachments=[upload["id"]]).get_json()

        body = self.assert_field_errors(self.create_post(attachments=[upload["id"]]), "attachments.0")
        self.assertIn("another post", body["detail"])
        self.assert_problem(self.request("DELETE", f"uploads/{upload['id']}", token=self.token), 409)
        self.assertEqual(self.stored(upload["id"])["post"], post["id"])

    def test_update_replaces_the_list_and_releases_what_it_drops(self):
        old, new = self.ready(), self.ready()
        post = self.create_post(attachments=[old["id"]]).get_json()

        response = self.request("PATCH", f"posts/{post['id']}", json={"attachments": [new["id"]]}, token=self.token)

        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        self.assertEqual([a["id"] for a in response.get_json()["attachments"]], [new["id"]])
        self.assertEqual(self.request("DELETE", f"uploads/{old['id']}", token=self.token).status_code, 204)
        self.assert_problem(self.request("DELETE", f"uploads/{new['id']}", token=self.token), 409)
        cleared = self.request("PATCH", f"posts/{post['id']}", json={"attachments": []}, token=self.token)
        self.assertEqual(cleared.get_json()["attachments"], [])
        self.assertIsNone(self.stored(new["id"])["post"])

    def test_an_update_without_attachments_leaves_them_alone(self):
        upload = self.ready()
        post = self.create_post(attachments=[upload["id"]]).get_json()

        response = self.request("PATCH", f"posts/{post['id']}", json={"title": "Renamed"}, token=self.token)

        self.assertEqual([a["id"] for a in response.get_json()["attachments"]], [upload["id"]])

    def test_a_failed_conditional_update_claims_nothing(self):
        post = self.create_post().get_json()
        upload = self.ready()

        response = self.request(
            "PATCH",
            f"posts/{post['id']}",
            json={"attachments": [upload["id"]]},
            token=self.token,
            headers={"If-Match": '"v9"'},
        )

        self.assert_problem(response, 412)
        self.assertIsNone(self.stored(upload["id"])["post"])

    def test_attachments_must_be_the_authors_even_when_an_admin_edits(self):
        _, admin_token = self.auth(role="admin")
        post = self.create_post().get_json()
        admins = self.ready(token=admin_token)
        authors = self.ready()

        self.assert_field_errors(
            self.request("PATCH", f"posts/{post['id']}", json={"attachments": [admins["id"]]}, token=admin_token),
            "attachments.0",
        )
        response = self.request(
            "PATCH", f"posts/{post['id']}", json={"attachments": [authors["id"]]}, token=admin_token
        )
        self.assertEqual(response.status_code, 200)

    def test_deleting_a_post_deletes_its_uploads_and_objects(self):
        kept, shown = self.ready(), self.ready()
        post = self.create_post(attachments=[shown["id"]]).get_json()
        key = self.stored(shown["id"])["key"]

        self.assertEqual(self.request("DELETE", f"posts/{post['id']}", token=self.token).status_code, 204)

        self.assertIsNone(self.stored(shown["id"]))
        self.assertFalse(self.object_exists(key))
        self.assertEqual(self.stored(kept["id"])["status"], "ready")

    def test_deleting_an_account_deletes_its_uploads_and_objects(self):
        shown, loose, pending = self.ready(), self.ready(), self.grant()
        self.post_file(pending, PNG)
        self.create_post(attachments=[shown["id"]])
        others = self.ready(token=self.other_token)
        keys = [self.stored(u["id"])["key"] for u in (shown, loose, pending)]

        response = self.request("DELETE", "me", json={"password": "correct horse battery"}, token=self.token)

        self.assertEqual(response.status_code, 204)
        for upload, key in zip((shown, loose, pending), keys, strict=True):
            self.assertIsNone(self.stored(upload["id"]))
            self.assertFalse(self.object_exists(key))
        self.assertEqual(self.stored(others["id"])["status"], "ready")
