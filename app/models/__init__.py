"""Models: one module per noun; importing this package registers every document class."""

from app.models.base import BaseDocument, utcnow
from app.models.login_guard import LoginGuard
from app.models.post import Post
from app.models.serialize import mongo_to_dict, raw_to_dict
from app.models.session import AuthSession
from app.models.user import User

__all__ = ["AuthSession", "BaseDocument", "LoginGuard", "Post", "User", "mongo_to_dict", "raw_to_dict", "utcnow"]
