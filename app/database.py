"""MongoDB connection: MongoEngine has no extension object, so connect and disconnect live here."""

from __future__ import annotations

import logging
from typing import Any

import mongoengine
from flask import Flask
from mongoengine.connection import DEFAULT_CONNECTION_NAME, get_db
from pymongo.uri_parser import parse_uri

log = logging.getLogger(__name__)


def init_db(app: Flask) -> None:
    """Connect the default MongoEngine alias to MONGODB_URI, or to the embedded stand-in."""
    disconnect_db()
    uri = app.config.get("MONGODB_URI")
    options: dict[str, Any] = {
        "uuidRepresentation": "standard",
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
    if app.config.get("CREATE_INDEXES"):
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


def document_classes() -> list[type[mongoengine.Document]]:
    """Every concrete document class the app declares."""
    from app import models  # noqa: F401  (importing registers the models)
    from app.models.base import BaseDocument

    found: list[type[mongoengine.Document]] = []
    stack = list(BaseDocument.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls._meta.get("abstract"):
            found.append(cls)
    return sorted(found, key=lambda c: c.__name__)


def ensure_indexes() -> None:
    """Create the indexes every model declares (idempotent; also `flask create-indexes`)."""
    for cls in document_classes():
        cls.ensure_indexes()


def is_unavailable(error: BaseException) -> bool:
    """True when the error means the server cannot be reached (answer 503, not 500)."""
    from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError

    return isinstance(error, (ConnectionFailure, ServerSelectionTimeoutError))
