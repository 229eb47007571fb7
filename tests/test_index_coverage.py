"""Every query the app sent during the suite is served by an index declared on its model.

The rule is MongoDB's ESR guideline: an index whose leading keys are fields the query matches by
equality (`$in` included, in any order), followed by the sort keys in order (all in the index's
direction or all reversed). Every list sorts on a field and then `_id`, so its index ends with `_id`.
Other predicates (ranges, `$or` of escaped regexes, a cursor page's `$or` on `(field, _id)`) filter what
that index returns; the cursor's two branches are both ranges of the same index. A lookup by `_id` uses
the `_id` index.
"""

from __future__ import annotations

from typing import Any

from app.database import document_classes
from tests.query_log import QUERIES, Query
from tests.views import TCBase

RANGE_OPERATORS = {"$gt", "$gte", "$lt", "$lte", "$ne", "$nin", "$regex", "$exists"}


def declared_indexes() -> dict[str, list[list[tuple[str, int]]]]:
    """Collection -> key lists of each declared index, `_id` first."""
    indexes: dict[str, list[list[tuple[str, int]]]] = {}
    for model in document_classes():
        keys = [[(field, int(d)) for field, d in spec["fields"]] for spec in model._meta.get("index_specs", [])]
        indexes[model._get_collection_name()] = [[("_id", 1)], *keys]
    return indexes


def equality_fields(query_filter: dict[str, Any]) -> set[str]:
    fields = set()
    for field, value in query_filter.items():
        if field.startswith("$"):
            continue
        if not isinstance(value, dict) or set(value) <= {"$in", "$eq"}:
            fields.add(field)
    return fields


def range_fields(query_filter: dict[str, Any]) -> set[str]:
    return {f for f, v in query_filter.items() if isinstance(v, dict) and set(v) & RANGE_OPERATORS}


def served(query: Query, index: list[tuple[str, int]]) -> bool:
    equal = equality_fields(query.filter)
    prefix = 0
    while prefix < len(index) and index[prefix][0] in equal:
        prefix += 1
    rest = index[prefix:]
    if query.sort:
        if len(rest) < len(query.sort) or [k for k, _ in rest[: len(query.sort)]] != [k for k, _ in query.sort]:
            return False
        same = [d for (_, d), (_, s) in zip(rest, query.sort, strict=False) if d == s]
        if len(same) not in (0, len(query.sort)):
            return False
        return prefix > 0 or not equal
    return prefix > 0 or bool(rest and rest[0][0] in range_fields(query.filter))


def keyset_field(query_filter: dict[str, Any]) -> str | None:
    """The sort field of a cursor page's `{$or: [{f: range}, {f: value, _id: range}]}`, top-level or in `$and`."""
    for clause in [query_filter, *query_filter.get("$and", [])]:
        branches = clause.get("$or", [])
        if len(branches) == 2 and "_id" in branches[1] and set(branches[0]) == set(branches[1]) - {"_id"}:
            (field,) = branches[0]
            if set(branches[0][field]) & RANGE_OPERATORS:
                return field
    return None


def shape(query: Query) -> str:
    def describe(value: Any) -> str:
        if isinstance(value, list):
            return "[" + " | ".join(describe(item) for item in value) + "]"
        if isinstance(value, dict) and not all(key.startswith("$") for key in value):
            return "{" + ", ".join(f"{k}:{describe(v)}" for k, v in sorted(value.items())) + "}"
        return "eq" if not isinstance(value, dict) else "/".join(sorted(value))

    return f"{query.collection} {describe(query.filter)} sort={list(query.sort)}"


