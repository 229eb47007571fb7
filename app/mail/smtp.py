"""The seam to the mail transport: the only module that speaks SMTP (standard library smtplib).

Moving to a provider's HTTP API means rewriting `deliver`, not the flows. Without MAIL_SERVER (development
and tests only; production refuses), a message is written to the log instead, clearly marked, links
included, so the flows can be tried from Swagger UI.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("app.mail")

LOG_ONLY_BANNER = "MAIL NOT SENT (MAIL_SERVER is not set; development only)"


class TransportError(Exception):
    """The server could not be reached or refused the message; the text is safe to log (no addresses)."""


def deliver(message: EmailMessage) -> None:
    """Hand the message to the SMTP server (or the log); TransportError when that fails."""
    config = current_app.config
    if config["MAIL_LOG_ONLY"]:
        log_message(message)
        return
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    # Certificates and host names are checked (the default context); built only when TLS is used.
    context = ssl.create_default_context() if config["MAIL_USE_SSL"] or config["MAIL_USE_TLS"] else None
    try:
        if config["MAIL_USE_SSL"]:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout, context=context
            )
        else:
            client = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
        with client:
            if config["MAIL_USE_TLS"]:
                client.starttls(context=context)
            if config["MAIL_USERNAME"]:
                client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused:
        raise TransportError("the mail server refused the recipient") from None
    except smtplib.SMTPResponseException as error:
        # The code says what happened; the server's text may quote the addresses, so it is left out.
        raise TransportError(f"the mail server refused the message (SMTP {error.smtp_code})") from None
    except (smtplib.SMTPException, OSError) as error:
        raise TransportError(f"the mail server could not be reached ({type(error).__name__})") from None


def log_message(message: EmailMessage) -> None:
    """Development without SMTP: the whole plain-text message in the log, marked as not sent."""
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    log.warning(
        "%s\nTo: %s\nSubject: %s\nMessage-ID: %s\n\n%s",
        LOG_ONLY_BANNER,
        message["To"],
        message["Subject"],
        message["Message-ID"],
        text,
    )
