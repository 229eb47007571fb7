"""The spec serves typed clients: a `servers` entry, numbered and cursor pages apart, every field the server always
sends required, bodiless answers unlabelled, all held against the answers the whole suite received.

Runs last (tests/conftest.py), so it sees every answer the suite's test clients recorded; it makes a
representative set of requests itself, so it means something when run alone too. `TCBase.tearDown` holds each
test's own answers to their schemas; only here, over many answers, can "always sent" be told from "sometimes".
"""

from __future__ import annotations

import json
import unittest

from app import create_app
from config import TestConfig
from scripts.openapi_spec import spec_text
from tests.response_log import RESPONSES, Seen
from tests.spec_walk import answer_problems, optional_but_always_sent, tally_responses
from tests.views import PASSWORD, TCBase, random_email

BODILESS = ("204", "304")
# The response schemas the requests below must reach, so the rules are checked on every core shape.
EXERCISED = {"User", "UserPage", "TokenPair", "Problem", "ProbeStatus"}
EXERCISED |= {"Post", "PostPage", "PostCursorPage"}  # capability: posts


class TestSpecRules(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.spec = self.request("GET", "/openapi.json").get_json()

    def exercise(self) -> None:
        """A representative run: sign-up to account deletion, posts in both page kinds, errors, probes."""
        email = random_email()
        signup = {"email": email, "password": PASSWORD, "displayName": "Ada"}
        self.assertEqual(self.request("POST", "auth/signup", json=signup).status_code, 201)
        pair = self.login_pair(email)
        token = pair["accessToken"]
        self.request("GET", "me", token=token)
        self.request("PATCH", "me", json={"displayName": "Ada King"}, token=token)
        self.request("POST", "me/verification-email", token=token)  # capability: mail
        self.request("POST", "auth/password-reset", json={"email": email})  # capability: mail
        # capability: posts
        for n in range(3):
            self.request("POST", "posts", json={"title": f"t{n}", "body": "b", "tags": ["x"]}, token=token)
        post = self.request("POST", "posts", json={"title": "t", "body": "b"}, token=token)
        path = f"posts/{post.get_json()['id']}"
        self.request("GET", path, token=token, headers={"If-None-Match": post.headers["ETag"]})  # 304
        self.request("PATCH", path, json={"title": "u"}, token=token)
        first = self.request("GET", "me/posts?perPage=2", token=token).get_json()
        self.request("GET", f"me/posts?perPage=2&cursor={first['nextCursor']}", token=token)
        self.request("GET", "me/posts?perPage=2&page=2", token=token)  # the last numbered page: no nextCursor
        self.request("GET", "posts")
        self.request("GET", "posts?perPage=0")  # 400 with `errors`
        self.request("GET", "me")  # 401
        self.request("GET", "posts/nothing-here")  # 404
        self.request("DELETE", path, token=token)  # 204
        # end capability: posts
        self.request("GET", "me", token=token, headers={"Accept": "text/html"})  # 406
        self.request("GET", "me/identities", token=token)  # capability: oidc
        self.request("GET", "me/post-imports", token=token)  # capability: posts, jobs
        self.request("GET", "auth/oidc/providers")  # capability: oidc
        self.request("GET", "sample")  # capability: sample
        _, admin = self.auth(role="admin")
        users = self.request("GET", "users", token=admin).get_json()
        self.request("GET", f"users/{users['items'][0]['id']}", token=admin)
        self.request("GET", "users/00000000-0000-4000-8000-000000000000", token=admin)  # 404
        self.request("POST", "auth/refresh", token=pair["refreshToken"])
        self.request("PUT", "me/password", json={"currentPassword": PASSWORD, "newPassword": "x" * 12}, token=token)
        other = self.login_pair(email, "x" * 12)["accessToken"]
        self.request("POST", "auth/logout", token=token)  # 401 now: the password change signed it out
        self.request("POST", "auth/logout", token=self.login(email, "x" * 12))  # 204
        self.request("DELETE", "me", json={"password": "x" * 12}, token=other)  # 204
        self.request("GET", "/health")
        self.request("GET", "/ready")

    def test_a_servers_entry_lets_clients_call_whatever_host_serves_the_spec(self):
        self.assertEqual([server["url"] for server in self.spec["servers"]], ["/"])
        # Paths keep their /api/v1 prefix (the probes live outside it), so a base URL of just the origin is right.
        self.assertTrue(all(path.startswith(("/api/v1/", "/health", "/ready")) for path in self.spec["paths"]))

    def test_numbered_and_cursor_pages_are_two_schemas(self):
        schemas = self.spec["components"]["schemas"]
        pages = {
            name: schema
            for name, schema in schemas.items()
            if {"items", "perPage"} <= set(schema.get("properties", {}))
        }

        self.assertIn("PostCursorPage", pages)  # capability: posts
        for name, schema in pages.items():
            with self.subTest(page=name):
                self.assertFalse(schema["additionalProperties"])
                if name.endswith("CursorPage"):
                    self.assertEqual(set(schema["properties"]), {"items", "perPage", "nextCursor"})
                    self.assertEqual(schema["required"], ["items", "perPage"])
                else:
                    self.assertEqual(schema["required"], ["items", "page", "perPage", "total", "totalPages"])
        # capability: posts
        for path in ("/api/v1/posts", "/api/v1/me/posts"):
            with self.subTest(path=path):
                content = self.spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
                self.assertEqual(
                    content["schema"],
                    {"oneOf": [{"$ref": f"#/components/schemas/{n}"} for n in ("PostPage", "PostCursorPage")]},
                )
        # end capability: posts

    def test_bodiless_answers_are_documented_without_content(self):
        for path, item in self.spec["paths"].items():
            for method, operation in item.items():
                for status in set(BODILESS) & set(operation.get("responses", {}) if method != "parameters" else {}):
                    with self.subTest(path=path, method=method, status=status):
                        self.assertNotIn("content", operation["responses"][status])

    def test_every_answer_of_the_run_fits_its_schema_and_no_bodiless_one_has_a_content_type(self):
        self.exercise()

        self.assertEqual(answer_problems(self.spec, RESPONSES), [])
        statuses = {seen.status for seen in RESPONSES if seen.path}
        expected = {200, 201, 204, 400, 401, 404, 406}
        expected.add(202)  # capability: mail
        expected.add(304)  # capability: posts
        self.assertLessEqual(expected, statuses)

    def test_every_field_always_sent_is_required(self):
        self.exercise()

        self.assertEqual(
            optional_but_always_sent(self.spec, RESPONSES),
            [],
            "make them required, or add a test that receives an answer without them",
        )
        self.assertLessEqual(EXERCISED, set(tally_responses(self.spec, RESPONSES).schemas))


SPEC = {
    "paths": {
        "/things": {
            "get": {
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {
                                "schema": {"oneOf": [{"$ref": "#/components/schemas/Page"}, {"type": "string"}]}
                            }
                        }
                    },
                    "204": {"description": "Nothing."},
                }
            }
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "string"}, "note": {"type": "string", "nullable": True}},
            },
            "Page": {
                "type": "object",
                "required": ["items"],
                "additionalProperties": False,
                "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}},
            },
        }
    },
}


