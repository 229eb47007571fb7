"""Suite-wide set-up: record the app's queries (and, through TCBase, its answers), make mongomock's writes atomic,
and check what was recorded after the rest ran."""

from __future__ import annotations

import pytest

from tests import mongomock_writes, query_log

query_log.install()
mongomock_writes.serialise()


# These check what the whole suite recorded, so they run last.
LAST = ("tests/test_index_coverage.py", "tests/test_spec_rules.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The index and spec checks run last, so they see the queries and answers of the whole suite."""
    items.sort(key=lambda item: item.nodeid.startswith(LAST))
