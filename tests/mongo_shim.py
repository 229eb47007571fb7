"""A wire-protocol shim in front of nx-27017, so the suite tests the product as written for a real MongoDB.

nx-27017 (a MongoDB wire-protocol server over SQLite) is the test harness's MongoDB: `make test-server`
(scripts/test_server.py), the integration tests (tests/integration/servers.py) and the scale bench start it.
The app is written for MongoDB; where nx-27017 0.8 does something differently, this proxy rewrites the
command before nx sees it (only what the app sends; replies pass through untouched):

- **A compound index that ends with `_id`**: nx accepts it, then refuses every insert into the collection
  ("JSON path error near '_id'"). Every list index of the app ends with `_id` (the unique tie-breaker of
  its sort, app/pagination.py). The shim drops the trailing `_id` from `createIndexes` keys: nx sorts on
  every key of a query's sort whatever its indexes hold, so lists come back in MongoDB's order anyway.
- **`$set` datetimes**: nx stores a datetime written by `$set` or `$setOnInsert` as text
  ('2026-01-01 12:00:00.123000'), which reads back as a string and sorts apart from inserted dates. The
  shim sends it as `{"$date": "<ISO 8601>"}`, the form nx stores an inserted datetime in, so it is a date.
- **Dates compared to the second**: nx compares dates through SQLite's `datetime()`, which drops the
  milliseconds, so `{createdAt: {$gt: v}}` misses items later in the same second (and `$eq` matches the
  whole second): a cursor page would skip or repeat items. For a filter that compares a datetime, the shim
  adds a clause that can never fail (`_id` is not an ObjectId of zeros; the app's ids are UUID strings),
  which nx can only evaluate in Python, where it then evaluates the whole filter and dates compare exactly.
- **BSON regular expressions** (`{"title": re.compile("x", re.I)}`): nx fails ("type 'Regex' is not
  supported"). The shim sends the equivalent `{"$regex": "x", "$options": "i"}`, which nx runs.

Not bridged, as the app does not depend on it: an upserting `findAndModify` ignores `$setOnInsert` on nx (the
lock-out's guard, app/lockout.py, is stored there with an ObjectId for its id and no `created_at`).

Run it as `python -m tests.mongo_shim --port P --upstream-port U` (from the repository root), or use
`nx_behind_shim()`, which starts nx-27017 and the shim on free ports of 127.0.0.1 and stops both by PID.
"""

from __future__ import annotations

import argparse
import logging
import re
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import bson
from bson import ObjectId
from bson.codec_options import CodecOptions, DatetimeConversion
from bson.regex import Regex

from scripts.ports import free_port, wait_for_port

log = logging.getLogger("mongo-shim")

ROOT = Path(__file__).resolve().parents[1]
NX_27017 = Path(sys.executable).parent / "nx-27017"
OP_MSG = 2013
CHECKSUM_PRESENT = 1
# Decoded and encoded again without a change of type: binary UUIDs stay Binary, int64 stays Int64, dates
# out of datetime's range stay DatetimeMS.
CODEC = CodecOptions(document_class=dict, datetime_conversion=DatetimeConversion.DATETIME_AUTO)
NEVER_AN_ID = ObjectId("0" * 24)
COMPARISONS = {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"}
REGEX_OPTIONS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"), (re.VERBOSE, "x"))

Command = dict[str, Any]
Sequences = dict[str, list[dict[str, Any]]]


def stored_date(value: datetime) -> dict[str, str]:
    """A datetime as nx-27017 stores an inserted one (naive UTC, ISO 8601), so a `$set` one reads back as a date."""
    return {"$date": value.isoformat()}


def date_values(update: Any) -> bool:
    """Rewrite the datetimes `$set`/`$setOnInsert` write into the stored form; True if any was."""
    changed = False
    if isinstance(update, dict):
        for operator in ("$set", "$setOnInsert"):
            fields = update.get(operator)
            for name, value in (fields or {}).items():
                if isinstance(value, datetime):
                    fields[name] = stored_date(value)
                    changed = True
    return changed


def regex_options(flags: int) -> str:
    return "".join(letter for flag, letter in REGEX_OPTIONS if flags & flag)


def clauses(query: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str, Any]]:
    """(document, name, value) of every field condition of a filter, through `$and`, `$or` and `$nor`."""
    for name, value in list(query.items()):
        if name in ("$and", "$or", "$nor") and isinstance(value, list):
            for clause in value:
                if isinstance(clause, dict):
                    yield from clauses(clause)
        else:
            yield query, name, value


