"""The OpenAPI 3 document, assembled from one fragment module per noun: the core's, then each capability's."""

from __future__ import annotations

import copy
from types import ModuleType
from typing import Any

from flasgger import Swagger
from flask import Flask

from app.docs import auth, health, me, security_events, sessions, users
from app.docs.common import PROBLEM_SCHEMA

# The core nouns' fragments; each capability adds its own with `add_docs` when it is registered.
CORE = (auth, me, sessions, security_events, users)


def add_docs(app: Flask, *fragments: ModuleType) -> None:
    """Add fragment modules (each with `PATHS` and `SCHEMAS`, and optionally `amend(spec)`) to this app's spec."""
    app.extensions.setdefault("api_docs", []).extend(fragments)


# The API's own origin, whatever host serves it: generated clients and Swagger UI call the paths (which keep their
# /api/v1 prefix, as the health probes live outside it) relative to where the spec was loaded, with no host to set.
SERVERS = [{"url": "/", "description": "This server: the origin the document was loaded from."}]

SPEC_ROUTE = "/openapi.json"
DOCS_ROUTE = "/apidocs/"


def build_spec(app: Flask) -> dict[str, Any]:
    """A fresh copy of the whole spec (flasgger mutates what it is given)."""
    schemas: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, Any] = {}
    for noun in (*CORE, *app.extensions.get("api_docs", ()), health):
        schemas.update(noun.SCHEMAS)
        paths.update(noun.PATHS)
    spec = {
        "openapi": "3.0.3",
        "info": {
            "title": app.config["APP_NAME"],
            "version": app.config["API_VERSION"],
            "description": app.config["API_DESCRIPTION"]
            + "\n\nEvery error is `application/problem+json` (schema `Problem`). Any method a path does not"
            " list answers `405` with an `Allow` header.",
        },
        "servers": SERVERS,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The `accessToken` from `POST /api/v1/auth/login`.",
                }
            },
        },
        "security": [{"bearerAuth": []}],
    }
    spec = copy.deepcopy(spec)
    for noun in app.extensions.get("api_docs", ()):
        amend = getattr(noun, "amend", None)
        if amend is not None:  # a capability changing others' operations (e.g. another answer to sign-ins)
            amend(spec)
    return spec


def swagger_config(app: Flask) -> dict[str, Any]:
    """flasgger's settings: one spec at a stable URL, our own CSP-friendly UI page."""
    return {
        "openapi": "3.0.3",
        "headers": [],
        "specs": [{"endpoint": "openapi", "route": SPEC_ROUTE, "rule_filter": lambda rule: False}],
        "static_url_path": "/flasgger_static",
        "swagger_ui": True,
        "specs_route": DOCS_ROUTE,
        "title": app.config["APP_NAME"],
        "uiversion": 3,
        "hide_top_bar": True,
    }


def init_docs(app: Flask) -> None:
    """Serve the spec and Swagger UI.

    flasgger keeps its config, template and spec cache on the instance, so
    each app gets its own rather than sharing one from `app.extensions`.
    """
    Swagger(app, config=swagger_config(app), template=build_spec(app))
