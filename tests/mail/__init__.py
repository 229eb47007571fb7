"""`MailTCBase`: JobsTCBase (a real redis-server, queued jobs run in-process) plus aiosmtpd as its own process.

Mail settings point at the sink; retries wait 0 seconds (RQ then re-enqueues a failed job at once instead of
scheduling it), so a `run_jobs()` burst runs every attempt. Production's intervals are minutes apart; the
end-to-end test (tests/integration/test_mail.py) runs them through a real worker's scheduler.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from rq.job import Job
from rq.serializers import JSONSerializer

from app.jobs import queue
from tests.integration.mail_sink import Mailbox
from tests.integration.servers import ServersTestCase
from tests.jobs import JobsTCBase
from tests.views import PASSWORD, TCBase


class MailTCBase(JobsTCBase):
    """A fresh redis-server and aiosmtpd per test; `self.mailbox` reads what the sink received."""

    # (certificate, key) for the sink to offer STARTTLS with; see tests/mail/test_tls.py.
    smtp_tls: tuple[Any, Any] | None = None

    def setUp(self) -> None:
        ServersTestCase.setUp(self)  # a missing redis-server fails under REQUIRE_REDIS, else skips
        self.redis_url = self.start_redis()
        self.smtp_port, folder = self.start_smtp(self.smtp_tls)  # likewise aiosmtpd under REQUIRE_SMTP
        self.mailbox = Mailbox(folder)
        settings = {
            "REDIS_URL": self.redis_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": self.smtp_port,
            "MAIL_DEFAULT_SENDER": "Test API <no-reply@example.com>",
            "FRONTEND_URL": "https://app.example.com",
            "MAIL_RETRIES": 2,
            "MAIL_RETRY_INTERVALS": [0],
            **self.settings,
        }
        # On the class's own config: TCBase's, or a subclass's (one naming an OpenID provider, say)
        self.config = type("MailConfig", (type(self).config,), settings)
        TCBase.setUp(self)

    def signup(self, email: str, password: str = PASSWORD, name: str = "Mail Test") -> dict[str, Any]:
        """Sign up through the API (which queues the verification message)."""
        response = self.request("POST", "auth/signup", json={"email": email, "password": password, "displayName": name})
        self.assertEqual(response.status_code, 201, response.get_data(as_text=True))
        return response.get_json()

    def deliver(self, count: int) -> list[EmailMessage]:
        """Run the queued jobs and return what the sink has then (at least `count` messages)."""
        self.run_jobs()
        return self.mailbox.wait_for(count)

    def only_message_to(self, address: str) -> EmailMessage:
        found = self.mailbox.to(address)
        self.assertEqual(len(found), 1, [m["Subject"] for m in found])
        return found[0]

    def jobs(self, status: str | None = None) -> list[Job]:
        """Every send_mail job in Redis (optionally in one RQ status)."""
        with self.app.app_context():
            connection = queue.connection()
            keys = [k.decode().rsplit(":", 1)[1] for k in connection.keys("rq:job:*") if k.count(b":") == 2]
            jobs = [j for j in Job.fetch_many(keys, connection=connection, serializer=JSONSerializer) if j]
        return [j for j in jobs if status is None or j.get_status() == status]
