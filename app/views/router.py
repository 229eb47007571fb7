"""The Router registers the core nouns' blueprints under the versioned prefix; capabilities add theirs."""

from __future__ import annotations

from types import ModuleType

from flask import Flask

from app.views import auth, health, me, security_events, sessions, users

API_PREFIX = "/api/v1"


def add_views(app: Flask, *nouns: ModuleType) -> None:
    """Register each noun module's `blueprint` under the versioned prefix."""
    for noun in nouns:
        app.register_blueprint(noun.blueprint, url_prefix=API_PREFIX)


class Router:
    """Registers one blueprint per core REST noun; each capability's `init_app` calls `add_views` for its own."""

    def init_app(self, app: Flask) -> None:
        add_views(app, auth, me, sessions, security_events, users)
        app.register_blueprint(health.blueprint)  # probes live at the root, outside the versioned API
