"""Every query the app sends while serving a request: collection, filter and sort, from either backend.

With mongomock the collection methods are wrapped (it sends no commands); against a real server a
pymongo command listener sees the commands themselves. `tests/test_index_coverage.py` checks the shapes.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Any

from flask import has_request_context
from pymongo import monitoring


@dataclass(frozen=True)
class Query:
    collection: str
    filter: dict[str, Any]
    sort: tuple[tuple[str, int], ...]


QUERIES: list[Query] = []
_inside = threading.local()


def record(collection: str, spec: Any, sort: Any = None) -> None:
    if not has_request_context():  # only what the app sends, not the tests' own checks
        return
    pairs = list(sort.items()) if isinstance(sort, dict) else list(sort or [])
    QUERIES.append(Query(collection, dict(spec or {}), tuple((k, int(d)) for k, d in pairs)))


class Listener(monitoring.CommandListener):
    """Real servers: read the filter and sort out of each command."""

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command, name = event.command, event.command_name
        target = command.get(name)
        if name == "find":
            record(target, command.get("filter"), command.get("sort"))
        elif name == "aggregate" and command.get("pipeline") and "$match" in command["pipeline"][0]:
            record(target, command["pipeline"][0]["$match"])
        elif name == "findAndModify":
            record(target, command.get("query"), command.get("sort"))
        elif name in ("update", "delete"):
            for statement in command.get(f"{name}s", []):
                record(target, statement.get("q"))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def install() -> None:
    """Start recording for both backends (clients made after this call)."""
    monitoring.register(Listener())
    from mongomock.collection import Collection

    if getattr(Collection, "query_log", False):
        return
    get_dataset, iter_documents = Collection._get_dataset, Collection._iter_documents

    @functools.wraps(get_dataset)
    def logged_get_dataset(self: Collection, spec: Any, sort: Any, *args: Any, **kwargs: Any) -> Any:
        if not getattr(_inside, "aggregate", False):
            record(self.name, spec, sort)
        _inside.find = True
        try:
            return list(get_dataset(self, spec, sort, *args, **kwargs))
        finally:
            _inside.find = False

    @functools.wraps(iter_documents)
    def logged_iter_documents(self: Collection, filter: Any = None) -> Any:
        if not getattr(_inside, "find", False):
            record(self.name, filter)
        return iter_documents(self, filter)

    estimated_document_count = Collection.estimated_document_count

    @functools.wraps(estimated_document_count)
    def metadata_count(self: Collection, *args: Any, **kwargs: Any) -> Any:
        _inside.find = True  # a server answers this from metadata; mongomock counts, but that is no query
        try:
            return estimated_document_count(self, *args, **kwargs)
        finally:
            _inside.find = False

    aggregate = Collection.aggregate

    @functools.wraps(aggregate)
    def logged_aggregate(self: Collection, pipeline: Any, *args: Any, **kwargs: Any) -> Any:
        # A server filters with the pipeline's leading $match (what the Listener records); mongomock reads the
        # whole collection and matches in Python, which is no query of the app's.
        if pipeline and "$match" in pipeline[0]:
            record(self.name, pipeline[0]["$match"])
        _inside.find = _inside.aggregate = True
        try:
            return aggregate(self, pipeline, *args, **kwargs)
        finally:
            _inside.find = _inside.aggregate = False

    Collection._get_dataset = logged_get_dataset
    Collection._iter_documents = logged_iter_documents
    Collection.estimated_document_count = metadata_count
    Collection.aggregate = logged_aggregate
    Collection.query_log = True
