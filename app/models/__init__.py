"""Models: one module per noun; importing this package registers every document class."""

from app.models.base import BaseDocument, utcnow
from app.models.serialize import mongo_to_dict

__all__ = ["BaseDocument", "mongo_to_dict", "utcnow"]