def answer(body: object, status: int = 200, content_type: str | None = "application/json") -> Seen:
    return Seen("GET", "/things", status, content_type, body)


class TestTheSpecScript(unittest.TestCase):
    def test_it_writes_the_spec_the_server_serves(self):
        app = create_app(TestConfig)
        served = app.test_client().get("/openapi.json").get_json()

        self.assertEqual(json.loads(spec_text()), served)  # spec_text disconnects the database it used


class TestTheRulesThemselves(unittest.TestCase):
    def test_a_property_always_sent_must_be_required_until_an_answer_lacks_it(self):
        sent = [answer({"items": [{"id": "1", "note": None}, {"id": "2", "note": "n"}]})]

        self.assertEqual(optional_but_always_sent(SPEC, sent), ["Thing.note: sent in all 2 seen but not required"])
        self.assertEqual(optional_but_always_sent(SPEC, [*sent, answer({"items": [{"id": "3"}]})]), [])

    def test_a_body_that_fails_its_schema_is_named_with_where_and_why(self):
        problems = answer_problems(SPEC, [answer({"items": [{"note": "n"}]}), answer({"items": [], "more": 1})])

        self.assertEqual(
            problems,
            [
                "GET /things 200 at /: Additional properties are not allowed ('more' was unexpected)",
                "GET /things 200 at /items/0: 'id' is a required property",
            ],
        )
        self.assertEqual(answer_problems(SPEC, [answer({"items": [{"id": "1", "note": None}]})]), [])

    def test_a_content_type_on_a_bodiless_answer_is_named(self):
        problems = answer_problems(SPEC, [answer(None, 204, "application/json"), answer(None, 204, None)])

        self.assertEqual(problems, ["GET /things 204: application/json"])
