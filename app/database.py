"""MongoDB connection: MongoEngine has no extension object, so connect and disconnect live here."""

from __future__ import annotations

import logging
from typing import Any

import mongoengine
from flask import Flask, current_app
from mongoengine.connection import DEFAULT_CONNECTION_NAME, get_db
from pymongo.uri_parser import parse_uri

from app.errors import is_unavailable
from app.models import AuthSession, BaseDocument, LoginGuard, QuotaUsage, User

log = logging.getLogger(__name__)


def init_db(app: Flask) -> None:
    """Connect the default MongoEngine alias to MONGODB_URI, or to the embedded stand-in."""
    disconnect_db()
    uri = app.config.get("MONGODB_URI")
    options: dict[str, Any] = {
        "uuidRepresentation": "standard",
        # The one place stored dates are read: every BSON date comes back as an aware UTC datetime, so models,
        # serialisers and rules compare and format them as they are (no reader converts text or naive values).
        "tz_aware": True,
    }
    if uri:
        name = parse_uri(uri).get("database") or app.config["MONGODB_DB"]
        mongoengine.connect(
            db=name,
            host=uri,
            serverSelectionTimeoutMS=app.config["MONGODB_TIMEOUT_MS"],
            connectTimeoutMS=app.config["MONGODB_TIMEOUT_MS"],
            **options,
        )
        log.info("MongoDB: database %r on the server from MONGODB_URI", name)
    else:
        import mongomock

        name = app.config["MONGODB_DB"]
        mongoengine.connect(db=name, host="mongodb://localhost", mongo_client_class=mongomock.MongoClient, **options)
        log.warning(
            "MongoDB: MONGODB_URI is not set, using the embedded in-memory stand-in (mongomock); "
            "data is lost when the process stops. Set MONGODB_URI=mongodb://host:27017/%s to use a real server.",
            name,
        )
    app.extensions["mongodb"] = {"db": name, "embedded": not uri}
    register_models(app, LoginGuard, User, AuthSession, QuotaUsage)


def register_models(app: Flask, *classes: type[BaseDocument]) -> None:
    """Declare the document classes a part of the app stores (their indexes are created for this app)."""
    models = app.extensions.setdefault("models", {})
    models.update({cls.__name__: cls for cls in classes})


def init_indexes(app: Flask) -> None:
    """Create every registered model's indexes, once all parts registered theirs (unless CREATE_INDEXES is off)."""
    if not app.config.get("CREATE_INDEXES"):
        return
    with app.app_context():
        try:
            ensure_indexes()
        except Exception as error:  # a server that is down at start-up must not stop the app booting
            if not is_unavailable(error):
                raise
            log.error("MongoDB unreachable at start-up; indexes not ensured (run `flask create-indexes`)")


def disconnect_db() -> None:
    """Drop the default connection so the next app can bind its own."""
    mongoengine.disconnect(DEFAULT_CONNECTION_NAME)


def drop_db() -> None:
    """Remove every collection of the current database (tests only)."""
    db = get_db()
    db.client.drop_database(db.name)


def document_classes() -> list[type[BaseDocument]]:
    """Every document class the current app stores, by name."""
    models = current_app.extensions.get("models", {})
    return [models[name] for name in sorted(models)]


def ensure_indexes() -> None:
    """Create the indexes every model declares (idempotent; also `flask create-indexes`)."""
    for cls in document_classes():
        cls.ensure_indexes()
