"""`mongo_to_dict` and `raw_to_dict`: JSON-safe, camelCase, never a private field."""

from __future__ import annotations

import enum
import unittest
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import ClassVar

from bson import DBRef, ObjectId
from mongoengine import (
    DecimalField,
    DictField,
    DoesNotExist,
    EmbeddedDocument,
    EmbeddedDocumentField,
    ListField,
    ObjectIdField,
    ReferenceField,
    StringField,
)

from app.database import document_classes
from app.json import dumps
from app.models import User, mongo_to_dict, raw_to_dict
from app.models.base import BaseDocument
from app.models.serialize import camel_case, model_fields, to_json_value
from app.posts.models import Post  # capability: posts
from tests.views import TCBase


class Address(EmbeddedDocument):
    street_name = StringField()
    secret_note = StringField()


class Colour(enum.Enum):
    RED = "red"


class Sample(BaseDocument):
    meta: ClassVar[dict] = {"collection": "serialize_samples"}
    private_fields: ClassVar[frozenset[str]] = frozenset({"api_secret"})

    display_name = StringField()
    api_secret = StringField()
    price = DecimalField(precision=2)
    legacy_id = ObjectIdField()
    home_address = EmbeddedDocumentField(Address)
    past_addresses = ListField(EmbeddedDocumentField(Address))
    owner = ReferenceField(User)
    extra = DictField()


class TestValues(unittest.TestCase):
    def test_camel_case(self):
        self.assertEqual(camel_case("created_at"), "createdAt")
        self.assertEqual(camel_case("_id"), "id")
        self.assertEqual(camel_case("a_b_c"), "aBC")
        self.assertEqual(camel_case("name"), "name")

    def test_scalars(self):
        value = uuid.uuid4()
        oid = ObjectId()
        self.assertEqual(to_json_value(value), str(value))
        self.assertEqual(to_json_value(oid), str(oid))
        self.assertEqual(to_json_value(Decimal("12.50")), "12.50")
        self.assertEqual(to_json_value(date(2026, 1, 31)), "2026-01-31")
        self.assertEqual(to_json_value(Colour.RED), "red")
        self.assertEqual(to_json_value(b"\x00\xff"), "AP8=")
        self.assertEqual(to_json_value(DBRef("users", value)), str(value))
        self.assertEqual(to_json_value((1, "a", None, True, 1.5)), [1, "a", None, True, 1.5])

    def test_datetimes_are_iso_8601_utc_with_z_and_milliseconds(self):
        naive = datetime(2026, 1, 31, 12, 0, 0, 123456)
        aware = datetime(2026, 1, 31, 13, 0, 0, 5000, tzinfo=timezone(timedelta(hours=1)))

        self.assertEqual(to_json_value(naive), "2026-01-31T12:00:00.123Z")
        self.assertEqual(to_json_value(aware), "2026-01-31T12:00:00.005Z")
        self.assertEqual(to_json_value(datetime(2026, 1, 31, tzinfo=UTC)), "2026-01-31T00:00:00.000Z")

    def test_unknown_types_are_refused_loudly(self):
        with self.assertRaises(TypeError):
            to_json_value(object())


