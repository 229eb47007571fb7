"""The fast schema check (fastjsonschema) never passes a body jsonschema refuses, for every documented schema.

`app.validation.validate` accepts a body on the fast check alone; jsonschema decides everything else. These
tests compare the two on generated bodies (the right keys with values of any JSON shape, and more), and show
that the fast check does pass the documented examples, so it is really in use.
"""

from __future__ import annotations

import importlib
import pkgutil
import unittest
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import app
from app.validation import compiled, validate


def docs_modules() -> list[str]:
    """The core's `app.docs.*` and every capability's `*docs` module."""
    names = [info.name for info in pkgutil.walk_packages(app.__path__, "app.") if not info.ispkg]
    return [name for name in names if name.startswith("app.docs.") or name.endswith("docs")]


def documented_object_schemas() -> dict[str, dict[str, Any]]:
    """Every object schema declared as a constant in a docs module (request bodies among them)."""
    found: dict[str, dict[str, Any]] = {}
    for name in docs_modules():
        module = importlib.import_module(name)
        for constant, value in vars(module).items():
            is_object = isinstance(value, dict) and value.get("type") == "object" and "properties" in value
            # bodies are self-contained; page envelopes refer to components, and are never request bodies
            if constant.isupper() and is_object and "$ref" not in str(value):
                found[f"{module.__name__}.{constant}"] = value
    return found


SCHEMAS = documented_object_schemas()
UUID = "00000000-0000-4000-8000-000000000000"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", " ", "\u00a0", "draft", "published", "a@example.com", UUID]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def bodies_for(schema: dict[str, Any]) -> st.SearchStrategy:
    keys = [*sorted(schema["properties"]), "unexpected"]
    return st.dictionaries(st.sampled_from(keys), json_values, max_size=len(keys)) | json_values


def jsonschema_accepts(schema: dict[str, Any], body: Any) -> bool:
    return not any(compiled(schema)[1].iter_errors(body))


def fast_accepts(schema: dict[str, Any], body: Any) -> bool:
    fast = compiled(schema)[0]
    try:
        fast(body)
    except Exception:
        return False
    return True


class TestFastCheck(unittest.TestCase):
    def test_every_documented_schema_compiles(self):
        self.assertGreater(len(SCHEMAS), 10)
        for name, schema in SCHEMAS.items():
            with self.subTest(schema=name):
                self.assertIsNotNone(compiled(schema)[0])

    def test_the_fast_check_passes_valid_bodies(self):
        from app.docs.auth import SIGNUP
        from app.posts.docs import POST_CREATE, POST_UPDATE  # capability: posts

        cases = [
            (SIGNUP, {"email": "ada@example.com", "password": "correct horse battery", "displayName": "Ada"}),
            (POST_CREATE, {"title": "T", "body": "B", "tags": ["a"], "status": "draft"}),  # capability: posts
            (POST_UPDATE, {"title": "T"}),  # capability: posts
            (POST_UPDATE, {"attachments": ["00000000-0000-4000-8000-000000000000"]}),  # capability: posts, uploads
        ]
        for schema, body in cases:
            with self.subTest(body=body):
                self.assertTrue(fast_accepts(schema, body))
                validate(body, schema)  # and the app accepts it

    # capability: posts
    def test_the_fast_check_refuses_what_jsonschema_refuses(self):
        from app.posts.docs import POST_CREATE

        for body in ({"title": " ", "body": "B"}, {"title": "T", "body": "B", "status": "gone"}, {"title": 1.0}):
            with self.subTest(body=body):
                self.assertFalse(fast_accepts(POST_CREATE, body))
                self.assertFalse(jsonschema_accepts(POST_CREATE, body))

    # end capability: posts

    @settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def test_never_passes_what_jsonschema_refuses(self, data: st.DataObject):
        for name, schema in SCHEMAS.items():
            body = data.draw(bodies_for(schema), label=name)
            if fast_accepts(schema, body):
                self.assertTrue(jsonschema_accepts(schema, body), f"{name}: {body!r}")