def plain_regexes(query: dict[str, Any]) -> bool:
    """Rewrite BSON regexes into `$regex` documents, in place; True if there was one."""
    changed = False
    for document, name, value in clauses(query):
        if isinstance(value, Regex):
            document[name] = {"$regex": value.pattern, "$options": regex_options(value.flags)}
            changed = True
        elif isinstance(value, dict) and isinstance(value.get("$regex"), Regex):
            regex = value["$regex"]
            value["$regex"] = regex.pattern
            value["$options"] = "".join(sorted(set(value.get("$options", "") + regex_options(regex.flags))))
            changed = True
    return changed


def compares_dates(query: dict[str, Any]) -> bool:
    """Whether any condition of the filter compares a field with a datetime."""
    for _, _, value in clauses(query):
        operands = [value[op] for op in COMPARISONS.intersection(value)] if isinstance(value, dict) else [value]
        if any(
            isinstance(item, datetime)
            for operand in operands
            for item in (operand if isinstance(operand, list) else [operand])
        ):
            return True
    return False


def exact_filter(query: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The filter nx-27017 runs as MongoDB would (see the module's docstring); (filter, changed)."""
    changed = plain_regexes(query)
    if compares_dates(query):
        return {"$and": [{"_id": {"$ne": NEVER_AN_ID}}, query]}, True
    return query, changed


def rewrite_filters(holders: list[dict[str, Any]], field: str) -> bool:
    """Rewrite the filter under `field` of each holder (the command, a statement, a `$match` stage) that has one."""
    changed = False
    for holder in holders:
        if isinstance(holder.get(field), dict):
            holder[field], filtered = exact_filter(holder[field])
            changed = filtered or changed
    return changed


def rewrite_indexes(command: Command, sequences: Sequences) -> bool:
    changed = False
    for spec in command.get("indexes", []):
        keys = list(spec.get("key", {}).items())
        if len(keys) > 1 and keys[-1][0] == "_id":
            spec["key"] = dict(keys[:-1])
            changed = True
    return changed


def rewrite_filter(field: str) -> Callable[[Command, Sequences], bool]:
    """For commands with one filter (`find`, `count`, `distinct`, `findAndModify`)."""

    def rewrite(command: Command, sequences: Sequences) -> bool:
        return rewrite_filters([command], field)

    return rewrite


def rewrite_statements(name: str) -> Callable[[Command, Sequences], bool]:
    """For `update` and `delete`, whose statements come in the command or as a document sequence."""

    def rewrite(command: Command, sequences: Sequences) -> bool:
        statements = [*command.get(name, []), *sequences.get(name, [])]
        dated = [date_values(statement.get("u")) for statement in statements]  # `delete` statements have none
        return rewrite_filters(statements, "q") or any(dated)

    return rewrite


def rewrite_find_and_modify(command: Command, sequences: Sequences) -> bool:
    dated = date_values(command.get("update"))
    return rewrite_filters([command], "query") or dated


def rewrite_aggregate(command: Command, sequences: Sequences) -> bool:
    stages = [stage for stage in command.get("pipeline", []) if isinstance(stage, dict)]
    return rewrite_filters(stages, "$match")


REWRITES: dict[str, Callable[[Command, Sequences], bool]] = {
    "createIndexes": rewrite_indexes,
    "update": rewrite_statements("updates"),
    "delete": rewrite_statements("deletes"),
    "findAndModify": rewrite_find_and_modify,
    "find": rewrite_filter("filter"),
    "count": rewrite_filter("query"),
    "distinct": rewrite_filter("query"),
    "aggregate": rewrite_aggregate,
}


def command_name(document: bytes) -> str:
    """The first key of a BSON document (a command's name), without decoding the rest."""
    end = document.index(b"\0", 5)
    return document[5:end].decode()


def read_sections(message: bytes) -> tuple[bytes, dict[str, bytes]]:
    """An OP_MSG's command (its kind-0 section) and document sequences (kind 1, by identifier), as BSON bytes."""
    flags = int.from_bytes(message[16:20], "little")
    end = len(message) - (4 if flags & CHECKSUM_PRESENT else 0)
    position, command, sequences = 20, b"", {}
    while position < end:
        kind, size = message[position], int.from_bytes(message[position + 1 : position + 5], "little")
        if kind == 0:
            command = message[position + 1 : position + 1 + size]
        else:
            identifier, _, documents = message[position + 5 : position + 1 + size].partition(b"\0")
            sequences[identifier.decode()] = documents
        position += 1 + size
    return command, sequences


def op_msg(header: bytes, flags: int, command: Command, sequences: Sequences) -> bytes:
    """An OP_MSG with the request and response ids of `header`, these flags, command and sequences; no checksum."""
    sections = b"\0" + bson.encode(command, codec_options=CODEC)
    for identifier, documents in sequences.items():
        payload = identifier.encode() + b"\0" + b"".join(bson.encode(d, codec_options=CODEC) for d in documents)
        sections += b"\1" + (len(payload) + 4).to_bytes(4, "little") + payload
    flags &= ~CHECKSUM_PRESENT
    return (
        (20 + len(sections)).to_bytes(4, "little")
        + header[4:12]
        + OP_MSG.to_bytes(4, "little")
        + flags.to_bytes(4, "little")
        + sections
    )


def rewrite(message: bytes) -> bytes:
    """One client message as nx-27017 should see it: an OP_MSG command rewritten where needed, else as sent."""
    if int.from_bytes(message[12:16], "little") != OP_MSG:
        return message
    body, sequences = read_sections(message)
    rewrite_command = REWRITES.get(command_name(body))
    if rewrite_command is None:
        return message
    command = bson.decode(body, codec_options=CODEC)
    decoded = {name: bson.decode_all(documents, codec_options=CODEC) for name, documents in sequences.items()}
    if not rewrite_command(command, decoded):
        return message
    # Sent again without a checksum (it covered the bytes as sent): the command first, then its sequences.
    return op_msg(message, int.from_bytes(message[16:20], "little"), command, decoded)


def read_message(sock: socket.socket) -> bytes | None:
    """One whole wire-protocol message, or None once the peer has closed."""
    header = receive(sock, 16)
    if header is None:
        return None
    rest = receive(sock, int.from_bytes(header[:4], "little") - 16)
    return None if rest is None else header + rest


def receive(sock: socket.socket, size: int) -> bytes | None:
    chunks, missing = [], size
    while missing:
        chunk = sock.recv(missing)
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def pump(source: socket.socket, target: socket.socket) -> None:
    """Copy nx-27017's replies to the client as they come, until either side closes."""
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        close_quietly(target)


def close_quietly(sock: socket.socket) -> None:
    with suppress(OSError):  # already closed by the other side
        sock.shutdown(socket.SHUT_RDWR)


class Connection(socketserver.BaseRequestHandler):
    """One client connection: its own connection to nx-27017, closed with it (nx down: closed at once)."""

    server: Shim

    def handle(self) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.server.upstream_port), timeout=5)
        except OSError:
            return  # as a server that is down: the client sees the connection close
        upstream.settimeout(None)
        with upstream:
            threading.Thread(target=pump, args=(upstream, self.request), daemon=True).start()
            try:
                while (message := read_message(self.request)) is not None:
                    try:
                        message = rewrite(message)
                    except Exception:  # a message the shim cannot read goes to nx as sent: nx answers for it
                        log.exception("mongo-shim: message passed on unchanged")
                    upstream.sendall(message)
            except OSError:
                pass
            finally:
                close_quietly(upstream)


