"""A browser for the sign-in tests: drives the real provider's development login and consent pages.

The provider side is a `requests.Session` (it keeps the provider's own cookies). The API side is any
callable that sends a GET with a Cookie header, so the same browser works against the Flask test client
and against gunicorn; the API's `oidc_browser` cookie is kept by hand, exactly as a browser behind TLS
would send it back (a Secure cookie is never sent to plain-HTTP URLs by a cookie jar).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')
PROMPT = re.compile(r'name="prompt" value="(login|consent)"')


@dataclass
class ApiReply:
    """What the API answered to the browser."""

    status: int
    headers: dict[str, str]
    body: bytes


ApiGet = Callable[[str, str | None], ApiReply]


class Browser:
    """One person's browser: its own provider cookies and its own API cookie."""

    def __init__(self, api_get: ApiGet, callback_prefix: str) -> None:
        self.api_get = api_get
        self.callback_prefix = callback_prefix
        self.provider = requests.Session()
        self.cookie: str | None = None  # the API's oidc_browser value
        self.cookie_attributes: dict[str, str | bool] = {}

    def close(self) -> None:
        self.provider.close()

    def api(self, path: str) -> ApiReply:
        """GET an API path with this browser's API cookie, keeping any new one it sets."""
        reply = self.api_get(path, f"oidc_browser={self.cookie}" if self.cookie else None)
        header = reply.headers.get("Set-Cookie")
        if header:
            parsed = SimpleCookie()
            parsed.load(header)
            morsel = parsed["oidc_browser"]
            self.cookie = morsel.value
            self.cookie_attributes = {key: morsel[key] for key in ("path", "samesite", "secure", "httponly")}
        return reply

    def authorize(self, url: str, login: str = "ada", *, abort: bool = False) -> str:
        """Follow the provider from its authorization URL to the redirect back; the callback URL it names.

        Signs in as `login` on the development login page and consents; `abort` cancels instead.
        """
        for _ in range(20):
            response = self.provider.get(url, allow_redirects=False, timeout=10)
            while response.status_code in (302, 303):
                url = urljoin(url, response.headers["Location"])
                if url.startswith(self.callback_prefix):
                    return url
                response = self.provider.get(url, allow_redirects=False, timeout=10)
            if response.status_code != 200:
                raise AssertionError(f"the provider answered {response.status_code}: {response.text[:500]}")
            page = response.text
            if abort:
                url = urljoin(url, urlsplit(url).path.rstrip("/") + "/abort")
                continue
            action = urljoin(url, html.unescape(FORM_ACTION.search(page).group(1)))
            prompt = PROMPT.search(page).group(1)
            form = {"prompt": prompt}
            if prompt == "login":
                form.update(login=login, password="any password")  # the development page accepts any
            response = self.provider.post(action, data=form, allow_redirects=False, timeout=10)
            url = urljoin(action, response.headers["Location"])
            if url.startswith(self.callback_prefix):
                return url
        raise AssertionError("the provider never redirected back")

    def callback(self, url: str) -> ApiReply:
        """Deliver the provider's redirect to the API, as the browser would."""
        parts = urlsplit(url)
        return self.api(f"{parts.path}?{parts.query}")

    def sign_in(self, login_path: str, login: str = "ada") -> ApiReply:
        """The whole flow: the API's login URL, the provider, and the callback's answer."""
        start = self.api(login_path)
        if start.status != 302:
            raise AssertionError(f"login answered {start.status}: {start.body[:500]!r}")
        return self.callback(self.authorize(start.headers["Location"], login))


def query_of(url: str) -> dict[str, str]:
    """A URL's query parameters (the last value of each)."""
    return {key: values[-1] for key, values in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def pkce_pair() -> tuple[str, str]:
    """A client app's PKCE pair (RFC 7636 S256), made as the docs tell apps to: (verifier, challenge)."""
    verifier = secrets.token_urlsafe(32)  # 43 characters of the unreserved alphabet
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge
