"""One problem shape from every layer, request ids, content negotiation and strict JSON bodies."""

from __future__ import annotations

import json
import logging
import uuid

from app.errors import ApiError, handle_error
from tests.views.probe import PROBE, ProbeTCBase

DEEP = "[" * 200 + "]" * 200


class TestEveryLayerAnswersAProblem(ProbeTCBase):
    def test_unknown_route_is_404(self):
        self.assert_problem(self.request("GET", "/api/v1/nothing-here"), 404)
        self.assert_problem(self.request("GET", "/"), 404)

    def test_unexpected_exception_is_a_logged_500_without_details(self):
        @self.app.route("/boom")
        def boom():
            raise RuntimeError("secret internals: mongodb://user:pw@db")

        with self.assertLogs("app.errors", logging.ERROR) as logs:
            response = self.request("GET", "/boom", headers={"X-Request-ID": "trace-500"})

        body = self.assert_problem(response, 500)
        self.assertNotIn("secret internals", response.get_data(as_text=True))
        self.assertEqual(body["requestId"], "trace-500")
        self.assertIn("unhandled RuntimeError in request trace-500", logs.output[-1])
        self.assertIn("Traceback", logs.output[-1])  # the log keeps what the client never sees

    def test_api_error_status_and_headers_survive(self):
        with self.app.test_request_context():
            response = handle_error(ApiError("teapot", status=418, headers={"X-Why": "because"}))

        self.assertEqual(response.status_code, 418)
        self.assertEqual(response.headers["X-Why"], "because")
        self.assertEqual(json.loads(response.get_data())["detail"], "teapot")

    def test_request_id_is_kept_when_well_formed_and_replaced_otherwise(self):
        kept = self.request("GET", PROBE, headers={"X-Request-ID": "abc.DEF_123-x"})
        bad = self.request("GET", PROBE, headers={"X-Request-ID": "no spaces allowed"})
        long = self.request("GET", PROBE, headers={"X-Request-ID": "a" * 129})
        none = self.request("GET", PROBE)

        self.assertEqual(kept.headers["X-Request-ID"], "abc.DEF_123-x")
        for response in (bad, long, none):
            self.assertEqual(uuid.UUID(response.headers["X-Request-ID"]).version, 4)


class TestContentNegotiation(ProbeTCBase):
    def test_accept_without_json_is_406(self):
        for accept in ("text/html", "application/xml", "text/plain, image/png", "application/json;q=0"):
            with self.subTest(accept=accept):
                self.assert_problem(self.request("GET", PROBE, headers={"Accept": accept}), 406)

    def test_accept_admitting_json_is_served(self):
        for accept in ("*/*", "application/*", "application/json", "application/problem+json", "text/html, */*;q=0.1"):
            with self.subTest(accept=accept):
                response = self.request("GET", PROBE, headers={"Accept": accept})

                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.mimetype, "application/json")
        self.assertEqual(self.request("GET", PROBE).status_code, 200)

    def test_docs_page_is_served_as_html(self):
        response = self.request("GET", "/apidocs/", headers={"Accept": "text/html"})

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.mimetype, "text/html")


class TestStrictJsonBodies(ProbeTCBase):
    def setUp(self) -> None:
        super().setUp()
        _, self.token = self.auth()

    def post_raw(self, data: bytes | str, content_type: str = "application/json"):
        return self.request("POST", PROBE, data=data, token=self.token, headers={"Content-Type": content_type})

    def test_non_json_media_types_are_415(self):
        for content_type in ("application/xml", "text/xml", "application/x-www-form-urlencoded", "text/plain", ""):
            with self.subTest(content_type=content_type):
                self.assert_problem(self.post_raw('{"name": "a", "age": 1}', content_type), 415)

    def test_json_suffix_media_types_are_accepted(self):
        response = self.post_raw('{"name": "a", "age": 1}', "application/merge-patch+json")

        self.assertEqual(response.status_code, 201)

    def test_unstorable_or_broken_json_is_400(self):
        cases = {
            "invalid utf-8": b'{"name": "\xff\xfe", "age": 1}',
            "syntax": b'{"name": ',
            "NaN": b'{"name": "a", "age": NaN}',
            "Infinity": b'{"name": "a", "age": -Infinity}',
            "duplicate keys": b'{"name": "a", "name": "b", "age": 1}',
            "deep nesting": ('{"name": "a", "age": 1, "x": ' + DEEP + "}").encode(),
            "lone surrogate": b'{"name": "\\ud800", "age": 1}',
            "beyond int64": b'{"name": "a", "age": 99999999999999999999}',
            "dollar key": b'{"name": "a", "age": 1, "$where": "1"}',
            "dotted key": b'{"name": "a", "age": 1, "a.b": 1}',
            "nested operator": b'{"name": {"$ne": null}, "age": 1}',
            "empty body": b"",
        }
        for name, data in cases.items():
            with self.subTest(case=name):
                self.assert_problem(self.post_raw(data), 400)

    def test_wrong_shapes_name_the_field(self):
        self.assert_field_errors(self.request("POST", PROBE, json=[1, 2], token=self.token), "(body)")
        self.assert_field_errors(self.request("POST", PROBE, json={"name": "a", "age": "1"}, token=self.token), "age")
        self.assert_field_errors(self.request("POST", PROBE, json={"name": ["a"], "age": 1}, token=self.token), "name")
        self.assert_field_errors(
            self.request("POST", PROBE, json={"name": "a", "age": 1, "extra": 1}, token=self.token), "extra"
        )
        self.assert_field_errors(self.request("POST", PROBE, json={"name": "a", "age": 151}, token=self.token), "age")

    def test_messages_never_echo_the_submitted_value(self):
        response = self.request("POST", PROBE, json={"name": "<script>x</script>", "age": "<img>"}, token=self.token)

        self.assertNotIn("<script>", response.get_data(as_text=True))
        self.assertNotIn("<img>", response.get_data(as_text=True))

    def test_body_over_the_limit_is_413(self):
        big = '{"name": "' + "a" * (self.app.config["MAX_CONTENT_LENGTH"] + 10) + '", "age": 1}'

        self.assert_problem(self.post_raw(big), 413)

    def test_valid_body_is_echoed(self):
        response = self.request("POST", PROBE, json={"name": "Ada", "age": 36}, token=self.token)

        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.get_json(), {"name": "Ada", "age": 36})
