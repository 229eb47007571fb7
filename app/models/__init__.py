"""Core models: accounts, their sessions, sign-in guards and security log.

Each capability keeps its own models in its package.
"""

from app.models.base import BaseDocument, utcnow
from app.models.login_guard import LoginGuard
from app.models.quota_usage import QuotaUsage
from app.models.security_event import SecurityEvent
from app.models.serialize import mongo_to_dict, raw_to_dict
from app.models.session import AuthSession
from app.models.user import User

__all__ = [
    "AuthSession",
    "BaseDocument",
    "LoginGuard",
    "QuotaUsage",
    "SecurityEvent",
    "User",
    "mongo_to_dict",
    "raw_to_dict",
    "utcnow",
]
