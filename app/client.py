"""Who is calling: the request's address and user agent, as the session list and the security log keep them.

Both are what the client (or the proxies TRUSTED_PROXIES admits, through ProxyFix) says: shown to the account's
owner to recognise a device, never trusted for a decision. Outside a request (a CLI command, a job) both are None.
"""

from __future__ import annotations

from flask import has_request_context, request

# Enough to tell browsers and apps apart; a longer header is cut, not refused.
USER_AGENT_LENGTH = 200


def client_ip() -> str | None:
    """The request's remote address (after ProxyFix), or None outside a request."""
    return request.remote_addr if has_request_context() else None


def client_user_agent() -> str | None:
    """The request's User-Agent, cut to USER_AGENT_LENGTH characters; None outside a request or when not sent."""
    if not has_request_context():
        return None
    return request.headers.get("User-Agent", "")[:USER_AGENT_LENGTH] or None
