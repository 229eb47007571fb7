"""Every answer the suite's test clients receive, with the documented path it answered, for the spec's rules.

`TCBase` gives each app `RecordingClient` (Flask's documented `test_client_class` hook), so whatever a test
sends, the answer is kept as the client saw it: after werkzeug's own header rules, as a TypeScript client would
see it over HTTP. `TCBase.tearDown` checks each test's answers, `tests/test_spec_rules.py` the whole run's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.test import TestResponse


@dataclass(frozen=True)
class Seen:
    """One answer: the documented path it matched (None when no route did), its status, headers and JSON body."""

    method: str
    path: str | None
    status: int
    content_type: str | None
    body: Any


RESPONSES: list[Seen] = []
NO_BODY = object()


def openapi_path(rule: str) -> str:
    """A Flask rule as the spec writes it: `/posts/<post_id>` -> `/posts/{postId}`."""

    def camel(match: re.Match) -> str:
        head, *rest = match.group(1).split(":")[-1].split("_")
        return "{" + head + "".join(p.title() for p in rest) + "}"

    return re.sub(r"<([^>]+)>", camel, rule)


def matched_path(client: FlaskClient, method: str, path: str) -> str | None:
    """The spec path of the route that served `method path`, or None (unknown path, 405, a redirect)."""
    adapter = client.application.url_map.bind("localhost")
    try:
        rule, _ = adapter.match(path, method, return_rule=True)
    except (HTTPException, RequestRedirect):
        return None
    return openapi_path(rule.rule)


def json_body(response: TestResponse) -> Any:
    """The parsed body of a JSON answer; NO_BODY for anything else (files, HTML, empty bodies)."""
    if not (response.mimetype or "").endswith(("/json", "+json")):
        return NO_BODY
    data = response.get_data()
    if not data:
        return NO_BODY
    try:
        return json.loads(data)
    except ValueError:
        return NO_BODY


class RecordingClient(FlaskClient):
    """Flask's test client, keeping every final answer in RESPONSES."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        request = response.request
        RESPONSES.append(
            Seen(
                method=request.method,
                path=matched_path(self, request.method, request.path),
                status=response.status_code,
                content_type=response.headers.get("Content-Type"),
                body=json_body(response),
            )
        )
        return response
