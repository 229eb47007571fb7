"""The test harness's shim in front of nx-27017: what it rewrites, what it leaves alone, and that nx then agrees."""

from __future__ import annotations

import importlib.util
import os
import re
import unittest
from datetime import UTC, datetime, timedelta
from typing import Any

import bson
from bson.regex import Regex
from pymongo import MongoClient

from tests.mongo_shim import CHECKSUM_PRESENT, CODEC, NX_27017, nx_behind_shim, op_msg, read_sections, rewrite

HEADER = (0).to_bytes(4, "little") + (41).to_bytes(4, "little") + (0).to_bytes(4, "little")
WHEN = datetime(2026, 3, 1, 12, 0, 0, 250000)  # as the shim decodes a BSON date: naive UTC


def message(command: dict[str, Any], flags: int = 0, **sequences: list[dict[str, Any]]) -> bytes:
    return op_msg(HEADER, flags, command, sequences)


def sent(raw: bytes) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """What nx-27017 receives: the command and its document sequences, decoded."""
    command, sequences = read_sections(rewrite(raw))
    decoded = {name: bson.decode_all(documents, codec_options=CODEC) for name, documents in sequences.items()}
    return bson.decode(command, codec_options=CODEC), decoded


class TestRewrites(unittest.TestCase):
    def test_a_trailing_id_leaves_compound_index_keys_and_nothing_else_does(self):
        command = {
            "createIndexes": "posts",
            "indexes": [
                {"key": {"status": 1, "created_at": -1, "_id": -1}, "name": "a"},
                {"key": {"_id": 1, "created_at": 1}, "name": "b"},
                {"key": {"expires_at": 1}, "name": "c", "expireAfterSeconds": 0},
            ],
            "$db": "app",
        }

        indexes = sent(message(command))[0]["indexes"]

        self.assertEqual(
            [index["key"] for index in indexes],
            [
                {"status": 1, "created_at": -1},
                {"_id": 1, "created_at": 1},
                {"expires_at": 1},
            ],
        )
        self.assertEqual(indexes[2]["expireAfterSeconds"], 0)

    def test_set_datetimes_go_in_the_form_nx_stores_inserted_ones_in(self):
        update = {"$set": {"updated_at": WHEN, "title": "t"}, "$setOnInsert": {"created_at": WHEN}, "$inc": {"v": 1}}

        by_sequence = sent(message({"update": "posts", "$db": "app"}, updates=[{"q": {"_id": "x"}, "u": update}]))
        by_find_and_modify = sent(message({"findAndModify": "posts", "query": {"_id": "x"}, "update": update}))

        expected = {"$date": "2026-03-01T12:00:00.250000"}
        for written in (by_sequence[1]["updates"][0]["u"], by_find_and_modify[0]["update"]):
            self.assertEqual(written["$set"], {"updated_at": expected, "title": "t"})
            self.assertEqual(written["$setOnInsert"], {"created_at": expected})
            self.assertEqual(written["$inc"], {"v": 1})

    def test_bson_regexes_become_regex_documents(self):
        query = {"$or": [{"title": Regex("^a", re.IGNORECASE)}, {"body": {"$regex": Regex("b", re.MULTILINE)}}]}

        command = sent(message({"find": "posts", "filter": query}))[0]

        self.assertEqual(
            command["filter"],
            {
                "$or": [
                    {"title": {"$regex": "^a", "$options": "i"}},
                    {"body": {"$regex": "b", "$options": "m"}},
                ]
            },
        )

    def test_a_filter_comparing_a_date_gets_a_clause_nx_can_only_run_in_python(self):
        keyset = {
            "status": "published",
            "$or": [{"created_at": {"$lt": WHEN}}, {"created_at": WHEN, "_id": {"$lt": "x"}}],
        }

        found = sent(message({"find": "posts", "filter": keyset}))[0]["filter"]
        matched = sent(message({"aggregate": "posts", "pipeline": [{"$match": keyset}, {"$count": "n"}]}))[0]
        deleted = sent(message({"delete": "posts"}, deletes=[{"q": keyset, "limit": 0}]))[1]["deletes"][0]["q"]

        for query in (found, matched["pipeline"][0]["$match"], deleted):
            self.assertEqual(query["$and"][1], keyset)
            self.assertEqual(list(query["$and"][0]), ["_id"])  # `_id` is not an ObjectId: true of every app id

    def test_what_needs_no_rewrite_goes_as_sent_byte_for_byte(self):
        for command in (
            {"find": "posts", "filter": {"status": "published"}, "sort": {"created_at": -1, "_id": -1}},
            {"insert": "posts", "documents": [{"_id": "x", "created_at": WHEN}]},
            {"update": "posts", "updates": [{"q": {"_id": "x"}, "u": {"$inc": {"v": 1}}}]},
            {"createIndexes": "posts", "indexes": [{"key": {"email": 1}, "name": "e", "unique": True}]},
            {"ping": 1, "$db": "admin"},
        ):
            with self.subTest(command=next(iter(command))):
                raw = message(command)
                self.assertIs(rewrite(raw), raw)

    def test_a_rewritten_message_keeps_its_ids_and_drops_the_checksum_it_no_longer_matches(self):
        raw = message({"createIndexes": "posts", "indexes": [{"key": {"a": 1, "_id": 1}, "name": "a"}]})
        with_checksum = raw[:16] + CHECKSUM_PRESENT.to_bytes(4, "little") + raw[20:] + b"\0\0\0\0"
        with_checksum = (len(with_checksum)).to_bytes(4, "little") + with_checksum[4:]

        out = rewrite(with_checksum)

        self.assertEqual(out[4:16], raw[4:16])
        self.assertEqual(int.from_bytes(out[16:20], "little") & CHECKSUM_PRESENT, 0)
        self.assertEqual(int.from_bytes(out[:4], "little"), len(out))
        self.assertEqual(bson.decode(read_sections(out)[0])["indexes"][0]["key"], {"a": 1})


