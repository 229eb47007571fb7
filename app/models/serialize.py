"""`mongo_to_dict`: documents to JSON-safe, camelCase dicts, through MongoEngine's public API only.

A model's fields are its class attributes that are `BaseField`s (MongoEngine's documented descriptors), in
definition order, base classes first, as MongoEngine orders them; values are read as attributes, inside
MongoEngine's `no_dereference` when a field could load a referenced document, so serialising never queries.
"""

from __future__ import annotations

import base64
import enum
import functools
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from bson import DBRef, ObjectId
from mongoengine import Document, EmbeddedDocument, GenericReferenceField, ReferenceField
from mongoengine.base import BaseDocument as MongoBaseDocument
from mongoengine.base import BaseField, ComplexBaseField
from mongoengine.context_managers import no_dereference


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


@functools.cache
def model_fields(model: type[MongoBaseDocument]) -> Mapping[str, BaseField]:
    """Every field `model` declares, by name, in definition order with base classes' fields first.

    A field a subclass declares again keeps its first place and takes the subclass's definition.
    """
    found: dict[str, BaseField] = {}
    for klass in reversed(model.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, BaseField):
                found[name] = value
    return MappingProxyType(found)  # cached: shared by every caller, so read-only


def may_dereference(field: BaseField) -> bool:
    """Whether reading `field` from a document can load a referenced document (the fields `no_dereference` stops)."""
    if isinstance(field, (ReferenceField, GenericReferenceField)):
        return True
    return isinstance(field, ComplexBaseField) and (field.field is None or may_dereference(field.field))


@functools.cache
def dereferencing_fields(model: type[MongoBaseDocument]) -> frozenset[str]:
    """Names of `model`'s fields whose reading could query the database."""
    return frozenset(name for name, field in model_fields(model).items() if may_dereference(field))


@functools.cache
def json_keys(model: type[MongoBaseDocument]) -> Mapping[str, str]:
    """Field name -> camelCase key of each field `model` may serialise (its private fields left out)."""
    private = getattr(model, "private_fields", frozenset())
    return MappingProxyType({name: camel_case(name) for name in model_fields(model) if name not in private})


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
    model = doc.__class__
    keys = json_keys(model)
    if fields is not None or exclude:
        wanted = keys.keys() if fields is None else set(fields)
        skipped = set(exclude)
        keys = {name: key for name, key in keys.items() if name in wanted and name not in skipped}
    if dereferencing_fields(model).isdisjoint(keys):
        return {key: to_json_value(getattr(doc, name)) for name, key in keys.items()}
    # References come out as the ids they hold: reading them never loads the documents they name.
    with no_dereference(model):
        return {key: to_json_value(getattr(doc, name)) for name, key in keys.items()}


@functools.cache
def _public_columns(model: type[MongoBaseDocument]) -> tuple[tuple[str, str], ...]:
    """(stored name, camelCase name) of each field `model` may serialise."""
    fields = model_fields(model)
    return tuple((fields[name].db_field, key) for name, key in json_keys(model).items())


def raw_to_dict(model: type[MongoBaseDocument], raw: Mapping[str, Any]) -> dict[str, Any]:
    """What `mongo_to_dict` gives, straight from a raw pymongo document of `model`.

    Read-only pages skip building MongoEngine documents this way; private fields stay out all the same.
    """
    return {key: to_json_value(raw.get(stored)) for stored, key in _public_columns(model)}
