"""The server's idea of blank is the spec's: every trimmed field and query parameter uses ECMAScript whitespace."""

from __future__ import annotations

import re
from urllib.parse import quote

from app.text import NOT_BLANK, WHITESPACE, trim
from tests.posts.test_posts import PostsBase

# Python's str.isspace() is true for these, ECMAScript's \s is not: a schema-valid value, never refused.
PYTHON_ONLY_SPACE = ["\x1c", "\x1d", "\x1e", "\x1f", "\x85"]


class TestBlankText(PostsBase):
    def test_the_documented_pattern_and_the_trim_use_one_set(self):
        for char in PYTHON_ONLY_SPACE:
            self.assertTrue(re.search(NOT_BLANK, char))
            self.assertEqual(trim(f" {char} "), char)
        for char in WHITESPACE:
            self.assertIsNone(re.search(NOT_BLANK, char * 3))
            self.assertEqual(trim(f"{char}a{char}"), "a")
        spec = self.request("GET", "/openapi.json").get_json()["components"]["schemas"]
        self.assertEqual(spec["PostCreate"]["properties"]["title"]["pattern"], NOT_BLANK)

    def test_control_separators_are_text_in_titles_tags_and_tag_filters(self):
        for char in PYTHON_ONLY_SPACE:
            with self.subTest(char=repr(char)):
                post = self.create(title=f"{char}", tags=[char])
                self.assertEqual((post["title"], post["tags"]), (char, [char]))
                listed = self.request("GET", f"posts?tag={quote(char)}")
                self.assertEqual(listed.status_code, 200, listed.get_data(as_text=True))
                self.assertIn(post["id"], [p["id"] for p in listed.get_json()["items"]])
                mine = self.request("GET", f"me/posts?tag={quote(char)}", token=self.token)
                self.assertEqual(mine.status_code, 200)

    def test_ecmascript_whitespace_alone_is_blank_everywhere(self):
        for char in ("\u3000", "\ufeff", "\u00a0"):
            with self.subTest(char=repr(char)):
                response = self.request("POST", "posts", json={"title": char * 2, "body": "x"}, token=self.token)
                self.assert_field_errors(response, "title")
                response = self.request("GET", f"posts?tag={quote(char)}")
                self.assert_field_errors(response, "tag")