@unittest.skipUnless(
    os.environ.get("REQUIRE_MONGO_STANDIN") or (importlib.util.find_spec("nx_27017") and NX_27017.exists()),
    "needs nx-27017 (pip install -r requirements-dev.txt); CI sets REQUIRE_MONGO_STANDIN=1",
)
class TestAgainstNx(unittest.TestCase):
    """Through the shim, nx-27017 answers as MongoDB does for what the app sends."""

    def test_indexes_ending_with_id_dates_written_by_set_exact_date_ranges_and_regexes(self):
        start = datetime(2026, 3, 1, tzinfo=UTC)
        with nx_behind_shim() as port, MongoClient(f"mongodb://127.0.0.1:{port}", tz_aware=True) as client:
            posts = client.shim_test.posts
            posts.create_index([("status", 1), ("created_at", -1), ("_id", -1)])
            posts.insert_many(
                [
                    {
                        "_id": f"p{n}",
                        "status": "s",
                        "title": f"Title {n}",
                        "created_at": start + timedelta(milliseconds=100 * n),
                    }
                    for n in range(5)
                ]
            )
            posts.update_one({"_id": "p0"}, {"$set": {"created_at": start + timedelta(milliseconds=250)}})

            changed = posts.find_one({"_id": "p0"})["created_at"]
            after = posts.find(
                {"status": "s", "$or": [{"created_at": {"$gt": start + timedelta(milliseconds=200)}}]},
                sort=[("created_at", 1), ("_id", 1)],
            )
            titled = posts.find({"title": re.compile("title [13]", re.IGNORECASE)}, sort=[("_id", 1)])

            self.assertEqual(changed, start + timedelta(milliseconds=250))
            self.assertEqual([p["_id"] for p in after], ["p0", "p3", "p4"])
            self.assertEqual([p["_id"] for p in titled], ["p1", "p3"])
