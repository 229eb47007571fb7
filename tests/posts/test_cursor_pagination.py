"""Cursor (keyset) pagination of the post lists: every sort, ties, stability under inserts, tampering, the envelope.

Every list sorts on its field and then on `_id`, and a cursor carries `(value, _id)`; the tests with long runs
of equal values are the ones a server that returns ties "in any order" (MongoDB) would fail without that.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from app.posts.models import Post
from tests.views import TCBase

SORTS = ("createdAt", "-createdAt", "updatedAt", "-updatedAt", "title", "-title")
STORED = {"createdAt": "created_at", "updatedAt": "updated_at", "title": "title"}
START = datetime(2026, 3, 1, tzinfo=UTC)


class CursorBase(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.author, self.token = self.auth()

    def insert(self, count: int, *, status: str = "published", tags: list[str] | None = None, **fixed: Any) -> list:
        """Raw posts, as the model stores them; every third one shares its timestamps and title with the next."""
        docs = []
        for n in range(count):
            stamp = START + timedelta(seconds=(n // 3) * 60 + n % 2)  # runs of equal values: ties
            docs.append(
                {
                    "_id": str(uuid.uuid4()),
                    "created_at": stamp,
                    "updated_at": stamp,
                    "author": str(self.author.id),
                    "title": f"Title {n // 2:03d}",
                    "body": "Some body text.",
                    "tags": tags or ["x"],
                    "status": status,
                    "version": 1,
                    "attachments": [],  # capability: uploads
                    **fixed,
                }
            )
        with self.app.app_context():
            Post.collection().insert_many(docs)
        return docs

    def get(self, url: str, token: str | None = None) -> dict[str, Any]:
        response = self.request("GET", url, token=token)
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        return response.get_json()

    def walk(self, path: str, query: str = "", per_page: int = 3, token: str | None = None) -> list[dict[str, Any]]:
        """Every item of a list: page 1 by number, then by cursor until there is no next cursor."""
        body = self.get(f"{path}?perPage={per_page}{query}", token)
        items = list(body["items"])
        while "nextCursor" in body:
            body = self.get(f"{path}?perPage={per_page}{query}&cursor={body['nextCursor']}", token)
            self.assertNotIn("total", body)
            items += body["items"]
        return items

    def walk_from(self, body: dict[str, Any], url: str) -> list[dict[str, Any]]:
        """The items of every page after `body`, by cursor."""
        items: list[dict[str, Any]] = []
        while "nextCursor" in body:
            body = self.get(f"{url}&cursor={body['nextCursor']}")
            items += body["items"]
        return items

    def assert_ordered(self, items: list[dict[str, Any]], sort: str) -> None:
        name = sort.lstrip("-")
        values = [item[name] for item in items]
        self.assertEqual(values, sorted(values, reverse=sort.startswith("-")))

    def problem_field(self, url: str, token: str | None = None) -> dict[str, Any]:
        body = self.assert_problem(self.request("GET", url, token=token), 400)
        self.assertEqual([e["field"] for e in body["errors"]], ["cursor"])
        return body


class TestWalk(CursorBase):
    def test_every_sort_walks_every_post_once_in_order_despite_ties(self):
        docs = self.insert(14)
        for sort in SORTS:
            with self.subTest(sort=sort):
                items = self.walk("posts", f"&sort={sort}")

                self.assertEqual(sorted(i["id"] for i in items), sorted(d["_id"] for d in docs))
                self.assertEqual(len(items), len(docs))
                self.assert_ordered(items, sort)

    def test_a_tie_group_longer_than_a_page_is_walked_whole(self):
        docs = self.insert(9, created_at=START, updated_at=START, title="Same")
        for sort in SORTS:
            with self.subTest(sort=sort):
                items = self.walk("posts", f"&sort={sort}", per_page=2)

                self.assertEqual(sorted(i["id"] for i in items), sorted(d["_id"] for d in docs))

    def test_times_milliseconds_apart_within_one_second_walk_in_order(self):
        docs = []
        for n in range(10):  # two posts at each of 0, 7, 14, 21 and 28 ms after START: ties and near-ties
            stamp = START + timedelta(milliseconds=(n // 2) * 7)
            docs += self.insert(1, created_at=stamp, updated_at=stamp)
        by_time = sorted(docs, key=lambda d: (d["created_at"], d["_id"]))
        for sort in ("createdAt", "-createdAt", "updatedAt", "-updatedAt"):
            with self.subTest(sort=sort):
                items = self.walk("posts", f"&sort={sort}", per_page=3)

                expected = by_time[::-1] if sort.startswith("-") else by_time
                self.assertEqual([i["id"] for i in items], [d["_id"] for d in expected])

    def test_filters_and_my_drafts_page_by_cursor(self):
        self.insert(5, tags=["x"])
        tagged = self.insert(7, tags=["y"])
        drafts = self.insert(4, status="draft", tags=["y"])

        public = self.walk("posts", "&tag=y&sort=title", per_page=2)
        mine = self.walk("me/posts", "&tag=y&status=draft", per_page=3, token=self.token)
        searched = self.walk("posts", f"&author={self.author.id}&q=title&sort=-updatedAt", per_page=4)

        self.assertEqual(sorted(i["id"] for i in public), sorted(d["_id"] for d in tagged))
        self.assertEqual(sorted(i["id"] for i in mine), sorted(d["_id"] for d in drafts))
        self.assertEqual(len(searched), 12)

    def test_a_page_added_to_between_pages_neither_repeats_nor_skips(self):
        docs = self.insert(9)
        first = self.get("posts?perPage=4&sort=-createdAt")
        later = START + timedelta(days=1)
        earlier = START - timedelta(days=1)
        # Newer posts land before the cursor (not shown, as on any feed); an older one lands ahead of it.
        newer = self.insert(3, created_at=later, updated_at=later)
        older = self.insert(1, created_at=earlier, updated_at=earlier)
        items = list(first["items"])
        body = first
        while "nextCursor" in body:
            body = self.get(f"posts?perPage=4&sort=-createdAt&cursor={body['nextCursor']}")
            items += body["items"]

        ids = [i["id"] for i in items]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(sorted(ids), sorted([d["_id"] for d in docs] + [older[0]["_id"]]))
        self.assertTrue({d["_id"] for d in newer}.isdisjoint(ids))

    def test_an_insert_among_equal_values_between_pages_repeats_nothing(self):
        docs = self.insert(6, created_at=START, updated_at=START)
        first = self.get("posts?perPage=2&sort=createdAt")
        self.insert(2, created_at=START, updated_at=START)
        rest = self.walk_from(first, "posts?perPage=2&sort=createdAt")

        ids = [i["id"] for i in first["items"] + rest]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertTrue({d["_id"] for d in docs} <= set(ids))

    def test_when_the_last_post_seen_is_deleted_the_walk_goes_on(self):
        docs = self.insert(8, created_at=START, updated_at=START)
        first = self.get("posts?perPage=3&sort=createdAt")
        with self.app.app_context():
            Post.collection().delete_one({"_id": first["items"][-1]["id"]})
        rest = self.walk_from(first, "posts?perPage=3&sort=createdAt")

        ids = [i["id"] for i in first["items"] + rest]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(len(ids), len(docs))


class TestManyEqualValues(CursorBase):
    """45 posts with one title and one timestamp: the order is decided by `_id` alone."""

    COUNT, PER_PAGE = 45, 7

    def setUp(self) -> None:
        super().setUp()
        self.docs = self.insert(self.COUNT, created_at=START, updated_at=START, title="Same")
        self.ids = sorted(d["_id"] for d in self.docs)

    def numbered(self, path: str, sort: str, token: str | None = None) -> list[str]:
        """Every numbered page, 1 to totalPages."""
        first = self.get(f"{path}?perPage={self.PER_PAGE}&sort={sort}", token)
        self.assertEqual((first["total"], first["totalPages"]), (self.COUNT, 7))
        ids = [i["id"] for i in first["items"]]
        for number in range(2, first["totalPages"] + 1):
            ids += [
                i["id"] for i in self.get(f"{path}?perPage={self.PER_PAGE}&sort={sort}&page={number}", token)["items"]
            ]
        return ids

    def test_numbered_and_cursor_pages_neither_repeat_nor_skip_in_every_sort(self):
        for path, token in (("posts", None), ("me/posts", self.token)):
            for sort in SORTS:
                with self.subTest(path=path, sort=sort):
                    by_number = self.numbered(path, sort, token)
                    by_cursor = [i["id"] for i in self.walk(path, f"&sort={sort}", self.PER_PAGE, token)]

                    expected = self.ids[::-1] if sort.startswith("-") else self.ids
                    self.assertEqual(by_number, expected)  # each once, in `_id` order within the tie
                    self.assertEqual(by_cursor, expected)

    def test_a_cursor_from_any_numbered_page_goes_on_from_that_page(self):
        for number in range(1, 7):
            with self.subTest(page=number):
                body = self.get(f"posts?perPage={self.PER_PAGE}&sort=-createdAt&page={number}")
                shown = [i["id"] for i in body["items"]]
                rest = [i["id"] for i in self.walk_from(body, f"posts?perPage={self.PER_PAGE}&sort=-createdAt")]

                self.assertEqual(shown + rest, self.ids[::-1][(number - 1) * self.PER_PAGE :])


class TestEnvelope(CursorBase):
    def test_numbered_pages_offer_the_next_cursor_except_the_last(self):
        self.insert(5)

        first = self.get("posts?perPage=3")
        last = self.get("posts?perPage=3&page=2")

        self.assertEqual((first["total"], first["totalPages"]), (5, 2))
        self.assertIn("nextCursor", first)
        self.assertNotIn("nextCursor", last)

    def test_a_cursor_page_has_no_count_and_links_first_and_next_by_cursor(self):
        self.insert(7)
        first = self.get("posts?perPage=3&tag=x")

        response = self.request("GET", f"posts?perPage=3&tag=x&cursor={first['nextCursor']}")
        body = response.get_json()

        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(body), {"items", "perPage", "nextCursor"})
        self.assertEqual((len(body["items"]), body["perPage"]), (3, 3))
        rels = [part.split('rel="')[1].rstrip('"') for part in response.headers["Link"].split(", ")]
        self.assertEqual(rels, ["first", "next"])
        next_url = response.headers["Link"].split(", ")[1].split(">;")[0].lstrip("<")
        self.assertEqual(parse_qs(urlsplit(next_url).query)["cursor"], [body["nextCursor"]])
        self.assertEqual(parse_qs(urlsplit(next_url).query)["tag"], ["x"])
        last = self.request("GET", next_url)
        self.assertEqual(len(last.get_json()["items"]), 1)
        self.assertNotIn("nextCursor", last.get_json())
        self.assertNotIn('rel="next"', last.headers["Link"])


class TestRefused(CursorBase):
    def cursor(self, path: str = "posts", query: str = "", token: str | None = None) -> str:
        self.insert(4)
        return self.get(f"{path}?perPage=2{query}", token)["nextCursor"]

    def test_an_altered_cursor_is_a_400_naming_cursor(self):
        cursor = self.cursor()
        payload, signature = cursor.split(".")
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        data[2] = str(uuid.uuid4())  # another post's id, same signature
        forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()

        for bad in (f"{forged}.{signature}", cursor[:-1] + ("A" if cursor[-1] != "A" else "B"), "x", "a.b.c", "é"):
            with self.subTest(cursor=bad):
                self.problem_field(f"posts?perPage=2&cursor={bad}")

    def signed(self, data: list[Any], key: bytes, path: str = "/api/v1/posts") -> str:
        """A cursor as the app spells one: base64url payload, a dot, the truncated HMAC over path and payload."""
        payload = json.dumps(data, separators=(",", ":")).encode()
        mac = hmac.new(key, b"cursor\0" + path.encode() + b"\0" + payload, hashlib.sha256).digest()[:16]
        encode = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
        return f"{encode(payload)}.{encode(mac)}"

    def test_a_cursor_signed_with_another_key_is_a_400(self):
        self.problem_field(f"posts?cursor={self.signed(['-createdAt', {'t': 0}, str(uuid.uuid4())], b'another key')}")

    def test_a_cursor_of_the_earlier_shape_is_a_400_even_when_signed_with_this_key(self):
        key = self.app.config["SECRET_KEY"].encode()
        good = self.signed(["-createdAt", {"t": 0}, str(uuid.uuid4())], key)
        earlier = self.signed(["-createdAt", {"t": 0}, str(uuid.uuid4()), 2], key)  # (value, id, ties seen)

        self.assertEqual(self.request("GET", f"posts?cursor={good}").status_code, 200)
        self.problem_field(f"posts?cursor={earlier}")

    def test_a_cursor_from_another_list_is_a_400(self):
        cursor = self.cursor("me/posts", token=self.token)

        self.problem_field(f"posts?perPage=2&cursor={cursor}")

    def test_a_cursor_made_for_another_sort_is_a_400(self):
        cursor = self.cursor(query="&sort=title")

        body = self.problem_field(f"posts?perPage=2&sort=-title&cursor={cursor}")
        self.assertIn("sort=title", body["errors"][0]["message"])

    def test_cursor_and_page_together_are_a_400(self):
        cursor = self.cursor()

        self.problem_field(f"posts?page=2&cursor={cursor}")

    def test_a_good_cursor_with_a_bad_perpage_names_only_perpage(self):
        cursor = self.cursor()

        self.assert_field_errors(self.request("GET", f"posts?perPage=0&cursor={cursor}"), "perPage")

    def test_the_spec_documents_cursor_on_both_lists(self):
        spec = self.request("GET", "/openapi.json").get_json()

        for path in ("/api/v1/posts", "/api/v1/me/posts"):
            names = [p["name"] for p in spec["paths"][path]["get"]["parameters"]]
            self.assertIn("cursor", names)
            self.assertIn("page", names)
        self.assertIn("nextCursor", spec["components"]["schemas"]["PostPage"]["properties"])