class Shim(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        super().__init__(("127.0.0.1", port), Connection)


def shim_command(port: int, upstream_port: int) -> list[str]:
    """The shim as its own process (run from the repository root)."""
    return [sys.executable, "-m", "tests.mongo_shim", "--port", str(port), "--upstream-port", str(upstream_port)]


def nx_command(port: int, data_file: Path) -> list[str]:
    """nx-27017 on 127.0.0.1:`port`, keeping its data, PID and log beside `data_file`."""
    return [
        str(NX_27017),
        "--db",
        str(data_file),
        "--port",
        str(port),
        "--pid-file",
        str(data_file.with_suffix(".pid")),
        "--log-file",
        str(data_file.with_suffix(".log")),
    ]


@contextmanager
def nx_behind_shim(data_file: Path | None = None) -> Iterator[int]:
    """nx-27017 and the shim in front of it, each its own process on a free port: the shim's port.

    Both are stopped by PID on the way out; with no `data_file`, nx keeps its data in a temporary folder.
    """
    with tempfile.TemporaryDirectory(prefix="nx-27017-") as folder:
        data_file = data_file or Path(folder) / "data.sqlite"
        nx_port, port = free_port(), free_port()
        processes = [
            subprocess.Popen(nx_command(nx_port, data_file), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ]
        try:
            wait_for_port(nx_port)
            processes.append(subprocess.Popen(shim_command(port, nx_port), cwd=ROOT, stdout=subprocess.DEVNULL))
            wait_for_port(port)
            log.info(
                "nx-27017 on 127.0.0.1:%d (pid %d), behind the shim on %d (pid %d)",
                nx_port,
                processes[0].pid,
                port,
                processes[1].pid,
            )
            yield port
        finally:
            for process in reversed(processes):
                stop(process)


def stop(process: subprocess.Popen) -> None:
    """Terminate by PID; kill if it does not stop within 10 seconds."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="where the shim listens (127.0.0.1)")
    parser.add_argument("--upstream-port", type=int, required=True, help="where nx-27017 listens (127.0.0.1)")
    options = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")  # stderr: only what went wrong
    with Shim(options.port, options.upstream_port) as server:
        log.info("listening on 127.0.0.1:%d, in front of 127.0.0.1:%d", options.port, options.upstream_port)
        server.serve_forever()


if __name__ == "__main__":
    main()
