"""The spec's rules for typed clients, checked against the answers the suite recorded (tests/response_log.py).

- every JSON answer validates against the schema documented for its path, method, status and media type (so a
  property listed in `required` is in every answer, and a `null` only where `nullable` says so);
- a 204 or 304 carries no Content-Type;
- over many answers: a property sent in every answer of its schema is listed in `required`, so a generated
  client types it as always there.

`observe` walks a body and its schema together (through `$ref`, `oneOf`, arrays and nested objects) and counts,
per object schema, how many instances were seen and how many of them carried each property. A schema reached
through `$ref` is counted under its name wherever it appears (a `User` inside a page and a `User` on its own are
one tally); an inline object is counted under its parent's name and the property that holds it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match

from tests.response_log import NO_BODY, Seen

REF_PREFIX = "#/components/schemas/"


@dataclass
class Tally:
    """How often each object schema was seen, and with which properties."""

    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    instances: Counter = field(default_factory=Counter)
    present: Counter = field(default_factory=Counter)

    def add(self, key: str, schema: dict[str, Any], value: dict[str, Any]) -> None:
        self.schemas[key] = schema
        self.instances[key] += 1
        for name in value:
            self.present[key, name] += 1

    def always_sent_but_optional(self) -> list[str]:
        """`Schema.property` sent in every instance seen, yet not in `required`.

        A property that really is sometimes absent passes once the suite sees one answer without it: add a test
        of that case rather than an exception here.
        """
        found = []
        for key, schema in self.schemas.items():
            for name in schema.get("properties", {}):
                if self.present[key, name] == self.instances[key] and name not in schema.get("required", []):
                    found.append(f"{key}.{name}: sent in all {self.instances[key]} seen but not required")
        return sorted(found)


def resolve(spec: dict[str, Any], schema: dict[str, Any], key: str) -> tuple[dict[str, Any], str]:
    """Follow a `$ref` to its component; the component's name becomes the tally key."""
    while "$ref" in schema:
        name = schema["$ref"].removeprefix(REF_PREFIX)
        schema, key = spec["components"]["schemas"][name], name
    return schema, key


def fits(spec: dict[str, Any], schema: dict[str, Any], value: Any) -> bool:
    """Whether `value` has `schema`'s shape: its required keys (and no others when it allows none), or no object."""
    schema, _ = resolve(spec, schema, "")
    if not is_object_schema(schema) or not isinstance(value, dict):
        return is_object_schema(schema) == isinstance(value, dict)
    if any(name not in value for name in schema.get("required", [])):
        return False
    return schema.get("additionalProperties", True) is not False or set(value) <= set(schema.get("properties", {}))


def is_object_schema(schema: dict[str, Any]) -> bool:
    """Whether `schema` describes an object."""
    return schema.get("type") == "object" or "properties" in schema


def observe(spec: dict[str, Any], schema: dict[str, Any], value: Any, key: str, tally: Tally) -> None:
    """Tally every object in `value` against the part of `schema` that describes it."""
    schema, key = resolve(spec, schema, key)
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives:
        fitting = [(i, alt) for i, alt in enumerate(alternatives) if fits(spec, alt, value)]
        if len(fitting) != 1:  # not one page or the other: the schema check reports it
            return
        index, alternative = fitting[0]
        observe(spec, alternative, value, f"{key}|{index}", tally)
        return
    if isinstance(value, dict) and is_object_schema(schema):
        tally.add(key, schema, value)
        for name, prop in schema.get("properties", {}).items():
            if name in value:
                observe(spec, prop, value[name], f"{key}.{name}", tally)
    elif isinstance(value, list) and "items" in schema:
        for item in value:
            observe(spec, schema["items"], item, f"{key}[]", tally)


def documented_schema(spec: dict[str, Any], seen: Seen) -> dict[str, Any] | None:
    """The schema the spec gives for this answer's path, method, status and media type, if any."""
    if seen.path is None or seen.body is NO_BODY or not seen.content_type:
        return None
    operation = spec["paths"].get(seen.path, {}).get(seen.method.lower())
    response = (operation or {}).get("responses", {}).get(str(seen.status))
    media = seen.content_type.split(";")[0].strip()
    return ((response or {}).get("content") or {}).get(media, {}).get("schema")


def tally_responses(spec: dict[str, Any], responses: list[Seen]) -> Tally:
    """Tally every recorded JSON answer that has a documented schema."""
    tally = Tally()
    for seen in responses:
        schema = documented_schema(spec, seen)
        if schema is not None:
            observe(spec, schema, seen.body, f"{seen.method} {seen.path} {seen.status}", tally)
    return tally


def json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as plain JSON Schema: `nullable` becomes a `null` type (and a `None` in an enum)."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items() if key not in ("nullable", "discriminator")}
    if node.get("nullable"):
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
    return converted


def invalid_answers(spec: dict[str, Any], responses: list[Seen]) -> list[str]:
    """Each JSON answer that fails its documented schema, with the first reason."""
    components = json_schema(spec["components"])
    found = set()
    for seen in responses:
        schema = documented_schema(spec, seen)
        if schema is None:
            continue
        validator = Draft4Validator({**json_schema(schema), "components": components})
        error = best_match(validator.iter_errors(seen.body))
        if error is not None:
            where = "/".join(str(part) for part in error.absolute_path)
            found.add(f"{seen.method} {seen.path} {seen.status} at /{where}: {error.message[:200]}")
    return sorted(found)


def labelled_bodiless_answers(responses: list[Seen]) -> list[str]:
    """Each 204 or 304 that came with a Content-Type."""
    return sorted(
        {
            f"{seen.method} {seen.path} {seen.status}: {seen.content_type}"
            for seen in responses
            if seen.status in (204, 304) and seen.content_type
        }
    )


def answer_problems(spec: dict[str, Any], responses: list[Seen]) -> list[str]:
    """What is wrong with each answer on its own: a body that fails its schema, a Content-Type on a 204 or 304."""
    return [*invalid_answers(spec, responses), *labelled_bodiless_answers(responses)]


def optional_but_always_sent(spec: dict[str, Any], responses: list[Seen]) -> list[str]:
    """Properties every answer of their schema carried, yet not required.

    Meaningful over many answers (the whole suite), not over one test's, which may see only answers that have
    them (a test of bad input sees `errors` on every problem).
    """
    return tally_responses(spec, responses).always_sent_but_optional()
