"""Core models: accounts, their sessions and sign-in guards; each capability keeps its own in its package."""

from app.models.base import BaseDocument, utcnow
from app.models.login_guard import LoginGuard
from app.models.quota_usage import QuotaUsage
from app.models.serialize import mongo_to_dict, raw_to_dict
from app.models.session import AuthSession
from app.models.user import User

__all__ = [
    "AuthSession",
    "BaseDocument",
    "LoginGuard",
    "QuotaUsage",
    "User",
    "mongo_to_dict",
    "raw_to_dict",
    "utcnow",
]
