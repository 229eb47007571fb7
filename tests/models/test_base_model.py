"""`BaseDocument`: UUID4 ids and UTC timestamps kept by saves and by the queryset update helpers."""

from __future__ import annotations

import time
import uuid
from datetime import UTC
from typing import ClassVar

from mongoengine import IntField

from app.database import document_classes
from app.models.base import BaseDocument
from tests.views import TCBase


class Counter(BaseDocument):
    meta: ClassVar[dict] = {"collection": "base_model_counters"}
    value = IntField(default=0)


class TestBaseDocument(TCBase):
    def test_id_is_a_uuid4_primary_key(self):
        with self.app.app_context():
            doc = Counter().save()
            raw = Counter._get_collection().find_one()

        self.assertIsInstance(doc.id, uuid.UUID)
        self.assertEqual(doc.id.version, 4)
        self.assertEqual(raw["_id"], str(doc.id))  # stored as the canonical string
        self.assertNotEqual(Counter().id, Counter().id)

    def test_first_save_sets_both_stamps_in_utc(self):
        with self.app.app_context():
            doc = Counter().save()
            stored = Counter.objects.get(id=doc.id)

        self.assertEqual(stored.created_at, stored.updated_at)
        self.assertEqual(stored.created_at.utcoffset().total_seconds(), 0)
        self.assertEqual(doc.created_at.tzinfo, UTC)

    def test_a_document_built_earlier_is_stamped_when_it_is_inserted(self):
        with self.app.app_context():
            doc = Counter()
            time.sleep(0.002)  # its field defaults are now older than the insertion
            doc.save()
            stored = Counter.objects.get(id=doc.id)

        self.assertEqual(stored.created_at, stored.updated_at)

    def test_later_saves_and_update_helpers_move_updated_at_only(self):
        with self.app.app_context():
            doc = Counter().save()
            created = doc.created_at
            stamps = [doc.updated_at]
            for change in (
                lambda: doc.save(),
                lambda: Counter.objects(id=doc.id).update(inc__value=1),
                lambda: Counter.objects(id=doc.id).update_one(inc__value=1),
                lambda: Counter.objects(id=doc.id).modify(inc__value=1),
            ):
                time.sleep(0.002)
                change()
                doc.reload()
                stamps.append(doc.updated_at)

        self.assertEqual(doc.created_at, created)
        self.assertEqual(doc.value, 3)
        self.assertEqual(stamps, sorted(stamps))
        self.assertEqual(len(set(stamps)), len(stamps))

    def test_an_explicit_updated_at_is_respected(self):
        with self.app.app_context():
            doc = Counter().save()
            Counter.objects(id=doc.id).update_one(set__updated_at=doc.created_at, inc__value=1)
            doc.reload()

        self.assertEqual(doc.updated_at, doc.created_at)


# capability: posts
class TestReferences(TCBase):
    def test_a_stored_reference_loads_the_document_it_names(self):
        from app.posts.models import Post

        user, token = self.auth()
        created = self.request("post", "posts", {"title": "Mine", "body": "Text"}, token)
        self.assertEqual(created.status_code, 201, created.json)
        with self.app.app_context():
            post = Post.objects.get(id=created.json["id"])
            self.assertEqual(post.author.id, user.id)  # loaded from the stored id string
            self.assertEqual(post.author.email, user.email)
            self.assertEqual(Post.objects(author=user).count(), 1)  # and queries by document still match


# end capability: posts


class TestCollection(TCBase):
    def test_every_registered_model_opens_the_collection_mongoengine_uses(self):
        with self.app.app_context():
            models = document_classes()
            for model in models:
                with self.subTest(model=model.__name__):
                    # The harness may name MongoEngine's private accessors: they are what `collection()` must match.
                    self.assertEqual(model.collection().name, model._get_collection_name())
                    self.assertEqual(model.collection().full_name, model._get_collection().full_name)

        self.assertLessEqual({"User", "AuthSession", "SecurityEvent", "LoginGuard"}, {m.__name__ for m in models})
