"""`MfaCase`: a TCBase with a fixed clock for TOTP codes and helpers that enrol, confirm and sign in.

Codes are computed with pyotp, as an authenticator app would. The app's clock (`app.mfa.totp`'s `time`) is held
at a fixed instant in the middle of a time step, so a test chooses which step each code belongs to.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import pyotp

from app.models import User
from tests.views import PASSWORD, TCBase

STEP = 30
# The middle of a time step: a code of step `offset` is `code(secret, offset)`.
START = 1_900_000_000 // STEP * STEP + 15


class Clock:
    """Stands in for the `time` module inside app/mfa/totp.py."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def code(secret: str, offset: int = 0, now: float = START) -> str:
    """The code an authenticator app shows `offset` steps from `now`."""
    return pyotp.TOTP(secret).at(now + offset * STEP)


class MfaCase(TCBase):
    """TCBase with the TOTP clock held at `self.clock.now`."""

    def setUp(self) -> None:
        super().setUp()
        self.clock = Clock(START)
        patcher = mock.patch("app.mfa.totp.time", self.clock)
        patcher.start()
        self.addCleanup(patcher.stop)

    def later(self, steps: int = 1) -> None:
        """Move the clock on by whole time steps."""
        self.clock.now += steps * STEP

    def code(self, secret: str, offset: int = 0) -> str:
        return code(secret, offset, self.clock.now)

    def enrol(self, token: str, password: str | None = PASSWORD) -> dict[str, Any]:
        body = {"password": password} if password else {}
        response = self.request("POST", "me/mfa/totp", json=body, token=token)
        self.assertEqual(response.status_code, 201, response.get_data(as_text=True))
        return response.get_json()

    def confirm_factor(self, token: str, code: str) -> Any:
        return self.request("POST", "me/mfa/totp/confirm", json={"code": code}, token=token)

    def enable(self, token: str, password: str | None = PASSWORD) -> tuple[str, list[str]]:
        """Enrol and confirm (with the previous step's code, so the current step is still unused): the secret and
        the recovery codes."""
        secret = self.enrol(token, password)["secret"]
        response = self.confirm_factor(token, self.code(secret, -1))
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        return secret, response.get_json()["recoveryCodes"]

    def user_with_factor(self) -> tuple[User, str, str, list[str]]:
        """A new account with the factor on: the user, an access token, the secret and the recovery codes."""
        user, token = self.auth()
        secret, recovery = self.enable(token)
        return user, token, secret, recovery

    def first_step(self, email: str, password: str = PASSWORD, **body: Any) -> dict[str, Any]:
        response = self.request("POST", "auth/login", json={"email": email, "password": password, **body})
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        answer = response.get_json()
        self.assertTrue(answer.get("mfaRequired"), answer)
        return answer

    def second_step(self, mfa_token: str, code: str, **body: Any) -> Any:
        return self.request("POST", "auth/login/mfa", json={"mfaToken": mfa_token, "code": code, **body})

    def sign_in(self, email: str, code: str) -> dict[str, Any]:
        """Both steps; the token pair."""
        response = self.second_step(self.first_step(email)["mfaToken"], code)
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        return response.get_json()

    def types(self, token: str) -> list[str]:
        """The security log's entry types, oldest first."""
        items = self.request("GET", "me/security-events", token=token).get_json()["items"]
        return [entry["type"] for entry in reversed(items)]
