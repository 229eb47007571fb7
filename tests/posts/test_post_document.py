"""`new_post_document`: what the create path inserts is what the model would store, and the model accepts it.

The create path skips building a MongoEngine document (it validates the body against the documented schema
instead); these tests are what makes that safe: any drift between the model and the raw document fails here.
"""

from __future__ import annotations

import unittest
import uuid

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.errors import BadRequest
from app.models import User
from app.posts.docs import POST_CREATE
from app.posts.models import STATUSES, Post, new_post_document, normalise_tags
from app.text import trim
from app.validation import validate
from tests.views import TCBase


def stored_by_model(raw: dict) -> dict:
    """What `Post(...).save()` would store for the same values, ids and stamps taken from `raw`."""
    author = User(id=uuid.UUID(raw["author"]), email="a@example.com", display_name="A")
    post = Post(
        id=uuid.UUID(raw["_id"]),
        created_at=raw["created_at"],
        updated_at=raw["updated_at"],
        author=author,
        title=raw["title"],
        body=raw["body"],
        tags=raw["tags"],
        status=raw["status"],
        attachments=raw["attachments"],  # capability: uploads
    )
    return post.to_mongo().to_dict()


def from_body(body: dict, author: str) -> dict:
    """The document the create view builds from a schema-valid body."""
    return new_post_document(
        author=author,
        title=trim(body["title"]),
        body=body["body"],
        tags=normalise_tags(body.get("tags", [])),
        status=body.get("status", "draft"),
    )


def schema_valid(body: dict) -> bool:
    try:
        validate(body, POST_CREATE)
    except BadRequest:
        return False
    return True


bodies = st.fixed_dictionaries(
    {"title": st.text(max_size=210), "body": st.text(min_size=0, max_size=300)},
    optional={
        "tags": st.lists(st.text(max_size=34), max_size=12),
        "status": st.sampled_from([*STATUSES, "archived"]),
    },
)


class TestNewPostDocument(unittest.TestCase):
    def test_same_fields_and_values_as_the_model_stores(self):
        author = str(uuid.uuid4())
        cases = [
            {"title": "  A title  ", "body": "Text", "tags": [" Flask ", "flask", "API"], "status": "published"},
            {"title": "Only required", "body": "x"},
        ]
        for body in cases:
            with self.subTest(body=body):
                raw = from_body(body, author)
                self.assertEqual(raw, stored_by_model(raw))
                self.assertEqual(list(raw), list(stored_by_model(raw)))  # the same field order, too
                self.assertEqual(uuid.UUID(raw["_id"]).version, 4)
                self.assertEqual(raw["created_at"], raw["updated_at"])
                self.assertEqual(raw["created_at"].microsecond % 1000, 0)  # milliseconds, as MongoDB keeps them

    @settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(bodies)
    def test_the_model_accepts_every_document_built_from_a_schema_valid_body(self, body: dict):
        assume(schema_valid(body))
        raw = from_body(body, str(uuid.uuid4()))
        Post._from_son(raw).validate()  # raises ValidationError if the schema admitted what the model refuses
        self.assertEqual(raw, stored_by_model(raw))


class TestCreateStoresTheDocument(TCBase):
    def test_a_created_post_reads_back_through_the_model(self):
        _, token = self.auth()
        response = self.request("post", "posts", {"title": " Hello ", "body": "World", "tags": ["B", "b"]}, token)
        self.assertEqual(response.status_code, 201, response.json)
        with self.app.app_context():
            post = Post.objects.get(id=response.json["id"])
            post.validate()
            self.assertEqual((post.title, post.tags, post.status, post.version), ("Hello", ["b"], "draft", 1))
            stored = Post.collection().find_one({"_id": response.json["id"]})
            self.assertEqual(stored["author"], response.json["author"])
            self.assertEqual(post.created_at, post.updated_at)
