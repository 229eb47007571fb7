"""`flask create-admin` and `flask create-indexes`."""

from __future__ import annotations

from app.models import User
from tests.views import TCBase

GOOD = "admin passphrase 1"


class TestCreateAdmin(TCBase):
    def invoke(self, email: str, answers: str):
        return self.app.test_cli_runner().invoke(args=["create-admin", "--email", email], input=answers)

    def test_prompts_twice_and_creates_an_admin_who_can_log_in(self):
        result = self.invoke("Root@Example.com", f"{GOOD}\n{GOOD}\n")

        self.assertEqual(result.exit_code, 0, result.output)
        self.assertIn("Repeat for confirmation", result.output)
        self.assertNotIn(GOOD, result.output)
        with self.app.app_context():
            self.assertEqual(User.objects.get(email="root@example.com").role, "admin")
        token = self.login("root@example.com", GOOD)
        self.assertEqual(self.request("GET", "users", token=token).status_code, 200)

    def test_password_is_never_an_argument(self):
        result = self.app.test_cli_runner().invoke(
            args=["create-admin", "--email", "a@example.com", "--password", GOOD]
        )

        self.assertNotEqual(result.exit_code, 0)
        with self.app.app_context():
            self.assertEqual(User.objects.count(), 0)

    def test_refuses_mismatch_weak_password_bad_email_and_duplicates(self):
        mismatch = self.invoke("a@example.com", f"{GOOD}\nsomething else 1\n")
        weak = self.invoke("b@example.com", "short\nshort\n")
        bad_email = self.invoke("not-an-email", f"{GOOD}\n{GOOD}\n")
        self.invoke("c@example.com", f"{GOOD}\n{GOOD}\n")
        duplicate = self.invoke("c@example.com", f"{GOOD}\n{GOOD}\n")

        self.assertNotEqual(mismatch.exit_code, 0)
        self.assertEqual(weak.exit_code, 1)
        self.assertIn("8 to 128", weak.output)
        self.assertEqual(bad_email.exit_code, 1)
        self.assertEqual(duplicate.exit_code, 1)
        self.assertIn("already exists", duplicate.output)
        with self.app.app_context():
            self.assertEqual(User.objects.count(), 1)


class TestCreateIndexes(TCBase):
    def test_creates_every_declared_index(self):
        with self.app.app_context():
            from app.database import drop_db
            from app.models import Post

            drop_db()
        result = self.app.test_cli_runner().invoke(args=["create-indexes"])

        self.assertEqual(result.exit_code, 0, result.output)
        with self.app.app_context():
            names = Post._get_collection().index_information()
        self.assertEqual(len(names), 1 + len(Post._meta["index_specs"]))