class TestDocuments(TCBase):
    def sample(self) -> Sample:
        owner = self.make_user()
        return Sample(
            display_name="Ada",
            api_secret="do-not-leak",
            price=Decimal("9.99"),
            legacy_id=ObjectId("65a1b2c3d4e5f60718293a4b"),
            home_address=Address(street_name="Main", secret_note="n"),
            past_addresses=[Address(street_name="Old")],
            owner=owner,
            extra={"nested_key": {"when": datetime(2026, 1, 1, tzinfo=UTC)}},
        )

    def test_every_type_camel_cased_and_json_safe(self):
        with self.app.app_context():
            doc = self.sample()
            doc.save()
            data = mongo_to_dict(Sample.objects.get(id=doc.id))

        self.assertEqual(data["id"], str(doc.id))
        self.assertEqual(data["displayName"], "Ada")
        self.assertEqual(data["price"], "9.99")
        self.assertEqual(data["legacyId"], "65a1b2c3d4e5f60718293a4b")
        self.assertEqual(data["homeAddress"], {"streetName": "Main", "secretNote": "n"})
        self.assertEqual(data["pastAddresses"], [{"streetName": "Old", "secretNote": None}])
        self.assertEqual(data["owner"], str(doc.owner.id))
        self.assertEqual(data["extra"], {"nested_key": {"when": "2026-01-01T00:00:00.000Z"}})
        self.assertRegex(data["createdAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertNotIn("apiSecret", data)
        self.assertNotIn("do-not-leak", dumps(data))

    def test_fields_and_exclude(self):
        with self.app.app_context():
            doc = self.sample()

        self.assertEqual(set(mongo_to_dict(doc, fields=["display_name", "price"])), {"displayName", "price"})
        self.assertNotIn("price", mongo_to_dict(doc, exclude=["price"]))
        self.assertNotIn("apiSecret", mongo_to_dict(doc, fields=["api_secret", "display_name"]))

    def test_user_password_hash_never_serialised(self):
        user = self.make_user()

        self.assertNotIn("passwordHash", mongo_to_dict(user))
        self.assertNotIn("password_hash", mongo_to_dict(user))

    def test_raw_to_dict_equals_mongo_to_dict(self):
        author = self.make_user()
        with self.app.app_context():
            user_raw = User.collection().find_one({"_id": str(author.id)})
        # capability: posts
        token = self.login(author.email)
        post_id = self.request(
            "POST", "posts", json={"title": "t", "body": "b", "tags": ["x"]}, token=token
        ).get_json()["id"]
        with self.app.app_context():
            post = Post.objects.get(id=uuid.UUID(post_id))
            raw = Post.collection().find_one({"_id": str(post.id)})
        self.assertEqual(raw_to_dict(Post, raw), mongo_to_dict(post))
        # end capability: posts

        self.assertEqual(raw_to_dict(User, user_raw), mongo_to_dict(author))
        self.assertNotIn("passwordHash", raw_to_dict(User, user_raw))
        self.assertEqual(raw_to_dict(User, user_raw)["email"], author.email)


class TestPublicFieldAccess(TCBase):
    def test_fields_come_in_the_order_and_under_the_stored_names_mongoengine_uses(self):
        with self.app.app_context():
            models = [*document_classes(), Sample, Address]
        for model in models:
            with self.subTest(model=model.__name__):
                # The harness may read MongoEngine's private tables: they are what the public walk must match.
                self.assertEqual(list(model_fields(model)), list(model._fields_ordered))
                self.assertEqual(
                    {name: field.db_field for name, field in model_fields(model).items()},
                    {name: field.db_field for name, field in model._fields.items()},
                )

    def test_serialising_never_loads_a_referenced_document(self):
        """Loading one would fail here: the documents the references name are gone from the database."""
        author = self.make_user()
        # capability: posts
        token = self.login(author.email)
        post_id = self.request("POST", "posts", json={"title": "t", "body": "b"}, token=token).get_json()["id"]
        # end capability: posts
        with self.app.app_context():
            sample = Sample(display_name="Ada", owner=author, home_address=Address(street_name="Main"))
            sample.save()
            post = Post.objects.get(id=uuid.UUID(post_id))  # capability: posts
            stored = Sample.objects.get(id=sample.id)
            User.collection().delete_one({"_id": str(author.id)})  # raw: no cascade, the references dangle

            self.assertEqual(mongo_to_dict(stored)["owner"], str(author.id))
            self.assertEqual(mongo_to_dict(stored, fields=["owner"]), {"owner": str(author.id)})
            with self.assertRaises(DoesNotExist):  # whereas reading the attribute would load it
                _ = stored.owner
            # capability: posts
            self.assertEqual(mongo_to_dict(post)["author"], str(author.id))  # a UUIDReferenceField neither
            with self.assertRaises(DoesNotExist):
                _ = post.author
            # end capability: posts
