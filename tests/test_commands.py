"""The operator's CLI: `flask create-admin` and `flask create-indexes`."""

from __future__ import annotations

from app.database import document_classes, drop_db
from app.models import User
from tests.views import TCBase

GOOD = "admin passphrase 1"


class TestCreateAdmin(TCBase):
    def create_admin(self, email: str, answers: str, *extra: str):
        return self.app.test_cli_runner().invoke(args=["create-admin", "--email", email, *extra], input=answers)

    def admins(self) -> int:
        with self.app.app_context():
            return User.objects(role="admin").count()

    def test_prompts_twice_and_creates_an_admin_who_can_log_in(self):
        result = self.create_admin("Root@Example.com", f"{GOOD}\n{GOOD}\n")

        self.assertEqual(result.exit_code, 0, result.output)
        self.assertEqual(result.output.count("Password"), 1)
        self.assertIn("Repeat for confirmation", result.output)
        self.assertIn("root@example.com", result.output)
        with self.app.app_context():
            admin = User.objects.get(email="root@example.com")
        self.assertEqual((admin.role, admin.active, admin.display_name), ("admin", True, "Admin"))
        token = self.login("root@example.com", GOOD)
        self.assertEqual(self.request("GET", "users", token=token).status_code, 200)

    def test_the_password_is_never_echoed_or_stored_in_clear(self):
        result = self.create_admin("quiet@example.com", f"{GOOD}\n{GOOD}\n")

        self.assertNotIn(GOOD, result.output)
        with self.app.app_context():
            self.assertTrue(User.objects.get(email="quiet@example.com").password_hash.startswith("$argon2id$"))

    def test_the_display_name_can_be_given(self):
        result = self.create_admin("named@example.com", f"{GOOD}\n{GOOD}\n", "--name", "Root User")

        self.assertEqual(result.exit_code, 0, result.output)
        with self.app.app_context():
            self.assertEqual(User.objects.get(email="named@example.com").display_name, "Root User")

    def test_mismatched_passwords_are_an_error(self):
        result = self.create_admin("a@example.com", f"{GOOD}\nsomething else 1\n")

        self.assertNotEqual(result.exit_code, 0)
        self.assertIn("do not match", result.output)
        self.assertEqual(self.admins(), 0)

    def test_a_weak_password_is_an_error(self):
        for password in ("short", "x" * 129):
            with self.subTest(length=len(password)):
                result = self.create_admin("b@example.com", f"{password}\n{password}\n")

                self.assertEqual(result.exit_code, 1, result.output)
                self.assertIn("8 to 128", result.output)
        self.assertEqual(self.admins(), 0)

    def test_an_invalid_email_is_an_error(self):
        result = self.create_admin("not-an-email", f"{GOOD}\n{GOOD}\n")

        self.assertEqual(result.exit_code, 1, result.output)
        self.assertIn("not valid", result.output)
        self.assertEqual(self.admins(), 0)

    def test_a_duplicate_email_is_an_error_whatever_its_case(self):
        self.create_admin("c@example.com", f"{GOOD}\n{GOOD}\n")

        result = self.create_admin("C@Example.com", f"{GOOD}\n{GOOD}\n")

        self.assertEqual(result.exit_code, 1, result.output)
        self.assertIn("already exists", result.output)
        self.assertEqual(self.admins(), 1)

    def test_an_existing_user_is_not_promoted(self):
        self.make_user(email="taken@example.com")

        result = self.create_admin("taken@example.com", f"{GOOD}\n{GOOD}\n")

        self.assertEqual(result.exit_code, 1, result.output)
        with self.app.app_context():
            self.assertEqual(User.objects.get(email="taken@example.com").role, "user")

    def test_the_password_is_never_an_argument(self):
        result = self.create_admin("d@example.com", "", "--password", GOOD)

        self.assertNotEqual(result.exit_code, 0)
        self.assertEqual(self.admins(), 0)

    def test_the_email_is_required(self):
        result = self.app.test_cli_runner().invoke(args=["create-admin"], input=f"{GOOD}\n{GOOD}\n")

        self.assertNotEqual(result.exit_code, 0)
        self.assertIn("--email", result.output)
        self.assertEqual(self.admins(), 0)


class TestCreateIndexes(TCBase):
    def test_creates_every_declared_index(self):
        with self.app.app_context():
            drop_db()

        result = self.app.test_cli_runner().invoke(args=["create-indexes"])

        self.assertEqual(result.exit_code, 0, result.output)
        with self.app.app_context():
            self.assertIn(f"{len(document_classes())} collections", result.output)
            for model in document_classes():
                if not model.__module__.startswith("app."):
                    continue  # documents other test modules declare for themselves
                with self.subTest(model=model.__name__):
                    names = model.collection().index_information()

                    self.assertEqual(len(names), 1 + len(model._meta["index_specs"]))

    def test_the_unique_email_index_then_holds(self):
        with self.app.app_context():
            drop_db()
        self.app.test_cli_runner().invoke(args=["create-indexes"])

        self.make_user(email="once@example.com")

        response = self.request(
            "POST", "auth/signup", json={"email": "once@example.com", "password": GOOD, "displayName": "Twice"}
        )
        self.assert_problem(response, 409)

    def test_running_it_twice_is_harmless(self):
        runner = self.app.test_cli_runner()

        first, second = runner.invoke(args=["create-indexes"]), runner.invoke(args=["create-indexes"])

        self.assertEqual((first.exit_code, second.exit_code), (0, 0), first.output + second.output)
