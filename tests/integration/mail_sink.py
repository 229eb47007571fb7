"""An SMTP sink for tests: aiosmtpd's handler that writes each message to a folder, and a reader for it.

Run as its own process: `python -m aiosmtpd -n -l 127.0.0.1:<port> -c tests.integration.mail_sink.Sink <folder>`.
Each message is one `.eml` file (the envelope's recipients first, as `X-Envelope-To`), renamed into place
once whole, so a reader never sees half a message.
"""

from __future__ import annotations

import email
import email.policy
import re
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any


class Sink:
    """aiosmtpd handler: accept every message and keep it in `folder`."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    @classmethod
    def from_cli(cls, parser: Any, *args: str) -> Sink:
        if len(args) != 1:
            parser.error("Sink needs one argument: the folder to write messages to")
        return cls(args[0])

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        """Every recipient is accepted, except addresses starting with `refused` (a test's unknown mailbox)."""
        if address.startswith("refused"):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        name = f"{time.time_ns()}-{uuid.uuid4().hex}.eml"
        header = f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        partial = self.folder / (name + ".part")
        partial.write_bytes(header + envelope.original_content)
        partial.rename(self.folder / name)
        return "250 Message accepted for delivery"


class Mailbox:
    """What the sink received, oldest first."""

    LINK = re.compile(r"(https?://\S+\?token=([A-Za-z0-9_\-]+))")

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope named `address`."""
        return [m for m in self.messages() if address in m["X-Envelope-To"]]

    def wait_for(self, count: int, seconds: float = 30) -> list[EmailMessage]:
        """At least `count` messages (polling the folder); fails with what arrived when they do not."""
        deadline = time.monotonic() + seconds
        while len(found := self.messages()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(found) >= count, f"expected {count} messages, got {len(found)}"
        return found

    @staticmethod
    def text(message: EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @staticmethod
    def html(message: EmailMessage) -> str:
        return message.get_body(preferencelist=("html",)).get_content()

    @classmethod
    def link(cls, message: EmailMessage) -> str:
        """The one link with a token in the plain-text body."""
        links = {found[0] for found in cls.LINK.findall(cls.text(message))}
        assert len(links) == 1, links
        return links.pop()

    @classmethod
    def token(cls, message: EmailMessage) -> str:
        return cls.link(message).rsplit("token=", 1)[1]
