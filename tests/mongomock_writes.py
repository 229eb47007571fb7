"""Test harness: each mongomock write is atomic, as one MongoDB write on a single document is.

mongomock finds the documents a write matches and then changes them in separate steps, so two threads
running the same conditional update can both match (the example noun's tests run twelve writers with one
If-Match: exactly one must win). A real server makes each single-document write atomic; the app relies on
that and is written for the real server. Here, in the tests' process only, one lock serialises mongomock's
write methods. Development does not need it: `make run` serves one request at a time on the embedded
database (server.py).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

WRITES = (
    "insert_one",
    "insert_many",
    "replace_one",
    "update_one",
    "update_many",
    "find_one_and_update",
    "find_one_and_replace",
    "find_one_and_delete",
    "delete_one",
    "delete_many",
    "bulk_write",
)


def serialise() -> None:
    """Wrap mongomock's public write methods in one re-entrant lock (idempotent)."""
    from mongomock.collection import Collection

    if getattr(Collection, "serialised_writes", False):
        return
    lock = threading.RLock()

    def locked(method: Any) -> Any:
        @functools.wraps(method)
        def write(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return method(*args, **kwargs)

        return write

    for name in WRITES:
        setattr(Collection, name, locked(getattr(Collection, name)))
    Collection.serialised_writes = True
