"""Mail end to end: gunicorn in production config, a real `flask worker` process, redis-server, nx-27017 and
aiosmtpd, each its own process; the API only queues, the worker makes the tokens and speaks SMTP."""

from __future__ import annotations

import time
from typing import Any

import redis
from rq.job import Job
from rq.serializers import JSONSerializer

from app.mail.job import SEND_FAILED
from tests.integration.mail_sink import Mailbox
from tests.integration.servers import BIN, ServersTestCase, call, free_port

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


class MailEndToEnd(ServersTestCase):
    needs_mongo_standin = True
    smtp_up = True
    extra: dict[str, str] = {}

    def setUp(self) -> None:
        super().setUp()
        mongo_port = free_port()
        self.start_mongo_standin(mongo_port, self.temp_dir() / "mail.sqlite")
        self.redis_url = self.start_redis()
        smtp_port, folder = self.start_smtp()
        self.mailbox = Mailbox(folder)
        self.env = self.production_env(
            f"mongodb://127.0.0.1:{mongo_port}/app",
            self.redis_url,
            MAIL_PORT=str(smtp_port if self.smtp_up else free_port()),
            LOG_LEVEL="INFO",
            **self.extra,
        )
        self.port = self.start_app(self.env)
        self.worker = self.start([str(BIN / "flask"), "--app", "server", "worker"], env=self.env)

    def api(self, method: str, path: str, body: Any = None, token: str | None = None):
        return call(self.port, method, f"/api/v1/{path}", body, token)

    def jobs(self) -> list[Job]:
        """Every job in the queue's Redis, read as RQ stores it."""
        connection = redis.Redis.from_url(self.redis_url)
        ids = [k.decode().rsplit(":", 1)[1] for k in connection.keys("rq:job:*") if k.count(b":") == 2]
        return [j for j in Job.fetch_many(ids, connection=connection, serializer=JSONSerializer) if j]

    def wait_for_jobs(self, status: str, count: int, seconds: float = 60) -> list[Job]:
        deadline = time.monotonic() + seconds
        while len(found := [j for j in self.jobs() if j.get_status() == status]) < count:
            self.assertLess(time.monotonic(), deadline, self.worker_log()[-3000:])
            time.sleep(0.1)
        return found

    def worker_log(self) -> str:
        log = self.worker.stderr_log  # type: ignore[attr-defined]
        log.seek(0)
        return log.read().decode(errors="replace")


class TestFlowsThroughTheWorker(MailEndToEnd):
    def test_verify_then_reset_with_mail_delivered_by_the_worker(self):
        email = "ada@example.com"
        signup = self.api("POST", "auth/signup", {"email": email, "password": PASSWORD, "displayName": "Ada"})
        [welcome] = self.mailbox.wait_for(1)
        verification = self.mailbox.token(welcome)
        verified = self.api("POST", "auth/verify-email", {"token": verification})
        session = self.api("POST", "auth/login", {"email": email, "password": PASSWORD}).json()

        known = self.api("POST", "auth/password-reset", {"email": email})
        unknown = self.api("POST", "auth/password-reset", {"email": "nobody@example.com"})
        self.mailbox.wait_for(2)
        reset = self.mailbox.token(self.mailbox.to(email)[-1])
        confirmed = self.api("POST", "auth/password-reset/confirm", {"token": reset, "newPassword": NEW_PASSWORD})
        self.mailbox.wait_for(3)  # the "password changed" notice
        finished = self.wait_for_jobs("finished", 4)  # so any mail for the unknown address would be here

        self.assertEqual((signup.status, verified.status), (201, 204))
        self.assertEqual((known.status, unknown.status), (202, 202))
        self.assertEqual(known.body, unknown.body)
        self.assertEqual(confirmed.status, 204, confirmed.body)
        self.assertEqual([m["X-Envelope-To"] for m in self.mailbox.messages()], [email] * 3)
        self.assertEqual(sorted(j.return_value()["sent"] for j in finished), [False, True, True, True])
        self.assertEqual(self.api("GET", "me", token=session["accessToken"]).status, 401)
        self.assertEqual(self.api("POST", "auth/refresh", token=session["refreshToken"]).status, 401)
        fresh = self.api("POST", "auth/login", {"email": email, "password": NEW_PASSWORD})
        self.assertIs(self.api("GET", "me", token=fresh.json()["accessToken"]).json()["emailVerified"], True)
        self.assertIn('"kind":"send_mail"', self.worker_log())
        for secret in (verification, reset, NEW_PASSWORD, PASSWORD):
            self.assertNotIn(secret, self.worker_log())

    def test_an_email_change_confirms_on_the_new_address_and_tells_the_old(self):
        self.api("POST", "auth/signup", {"email": "old@example.com", "password": PASSWORD, "displayName": "Old"})
        token = self.api("POST", "auth/login", {"email": "old@example.com", "password": PASSWORD}).json()
        self.mailbox.wait_for(1)

        asked = self.api("PUT", "me/email", {"email": "new@example.com", "password": PASSWORD}, token["accessToken"])
        self.mailbox.wait_for(3)
        confirmation = self.mailbox.token(self.mailbox.to("new@example.com")[0])
        confirmed = self.api("POST", "auth/confirm-email", {"token": confirmation})

        self.assertEqual((asked.status, confirmed.status), (202, 204))
        self.assertEqual(
            self.mailbox.to("old@example.com")[-1]["Subject"], "A change of your e-mail address was requested"
        )
        self.assertEqual(self.api("GET", "me", token=token["accessToken"]).json()["email"], "new@example.com")


class TestSmtpDown(MailEndToEnd):
    smtp_up = False
    extra = {"MAIL_RETRIES": "2", "MAIL_RETRY_INTERVALS": "1,1"}

    def test_the_api_answers_202_and_the_job_is_retried_on_schedule_then_fails_safely(self):
        self.api("POST", "auth/signup", {"email": "ada@example.com", "password": PASSWORD, "displayName": "Ada"})

        reply = self.api("POST", "auth/password-reset", {"email": "ada@example.com"})

        self.assertEqual(reply.status, 202)
        failed = self.wait_for_jobs("failed", 2)  # the signup's verification and the reset
        self.assertEqual({j.meta["error"] for j in failed}, {SEND_FAILED})
        log = self.worker_log()
        for job in failed:  # each attempt logged with the job id: the first, then two scheduled retries
            self.assertEqual(log.count(f"mail {job.id} ("), 3, log[-3000:])
        self.assertIn("scheduled for retry", log)
        self.assertNotIn("token=", log)
