"""The OpenAPI document: every route and method in it, each operation complete, Swagger UI served."""

from __future__ import annotations

import re

from jsonschema import Draft4Validator
from openapi_spec_validator import validate as validate_openapi

from tests.views import TCBase

SKIPPED_METHODS = {"HEAD", "OPTIONS"}
DOCS_PREFIXES = ("/apidocs", "/flasgger_static", "/static", "/openapi.json", "/oauth2-redirect.html")


def openapi_path(rule: str) -> str:
    """`/posts/<post_id>` -> `/posts/{postId}`."""

    def camel(match: re.Match) -> str:
        head, *rest = match.group(1).split(":")[-1].split("_")
        return "{" + head + "".join(p.title() for p in rest) + "}"

    return re.sub(r"<([^>]+)>", camel, rule)


class TestSpec(TCBase):
    def setUp(self) -> None:
        super().setUp()
        response = self.request("GET", "/openapi.json")
        self.assertEqual(response.status_code, 200)
        self.spec = response.get_json()

    def operations(self):
        for path, item in self.spec["paths"].items():
            for method, operation in item.items():
                if method != "parameters":
                    yield path, method, operation

    def test_is_openapi_3_with_bearer_auth(self):
        self.assertTrue(self.spec["openapi"].startswith("3."))
        scheme = self.spec["components"]["securitySchemes"]["bearerAuth"]
        self.assertEqual((scheme["type"], scheme["scheme"], scheme["bearerFormat"]), ("http", "bearer", "JWT"))
        self.assertIn("Problem", self.spec["components"]["schemas"])

    def test_the_served_document_is_valid_openapi(self):
        validate_openapi(self.spec)  # raises, naming the first offending part

    def test_every_route_and_method_is_documented(self):
        documented = {(path, method.upper()) for path, method, _ in self.operations()}
        served = set()
        for rule in self.app.url_map.iter_rules():
            if rule.rule.startswith(DOCS_PREFIXES):
                continue
            for method in rule.methods - SKIPPED_METHODS:
                served.add((openapi_path(rule.rule), method))

        self.assertEqual(served - documented, set(), "routes missing from the spec")
        self.assertEqual(documented - served, set(), "documented operations the app does not serve")

    def test_operation_ids_are_unique_and_every_operation_is_complete(self):
        ids = [operation["operationId"] for _, _, operation in self.operations()]
        self.assertEqual(len(ids), len(set(ids)))
        for path, method, operation in self.operations():
            with self.subTest(path=path, method=method):
                self.assertTrue(operation.get("summary"))
                self.assertTrue(operation.get("tags"))
                responses = operation["responses"]
                self.assertTrue(any(code.startswith(("2", "3")) for code in responses))  # a redirect is an answer
                self.assertIn("406", responses)
                self.assertEqual("429" in responses, path not in ("/health", "/ready"))  # probes are never throttled
                public = operation.get("security", self.spec["security"]) in ([], [{}, {"bearerAuth": []}])
                if not public:
                    self.assertIn("401", responses)
                if "requestBody" in operation:
                    for code in ("400", "413", "415"):
                        self.assertIn(code, responses)
                for code, response in responses.items():
                    if code.startswith(("4", "5")):
                        content = response["content"]["application/problem+json"]
                        self.assertEqual(content["schema"], {"$ref": "#/components/schemas/Problem"})

    def test_schemas_are_valid_and_examples_match_them(self):
        schemas = self.spec["components"]["schemas"]
        for name, schema in schemas.items():
            with self.subTest(schema=name):
                Draft4Validator.check_schema(schema)
        for path, method, operation in self.operations():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                with self.subTest(path=path, method=method):
                    resolved = schemas[body["schema"]["$ref"].rsplit("/", 1)[-1]]
                    self.assertTrue(Draft4Validator(resolved).is_valid(body["example"]), body["example"])

    def test_path_parameters_are_declared(self):
        for path, item in self.spec["paths"].items():
            for name in re.findall(r"{(\w+)}", path):
                with self.subTest(path=path):
                    declared = [p["name"] for p in item.get("parameters", [])]
                    self.assertIn(name, declared)


class TestSwaggerUI(TCBase):
    def test_ui_page_and_its_assets_are_served_from_this_origin(self):
        page = self.request("GET", "/apidocs/")

        self.assertEqual(page.status_code, 200)
        html = page.get_data(as_text=True)
        self.assertIn('data-spec-url="/openapi.json"', html)
        for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
            with self.subTest(asset=asset):
                self.assertTrue(asset.startswith("/"), asset)
                response = self.request("GET", asset)
                response.close()  # static files are streamed from disk

                self.assertEqual(response.status_code, 200)
        self.assertNotIn("<script>", html)  # no inline script: the page's CSP allows none


class NoDocsConfig(TCBase.config):
    DOCS_ENABLED = False


class TestDocsDisabled(TCBase):
    config = NoDocsConfig

    def test_spec_and_ui_are_gone(self):
        for path in ("/apidocs/", "/openapi.json", "/flasgger_static/swagger-ui.css"):
            with self.subTest(path=path):
                self.assert_problem(self.request("GET", path), 404)
