"""The sample resource: the smallest possible noun, to see the request/response shape in Swagger UI."""

from __future__ import annotations

from flask import Flask

from app.docs import add_docs
from app.sample import docs, views
from app.views.router import add_views

NEEDS: tuple[str, ...] = ()


def init_app(app: Flask) -> None:
    """Serve `/api/v1/sample` and document it."""
    add_views(app, views)
    add_docs(app, docs)
