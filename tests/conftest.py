"""Suite-wide set-up: record the app's queries, make mongomock's writes atomic, and check indexes last."""

from __future__ import annotations

import pytest

from tests import mongomock_writes, query_log

query_log.install()
mongomock_writes.serialise()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The index check runs last, so it sees the queries of the whole suite."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/test_index_coverage.py"))
