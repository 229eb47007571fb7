"""Suite-wide set-up: record the app's queries (and, through TCBase, its answers), make mongomock's writes atomic,
and check what was recorded after the rest ran."""

from __future__ import annotations

import pytest

from tests import mongomock_writes, query_log

query_log.install()
mongomock_writes.serialise()


# These check what the whole suite recorded, so they run last.
LAST = ("tests/test_index_coverage.py", "tests/test_spec_rules.py")


# The removals in copies of the project run in background processes while the rest of the suite runs; their
# tests wait for them, last.
REMOVALS = "tests/test_remove.py::TestRemovals"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The index and spec checks run last, so they see the queries and answers of the whole suite."""
    items.sort(key=lambda item: (item.nodeid.startswith(REMOVALS), item.nodeid.startswith(LAST)))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the removal copies now if their tests were selected, so they run beside the rest of the suite."""
    removals = [item.name.removeprefix("test_remove_") for item in session.items if item.nodeid.startswith(REMOVALS)]
    if removals:
        from tests.test_remove import start_removals

        start_removals(removals)
