"""Posts: ownership, visibility, paging, sorting, filters, search, conditional requests, concurrency."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from app.posts.models import Post
from tests.views import TCBase


class PostsBase(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.author, self.token = self.auth()
        self.other, self.other_token = self.auth()
        self.admin, self.admin_token = self.auth(role="admin")

    def create(self, token: str | None = None, **fields: Any) -> dict[str, Any]:
        body = {"title": "A title", "body": "Some body text.", "status": "published", **fields}
        response = self.request("POST", "posts", json=body, token=token or self.token)
        self.assertEqual(response.status_code, 201, response.get_data(as_text=True))
        return response.get_json()

    def items(self, path: str, token: str | None = None) -> list[dict[str, Any]]:
        response = self.request("GET", path, token=token)
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        return response.get_json()["items"]

    def stored(self, post_id: str) -> Post | None:
        with self.app.app_context():
            return Post.objects(id=uuid.UUID(post_id)).first()


class TestCreate(PostsBase):
    def test_create_returns_201_with_location_etag_and_normalised_fields(self):
        response = self.request(
            "POST",
            "posts",
            json={"title": "  Hello  ", "body": "Text", "tags": [" Flask", "flask", "MongoDB "]},
            token=self.token,
        )

        self.assertEqual(response.status_code, 201)
        post = response.get_json()
        self.assertEqual(response.headers["Location"], f"/api/v1/posts/{post['id']}")
        self.assertEqual(response.headers["ETag"], '"v1"')
        self.assertEqual(post["title"], "Hello")
        self.assertEqual(post["tags"], ["flask", "mongodb"])
        self.assertEqual(post["status"], "draft")
        self.assertEqual(post["author"], str(self.author.id))
        self.assertEqual(post["version"], 1)
        self.assertEqual(post["createdAt"], post["updatedAt"])
        self.assertEqual(self.request("GET", response.headers["Location"], token=self.token).get_json(), post)

    def test_create_without_token_is_401(self):
        response = self.request("POST", "posts", json={"title": "t", "body": "b"})

        self.assert_problem(response, 401)
        with self.app.app_context():
            self.assertEqual(Post.objects.count(), 0)

    def test_invalid_fields_are_400_naming_each_and_nothing_is_stored(self):
        cases = [
            ({"body": "b"}, ["title"]),
            ({"title": "", "body": "b"}, ["title"]),
            ({"title": "   ", "body": "b"}, ["title"]),
            ({"title": "t" * 201, "body": "b"}, ["title"]),
            ({"title": "t", "body": "b" * 20001}, ["body"]),
            ({"title": "t", "body": "b", "tags": [f"t{i}" for i in range(11)]}, ["tags"]),
            ({"title": "t", "body": "b", "tags": ["x" * 31]}, ["tags.0"]),
            ({"title": "t", "body": "b", "tags": [" "]}, ["tags.0"]),
            ({"title": "t", "body": "b", "status": "secret"}, ["status"]),
            ({"title": ["t"], "body": "b"}, ["title"]),
        ]
        for body, fields in cases:
            with self.subTest(body=str(body)[:60]):
                response = self.request("POST", "posts", json=body, token=self.token)

                body_json = self.assert_problem(response, 400)
                named = [error["field"] for error in body_json["errors"]]
                for field in fields:
                    self.assertIn(field, named)
        with self.app.app_context():
            self.assertEqual(Post.objects.count(), 0)

    def test_operator_keys_are_refused(self):
        response = self.request("POST", "posts", json={"title": {"$gt": ""}, "body": "b"}, token=self.token)

        self.assertIn("'$'", self.assert_problem(response, 400)["detail"])

    def test_client_cannot_set_author_id_version_or_timestamps(self):
        for extra in ({"author": str(self.other.id)}, {"id": str(uuid.uuid4())}, {"version": 9}, {"createdAt": "x"}):
            with self.subTest(extra=extra):
                response = self.request("POST", "posts", json={"title": "t", "body": "b", **extra}, token=self.token)

                self.assert_field_errors(response, next(iter(extra)))

    def test_boundary_lengths_are_accepted(self):
        post = self.create(title="t" * 200, body="b" * 20000, tags=[f"{i:02d}" + "x" * 28 for i in range(10)])

        self.assertEqual(len(post["title"]), 200)
        self.assertEqual(len(post["tags"]), 10)


class TestRead(PostsBase):
    def test_published_post_is_public(self):
        post = self.create()

        response = self.request("GET", f"posts/{post['id']}")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_json(), post)
        self.assertEqual(response.headers["Cache-Control"], "private, no-cache")

    def test_draft_is_visible_to_author_and_admin_only(self):
        draft = self.create(status="draft")
        path = f"posts/{draft['id']}"

        self.assertEqual(self.request("GET", path, token=self.token).status_code, 200)
        self.assertEqual(self.request("GET", path, token=self.admin_token).status_code, 200)
        self.assert_problem(self.request("GET", path, token=self.other_token), 404)
        self.assert_problem(self.request("GET", path), 404)

    def test_draft_is_hidden_from_every_list_but_the_authors_own(self):
        draft = self.create(status="draft")

        self.assertEqual(self.items("posts"), [])
        self.assertEqual(self.items(f"posts?author={self.author.id}", token=self.token), [])
        self.assertEqual([p["id"] for p in self.items("me/posts", token=self.token)], [draft["id"]])
        self.assertEqual(self.items("me/posts", token=self.other_token), [])

    def test_unknown_and_malformed_ids_are_404(self):
        for post_id in (str(uuid.uuid4()), "not-a-uuid", "1", "%24where"):
            with self.subTest(post_id=post_id):
                self.assert_problem(self.request("GET", f"posts/{post_id}"), 404)
                self.assert_problem(
                    self.request("PATCH", f"posts/{post_id}", json={"title": "x"}, token=self.token), 404
                )
                self.assert_problem(self.request("DELETE", f"posts/{post_id}", token=self.token), 404)

    def test_bad_token_on_public_item_is_401_not_ignored(self):
        post = self.create()

        response = self.request("GET", f"posts/{post['id']}", token="not.a.token")

        self.assert_problem(response, 401)


class TestChange(PostsBase):
    def test_author_patches_fields_and_version_grows(self):
        post = self.create(tags=["a"])

        response = self.request(
            "PATCH", f"posts/{post['id']}", json={"title": " New ", "tags": ["B", "b"]}, token=self.token
        )

        self.assertEqual(response.status_code, 200)
        changed = response.get_json()
        self.assertEqual((changed["title"], changed["tags"], changed["body"]), ("New", ["b"], post["body"]))
        self.assertEqual(changed["version"], 2)
        self.assertEqual(response.headers["ETag"], '"v2"')
        self.assertGreaterEqual(changed["updatedAt"], post["updatedAt"])
        self.assertEqual(changed["createdAt"], post["createdAt"])

    def test_publishing_a_draft_makes_it_public(self):
        draft = self.create(status="draft")

        self.request("PATCH", f"posts/{draft['id']}", json={"status": "published"}, token=self.token)

        self.assertEqual([p["id"] for p in self.items("posts")], [draft["id"]])

    def test_another_user_gets_403_on_published_and_404_on_draft(self):
        published = self.create()
        draft = self.create(status="draft")

        self.assert_problem(
            self.request("PATCH", f"posts/{published['id']}", json={"title": "x"}, token=self.other_token), 403
        )
        self.assert_problem(self.request("DELETE", f"posts/{published['id']}", token=self.other_token), 403)
        self.assert_problem(
            self.request("PATCH", f"posts/{draft['id']}", json={"title": "x"}, token=self.other_token), 404
        )
        self.assert_problem(self.request("DELETE", f"posts/{draft['id']}", token=self.other_token), 404)
        self.assertEqual(self.stored(published["id"]).title, "A title")
        self.assertIsNotNone(self.stored(draft["id"]))

    def test_admin_can_change_and_delete_any_post(self):
        post = self.create(status="draft")

        patched = self.request("PATCH", f"posts/{post['id']}", json={"title": "Moderated"}, token=self.admin_token)
        deleted = self.request("DELETE", f"posts/{post['id']}", token=self.admin_token)

        self.assertEqual(patched.status_code, 200)
        self.assertEqual(patched.get_json()["author"], str(self.author.id))
        self.assertEqual(deleted.status_code, 204)
        self.assertIsNone(self.stored(post["id"]))

    def test_write_without_token_is_401(self):
        post = self.create()

        self.assert_problem(self.request("PATCH", f"posts/{post['id']}", json={"title": "x"}), 401)
        self.assert_problem(self.request("DELETE", f"posts/{post['id']}"), 401)

    def test_patch_validation(self):
        post = self.create()

        self.assert_problem(self.request("PATCH", f"posts/{post['id']}", json={}, token=self.token), 400)
        self.assert_field_errors(
            self.request("PATCH", f"posts/{post['id']}", json={"version": 5}, token=self.token), "version"
        )
        title = self.assert_problem(
            self.request("PATCH", f"posts/{post['id']}", json={"title": ""}, token=self.token), 400
        )
        self.assertEqual({e["field"] for e in title["errors"]}, {"title"})
        self.assertEqual(self.stored(post["id"]).version, 1)

    def test_author_deletes_own_post(self):
        post = self.create()

        response = self.request("DELETE", f"posts/{post['id']}", token=self.token)

        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.get_data(), b"")
        self.assert_problem(self.request("GET", f"posts/{post['id']}"), 404)


class TestConditionalRequests(PostsBase):
    def test_if_none_match_current_is_304_without_body(self):
        post = self.create()
        path = f"posts/{post['id']}"

        response = self.request("GET", path, headers={"If-None-Match": '"v1"'})
        stale = self.request("GET", path, headers={"If-None-Match": '"v0", "v7"'})
        empty = self.request("GET", path, headers={"If-None-Match": 'W/"", ""'})
        weak = self.request("GET", path, headers={"If-None-Match": 'W/"v1"'})

        self.assertEqual(response.status_code, 304)
        self.assertEqual(response.get_data(), b"")
        self.assertEqual(response.headers["ETag"], '"v1"')
        self.assertEqual(stale.status_code, 200)
        self.assertEqual(empty.status_code, 200)
        self.assertEqual(weak.status_code, 304)

    def test_if_none_match_does_not_reveal_a_hidden_draft(self):
        draft = self.create(status="draft")

        self.assert_problem(self.request("GET", f"posts/{draft['id']}", headers={"If-None-Match": "*"}), 404)

    def test_if_match_current_version_succeeds(self):
        post = self.create()

        response = self.request(
            "PATCH", f"posts/{post['id']}", json={"title": "x"}, token=self.token, headers={"If-Match": '"v1"'}
        )

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["ETag"], '"v2"')

    def test_stale_if_match_is_412_and_changes_nothing(self):
        post = self.create()
        path = f"posts/{post['id']}"
        self.request("PATCH", path, json={"title": "first"}, token=self.token)

        for header in ('"v1"', 'W/"v2"', "garbage", '"v99"', '""', '"", W/"x"', '"v0"'):
            with self.subTest(header=header):
                patch = self.request(
                    "PATCH", path, json={"title": "late"}, token=self.token, headers={"If-Match": header}
                )
                delete = self.request("DELETE", path, token=self.token, headers={"If-Match": header})

                self.assert_problem(patch, 412)
                self.assert_problem(delete, 412)
        stored = self.stored(post["id"])
        self.assertEqual((stored.title, stored.version), ("first", 2))

    def test_if_match_star_and_lists(self):
        post = self.create()
        path = f"posts/{post['id']}"

        star = self.request("PATCH", path, json={"title": "a"}, token=self.token, headers={"If-Match": "*"})
        listed = self.request("DELETE", path, token=self.token, headers={"If-Match": '"v1", "v2"'})

        self.assertEqual(star.status_code, 200)
        self.assertEqual(listed.status_code, 204)

    def test_many_writers_with_the_same_if_match_exactly_one_wins(self):
        post = self.create()
        path = f"posts/{post['id']}"
        writers = 12
        barrier = threading.Barrier(writers)
        statuses: list[int] = []

        def write(n: int) -> None:
            client = self.app.test_client()
            barrier.wait()
            response = client.patch(
                f"/api/v1/{path}",
                json={"title": f"writer {n}"},
                headers={"Authorization": f"Bearer {self.token}", "If-Match": '"v1"'},
            )
            statuses.append(response.status_code)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        self.assertEqual(sorted(statuses), [200] + [412] * (writers - 1))
        self.assertEqual(self.stored(post["id"]).version, 2)


class TestLists(PostsBase):
    def test_paging_envelope_link_header_and_edges(self):
        for n in range(5):
            self.create(title=f"post {n}")

        first = self.request("GET", "posts?perPage=2")
        last = self.request("GET", "posts?perPage=2&page=3")
        past = self.request("GET", "posts?perPage=2&page=4")

        body = first.get_json()
        self.assertEqual((body["page"], body["perPage"], body["total"], body["totalPages"]), (1, 2, 5, 3))
        self.assertEqual(len(body["items"]), 2)
        self.assertIn('rel="next"', first.headers["Link"])
        self.assertIn('page=3&perPage=2>; rel="last"', first.headers["Link"])
        self.assertNotIn('rel="prev"', first.headers["Link"])
        self.assertEqual(len(last.get_json()["items"]), 1)
        self.assertNotIn('rel="next"', last.headers["Link"])
        self.assertEqual(past.status_code, 200)
        self.assertEqual(past.get_json()["items"], [])
        all_ids = [p["id"] for p in self.items("posts?perPage=100")]
        paged_ids = [p["id"] for page in (1, 2, 3) for p in self.items(f"posts?perPage=2&page={page}")]
        self.assertEqual(paged_ids, all_ids)

    def test_link_header_keeps_the_other_parameters(self):
        self.create(tags=["x"])

        response = self.request("GET", "posts?tag=x&sort=title&perPage=1")

        self.assertIn("tag=x", response.headers["Link"])
        self.assertIn("sort=title", response.headers["Link"])

    def test_bad_parameters_are_400_naming_every_one(self):
        response = self.request("GET", "posts?page=0&perPage=101&sort=body&author=nope&tag=&q=")

        body = self.assert_problem(response, 400)
        self.assertEqual(sorted(e["field"] for e in body["errors"]), ["author", "page", "perPage", "q", "sort", "tag"])

    def test_parameter_limits(self):
        cases = {
            "perPage=100": 200,
            "perPage=1": 200,
            "perPage=101": 400,
            "perPage=-1": 400,
            "page=abc": 400,
            "page=1e3": 400,
            f"q={'x' * 100}": 200,
            f"q={'x' * 101}": 400,
            f"tag={'x' * 31}": 400,
            "sort[$ne]=x": 200,  # an unknown parameter is ignored, never turned into an operator
        }
        for query, status in cases.items():
            with self.subTest(query=query[:30]):
                self.assertEqual(self.request("GET", f"posts?{query}").status_code, status)

    def test_sorting_every_allowed_field_both_ways(self):
        for title in ("banana", "apple", "cherry"):
            self.create(title=title)
            time.sleep(0.002)  # a distinct createdAt each: equal ones are ordered by id

        newest_first = [p["title"] for p in self.items("posts")]
        self.assertEqual(newest_first, ["cherry", "apple", "banana"])
        self.assertEqual([p["title"] for p in self.items("posts?sort=createdAt")], ["banana", "apple", "cherry"])
        self.assertEqual([p["title"] for p in self.items("posts?sort=title")], ["apple", "banana", "cherry"])
        self.assertEqual([p["title"] for p in self.items("posts?sort=-title")], ["cherry", "banana", "apple"])
        first = self.items("posts?sort=createdAt")[0]
        self.request("PATCH", f"posts/{first['id']}", json={"body": "edited"}, token=self.token)
        self.assertEqual(self.items("posts?sort=-updatedAt")[0]["id"], first["id"])
        self.assertEqual(self.items("posts?sort=updatedAt")[-1]["id"], first["id"])

    def test_filter_by_tag_and_author(self):
        mine = self.create(tags=["Flask"])
        theirs = self.create(token=self.other_token, tags=["mongo"])

        self.assertEqual([p["id"] for p in self.items("posts?tag=%20FLASK%20")], [mine["id"]])
        self.assertEqual([p["id"] for p in self.items(f"posts?author={self.other.id}")], [theirs["id"]])
        self.assertEqual(self.items(f"posts?author={uuid.uuid4()}"), [])

    def test_search_is_case_insensitive_over_title_and_body(self):
        in_title = self.create(title="Learning MongoDB")
        in_body = self.create(body="I like mongodb a lot")
        self.create(title="Other", body="Nothing here")

        found = {p["id"] for p in self.items("posts?q=MONGODB")}

        self.assertEqual(found, {in_title["id"], in_body["id"]})

    def test_search_matches_regex_metacharacters_literally(self):
        literal = self.create(title="Price: $5.00 (a+b)* [x] ^start | end? {2} \\d")
        self.create(title="Price 5 00 aab")

        for text in ("$5.00", "(a+b)*", "[x]", "^start", "| end?", "{2}", "\\d", ".*"):
            with self.subTest(text=text):
                response = self.request("GET", "posts", query_string={"q": text})

                self.assertEqual(response.status_code, 200)
                expected = [literal["id"]] if text != ".*" else []
                self.assertEqual([p["id"] for p in response.get_json()["items"]], expected)

    def test_my_posts_include_drafts_and_filter_by_status(self):
        draft = self.create(status="draft")
        published = self.create()
        self.create(token=self.other_token)

        everything = {p["id"] for p in self.items("me/posts", token=self.token)}
        drafts = [p["id"] for p in self.items("me/posts?status=draft", token=self.token)]

        self.assertEqual(everything, {draft["id"], published["id"]})
        self.assertEqual(drafts, [draft["id"]])
        self.assert_field_errors(self.request("GET", "me/posts?status=secret", token=self.token), "status")
        self.assert_problem(self.request("GET", "me/posts"), 401)

    def test_my_posts_ignore_an_author_parameter(self):
        self.create(token=self.other_token)

        self.assertEqual(self.items(f"me/posts?author={self.other.id}", token=self.token), [])


class TestAccountDeletion(PostsBase):
    def test_deleting_an_account_deletes_its_posts_only(self):
        mine = self.create()
        theirs = self.create(token=self.other_token)

        response = self.request("DELETE", "me", json={"password": "correct horse battery"}, token=self.token)

        self.assertEqual(response.status_code, 204)
        self.assertIsNone(self.stored(mine["id"]))
        self.assertIsNotNone(self.stored(theirs["id"]))
