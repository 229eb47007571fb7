"""The application factory."""

from __future__ import annotations

from dotenv import load_dotenv
from flask import Flask

from app.auth import init_auth
from app.capabilities import init_capabilities
from app.commands import register_commands
from app.database import init_db, init_indexes
from app.docs import init_docs
from app.errors import register_error_handlers
from app.hooks import register_hooks
from app.logs import init_logging
from app.middleware import init_cors, init_hosts, init_proxies, init_throttling
from app.passwords import init_passwords
from app.security_log import init_security_log
from app.views.router import Router
from config import Config, get_config

__all__ = ["create_app"]


def create_app(config: str | type[Config] | None = None) -> Flask:
    """Build an app from a config class or name (`dev`, `test`, `production`; default APP_CONFIG, else `dev`)."""
    config_class = get_config(config)
    if config_class.LOAD_DOTENV:
        load_dotenv(override=False)

    app = Flask(__name__)
    app.config.from_mapping(config_class.settings())
    app.config["CONFIG_NAME"] = config_class.__name__

    init_logging(app)
    init_db(app)
    init_auth(app)
    init_passwords(app)
    register_hooks(app)
    init_proxies(app)
    init_hosts(app)
    init_cors(app)
    init_throttling(app)
    register_error_handlers(app)
    Router().init_app(app)
    register_commands(app)
    init_security_log(app)
    init_capabilities(app)  # app/capabilities.py: jobs, mail, uploads, sign-in with providers, posts, ...
    init_indexes(app)
    if app.config["DOCS_ENABLED"]:
        init_docs(app)
    return app
