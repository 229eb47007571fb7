"""The send_mail job: once per message id, safe failures, and the development log sender."""

from __future__ import annotations

from app.jobs import queue
from app.mail import messages
from app.mail.job import SEND_FAILED
from app.mail.models import MailMessage
from app.mail.smtp import LOG_ONLY_BANNER
from tests.jobs import JobsTCBase
from tests.mail import MailTCBase
from tests.views import PASSWORD, random_email


class TestOncePerMessage(MailTCBase):
    def test_a_job_run_again_after_sending_sends_nothing_and_keeps_the_link_working(self):
        email = random_email()
        self.signup(email)
        self.deliver(1)
        [job] = self.jobs("finished")
        token = self.mailbox.token(self.only_message_to(email))
        with self.app.app_context():  # the same job again, as after a worker died before recording success
            queue.enqueue("send_mail", job.meta["userId"], job.args[1], job_id=job.id)

        self.run_jobs()

        self.assertEqual(len(self.mailbox.messages()), 1)
        with self.app.app_context():
            entry = MailMessage.objects.get(id=job.id)
        self.assertEqual((entry.status, entry.attempts, entry.template), ("sent", 1, "verify_email"))
        self.assertEqual(self.request("POST", "auth/verify-email", json={"token": token}).status_code, 204)

    def test_a_refused_recipient_fails_the_job_with_a_safe_error(self):
        email = f"refused-{random_email()}"
        self.signup(email)
        with self.assertLogs("app.mail", level="WARNING") as logs:
            self.run_jobs()

        [job] = self.jobs("failed")
        self.assertEqual(job.meta["error"], SEND_FAILED)
        self.assertTrue(all("the mail server refused the recipient" in line for line in logs.output))
        self.assertTrue(all(job.id in line and email not in line for line in logs.output))
        self.assertEqual(self.mailbox.messages(), [])


class TestLogSender(JobsTCBase):
    """No MAIL_SERVER (development): the message is written to the log, marked, with its link."""

    def test_the_message_goes_to_the_log_with_its_link(self):
        email = random_email()
        response = self.request("POST", "auth/signup", json={"email": email, "password": PASSWORD, "displayName": "D"})
        with self.assertLogs("app.mail", level="WARNING") as logs:
            self.run_jobs()

        self.assertEqual(response.status_code, 201)
        [line] = logs.output
        self.assertIn(LOG_ONLY_BANNER, line)
        self.assertIn(f"To: {email}", line)
        self.assertRegex(line, r"http://localhost:5173/verify-email\?token=[\w-]{43}")
        token = line.split("token=", 1)[1].split()[0]
        self.assertEqual(self.request("POST", "auth/verify-email", json={"token": token}).status_code, 204)


class TestHelpers(JobsTCBase):
    def test_lifetimes_and_masks_read_well(self):
        self.assertEqual(
            [messages.lifetime(s) for s in (60, 1800, 3600, 172_800)], ["1 minute", "30 minutes", "1 hour", "48 hours"]
        )
        self.assertEqual(messages.mask("ada.king@example.com"), "a***@example.com")
