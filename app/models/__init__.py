"""Models: one module per noun; importing this package registers every document class."""

from app.models.account_token import AccountToken
from app.models.base import BaseDocument, utcnow
from app.models.identity import Identity
from app.models.login_guard import LoginGuard
from app.models.mail_message import MailMessage
from app.models.oidc_state import LinkTicket, LoginCode, OidcState
from app.models.post import Post
from app.models.serialize import mongo_to_dict, raw_to_dict
from app.models.session import AuthSession
from app.models.upload import Upload
from app.models.user import User

__all__ = [
    "AccountToken",
    "AuthSession",
    "BaseDocument",
    "Identity",
    "LinkTicket",
    "LoginCode",
    "LoginGuard",
    "MailMessage",
    "OidcState",
    "Post",
    "Upload",
    "User",
    "mongo_to_dict",
    "raw_to_dict",
    "utcnow",
]