class TestIndexCoverage(TCBase):
    def exercise_every_query(self) -> None:
        """Every endpoint with every filter and sort, so the check means something even when run alone."""
        user, token = self.auth()
        _, admin = self.auth(role="admin")
        # capability: posts
        post = self.request("POST", "posts", json={"title": "t", "body": "b", "tags": ["x"]}, token=token).get_json()
        self.request("GET", f"posts/{post['id']}", token=token)
        self.request(
            "PATCH", f"posts/{post['id']}", json={"status": "published"}, token=token, headers={"If-Match": '"v1"'}
        )
        self.request(
            "POST", "posts", json={"title": "t", "body": "b", "tags": ["x"], "status": "published"}, token=token
        )
        self.request("POST", "posts", json={"title": "t", "body": "b", "tags": ["x"]}, token=token)
        self.request("POST", "posts", json={"title": "t", "body": "b", "tags": ["x"]}, token=token)
        for sort in ("createdAt", "-updatedAt", "title", "-title"):
            for extra in ("", "&tag=x", f"&author={user.id}", "&q=t", "&tag=x&q=t"):
                self.request("GET", f"posts?sort={sort}{extra}")
                self.request("GET", f"me/posts?sort={sort}{extra}&status=draft", token=token)
                self.request("GET", f"me/posts?sort={sort}{extra}", token=token)
                # keyset pages: the filter plus a range on the sort field, in the same order
                for path, more in (("posts", ""), ("me/posts", "&status=draft"), ("me/posts", "")):
                    first = self.request("GET", f"{path}?perPage=1&sort={sort}{extra}{more}", token=token).get_json()
                    self.assertIn("nextCursor", first, f"{path} {sort}{extra}{more}")
                    cursor = first["nextCursor"]
                    self.request("GET", f"{path}?perPage=1&sort={sort}{extra}{more}&cursor={cursor}", token=token)
        # end capability: posts
        self.request("GET", "users", token=admin)
        self.request("PATCH", f"users/{user.id}", json={"role": "user"}, token=admin)
        self.request("POST", "auth/login", json={"email": user.email, "password": "wrong password"})
        pair = self.login_pair(user.email)
        self.request("POST", "auth/refresh", token=pair["refreshToken"])
        self.request(
            "PUT",
            "me/password",
            json={"currentPassword": "correct horse battery", "newPassword": "x" * 12},
            token=token,
        )
        self.request("DELETE", f"posts/{post['id']}", token=token)  # capability: posts
        self.request("POST", "auth/logout", token=token)
        _, other_token = self.auth()
        self.request("POST", "posts", json={"title": "t", "body": "b"}, token=other_token)  # capability: posts
        self.request("DELETE", "me", json={"password": "correct horse battery"}, token=other_token)

    def test_every_query_is_served_by_a_declared_index(self):
        self.exercise_every_query()
        with self.app.app_context():
            indexes = declared_indexes()

        unserved = sorted(
            {shape(q) for q in QUERIES if not any(served(q, index) for index in indexes.get(q.collection, []))}
        )

        self.assertGreater(len({shape(q) for q in QUERIES}), 5)
        # capability: posts
        self.assertGreater(len({shape(q) for q in QUERIES}), 20)
        keyset = {shape(q) for q in QUERIES if keyset_field(q.filter) in {"created_at", "updated_at", "title"}}
        self.assertGreaterEqual(len(keyset), 3 * 5 * 3, "the cursor pages' queries were not exercised")
        # end capability: posts
        self.assertEqual(unserved, [], "queries without an index; declare one in the model's meta")

    def test_the_rule_itself(self):
        posts = [("status", 1), ("created_at", 1), ("_id", 1)]
        sorted_desc = (("created_at", -1), ("_id", -1))

        self.assertTrue(served(Query("posts", {"status": "published"}, sorted_desc), posts))
        self.assertTrue(served(Query("posts", {"status": {"$in": ["a", "b"]}}, sorted_desc), posts))
        self.assertFalse(served(Query("posts", {"status": "published"}, (("title", 1), ("_id", 1))), posts))
        self.assertFalse(served(Query("posts", {"status": "p"}, (("created_at", -1), ("_id", 1))), posts))
        self.assertFalse(served(Query("posts", {"title": "x"}, ()), posts))
        self.assertFalse(served(Query("posts", {}, ()), posts))
        self.assertTrue(served(Query("posts", {"_id": "x", "version": {"$in": [1]}}, ()), [("_id", 1)]))
        # A keyset page: equality prefix, then (field, _id) after the cursor's, walked in the sort's order.
        after = {"status": "published", "$or": [{"created_at": {"$lt": 1}}, {"created_at": 1, "_id": {"$lt": "x"}}]}
        self.assertEqual(keyset_field(after), "created_at")
        self.assertEqual(keyset_field({"$or": [{"title": {"$regex": "x"}}], "$and": [after]}), "created_at")
        self.assertTrue(served(Query("posts", after, sorted_desc), posts))
        self.assertFalse(served(Query("posts", after, sorted_desc), [("status", 1), ("created_at", 1)]))  # no _id
        self.assertFalse(served(Query("posts", after, (("title", -1), ("_id", -1))), posts))
