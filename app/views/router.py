"""The Router registers every resource blueprint under the versioned prefix."""

from __future__ import annotations

from flask import Flask

API_PREFIX = "/api/v1"


class Router:
    """Registers one blueprint per REST noun."""

    def init_app(self, app: Flask) -> None:
        from app.views import (
            auth,
            email_change,
            email_verification,
            health,
            identities,
            me,
            oidc,
            password_reset,
            post_exports,
            post_imports,
            posts,
            sample,
            uploads,
            users,
        )

        blueprints = (
            sample,
            auth,
            oidc,
            me,
            identities,
            users,
            posts,
            post_imports,
            post_exports,
            uploads,
            email_verification,
            password_reset,
            email_change,
        )
        for blueprint in (noun.blueprint for noun in blueprints):
            app.register_blueprint(blueprint, url_prefix=API_PREFIX)
        app.register_blueprint(health.blueprint)  # probes live at the root, outside the versioned API
