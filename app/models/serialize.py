"""`mongo_to_dict`: documents to JSON-safe, camelCase dicts."""

from __future__ import annotations

import base64
import enum
import functools
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from bson import DBRef, ObjectId
from mongoengine import Document, EmbeddedDocument
from mongoengine.base import BaseDocument as MongoBaseDocument


def camel_case(name: str) -> str:
    """`created_at` -> `createdAt`; `_id` -> `id`."""
    if name == "_id":
        return "id"
    head, *rest = name.lstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def isoformat(value: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, milliseconds as MongoDB keeps them."""
    if value.tzinfo is None:  # stored dates read back aware (app.database); the job queue's times are naive UTC
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def to_json_value(value: Any) -> Any:
    """Convert one stored value to something the JSON encoder accepts."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (uuid.UUID, ObjectId)):
        return str(value)
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_json_value(value.value)
    if isinstance(value, Document):  # a dereferenced reference: only its id goes out
        return to_json_value(value.pk)
    if isinstance(value, DBRef):
        return to_json_value(value.id)
    if isinstance(value, (EmbeddedDocument, MongoBaseDocument)):
        return mongo_to_dict(value)
    if isinstance(value, Mapping):
        return {str(key): to_json_value(item) for key, item in value.items()}
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "pk"):  # LazyReference
        return to_json_value(value.pk)
    if isinstance(value, Iterable):
        return [to_json_value(item) for item in value]
    raise TypeError(f"cannot serialise {type(value).__name__}")


def mongo_to_dict(
    doc: MongoBaseDocument,
    fields: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
) -> dict[str, Any]:
    """A document as a camelCase dict, without its private fields.

    Args:
        fields: model field names to keep (all when None).
        exclude: model field names to leave out.
    """
    # __class__, not type(): a LocalProxy such as flask_jwt_extended.current_user forwards __class__ only.
    private = getattr(doc.__class__, "private_fields", frozenset())
    wanted = None if fields is None else set(fields)
    skipped = set(exclude) | set(private)
    result: dict[str, Any] = {}
    for name in doc._fields_ordered:
        if name in skipped or (wanted is not None and name not in wanted):
            continue
        # _data holds references undereferenced: serialising never queries the database.
        result[camel_case(name)] = to_json_value(doc._data.get(name))
    return result


@functools.cache
def _public_columns(model: type[MongoBaseDocument]) -> tuple[tuple[str, str], ...]:
    """(stored name, camelCase name) of each field `model` may serialise."""
    private = getattr(model, "private_fields", frozenset())
    return tuple(
        (model._fields[name].db_field, camel_case(name)) for name in model._fields_ordered if name not in private
    )


def raw_to_dict(model: type[MongoBaseDocument], raw: Mapping[str, Any]) -> dict[str, Any]:
    """What `mongo_to_dict` gives, straight from a raw pymongo document of `model`.

    Read-only pages skip building MongoEngine documents this way; private fields stay out all the same.
    """
    return {key: to_json_value(raw.get(stored)) for stored, key in _public_columns(model)}
