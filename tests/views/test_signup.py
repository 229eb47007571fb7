"""POST /auth/signup: the public profile back, one account per email, strict input, no mass assignment."""

from __future__ import annotations

import uuid

from app.models import User
from tests.views import PASSWORD, TCBase, random_email

PUBLIC_PROFILE = {"id", "email", "displayName", "role", "active", "emailVerified", "createdAt", "updatedAt"}


class SignupBase(TCBase):
    def signup(self, **fields):
        body = {"email": random_email(), "password": PASSWORD, "displayName": "Ada Lovelace", **fields}
        return self.request("POST", "auth/signup", json=body)

    def stored_users(self) -> int:
        with self.app.app_context():
            return User.objects.count()


class TestSignupCreates(SignupBase):
    def test_answers_201_with_location_of_me_and_the_public_profile(self):
        response = self.signup(email="ada@example.com")

        self.assertEqual(response.status_code, 201, response.get_data(as_text=True))
        self.assertEqual(response.headers["Location"], "/api/v1/me")
        self.assertEqual(response.mimetype, "application/json")
        profile = response.get_json()
        self.assertEqual(set(profile), PUBLIC_PROFILE)
        self.assertEqual(
            (profile["email"], profile["displayName"], profile["role"], profile["active"]),
            ("ada@example.com", "Ada Lovelace", "user", True),
        )
        self.assertEqual(uuid.UUID(profile["id"]).version, 4)
        self.assertTrue(profile["createdAt"].endswith("Z"))

    def test_profile_is_what_get_me_returns(self):
        profile = self.signup(email="same@example.com").get_json()

        token = self.login("same@example.com")

        self.assertEqual(self.request("GET", "me", token=token).get_json(), profile)

    def test_response_holds_no_password_hash_or_secret(self):
        response = self.signup()

        text = response.get_data(as_text=True)
        self.assertNotIn("passwordHash", text)
        self.assertNotIn("password", text.lower())
        self.assertNotIn("$argon2", text)
        self.assertNotIn(PASSWORD, text)

    def test_password_is_stored_only_as_an_argon2id_hash_with_the_configured_parameters(self):
        self.signup(email="hash@example.com")

        with self.app.app_context():
            stored = User.objects.get(email="hash@example.com").password_hash
        config = self.app.config
        self.assertTrue(stored.startswith("$argon2id$"))
        expected = f"m={config['ARGON2_MEMORY_COST']},t={config['ARGON2_TIME_COST']},p={config['ARGON2_PARALLELISM']}"
        self.assertIn(expected, stored)
        self.assertNotIn(PASSWORD, stored)

    def test_email_is_normalised_to_lower_case_without_surrounding_space(self):
        response = self.signup(email="  Grace.Hopper@Example.COM ")

        self.assertEqual(response.status_code, 201, response.get_data(as_text=True))
        self.assertEqual(response.get_json()["email"], "grace.hopper@example.com")
        with self.app.app_context():
            self.assertEqual(User.objects.get().email, "grace.hopper@example.com")

    def test_password_length_bounds_are_inclusive(self):
        for password in ("x" * 8, "y" * 128):
            with self.subTest(length=len(password)):
                response = self.signup(password=password)

                self.assertEqual(response.status_code, 201, response.get_data(as_text=True))

    def test_signup_needs_no_token(self):
        response = self.request(
            "POST", "auth/signup", json={"email": random_email(), "password": PASSWORD, "displayName": "Anon"}
        )

        self.assertEqual(response.status_code, 201)


class TestSignupDuplicates(SignupBase):
    def test_duplicate_email_is_409_whatever_its_case(self):
        self.assertEqual(self.signup(email="dup@example.com").status_code, 201)

        for spelling in ("dup@example.com", "DUP@Example.com", " Dup@EXAMPLE.com "):
            with self.subTest(spelling=spelling):
                self.assert_problem(self.signup(email=spelling), 409)
        self.assertEqual(self.stored_users(), 1)

    def test_a_conflict_does_not_change_the_existing_account(self):
        self.signup(email="keep@example.com", displayName="Original")

        self.signup(email="KEEP@example.com", password="another password", displayName="Intruder")

        self.assertTrue(self.login("keep@example.com"))
        with self.app.app_context():
            self.assertEqual(User.objects.get(email="keep@example.com").display_name, "Original")


class TestSignupValidation(SignupBase):
    def test_invalid_values_are_400_naming_the_field(self):
        cases = [
            ({"email": "not-an-email"}, "email"),
            ({"email": "two@@example.com"}, "email"),
            ({"email": "x" * 250 + "@example.com"}, "email"),
            ({"email": 5}, "email"),
            ({"password": "x" * 7}, "password"),
            ({"password": "x" * 129}, "password"),
            ({"password": 12345678}, "password"),
            ({"displayName": ""}, "displayName"),
            ({"displayName": "x" * 101}, "displayName"),
            ({"displayName": None}, "displayName"),
        ]
        for fields, name in cases:
            with self.subTest(field=name, value=str(fields[name])[:30]):
                self.assert_field_errors(self.signup(**fields), name)
        self.assertEqual(self.stored_users(), 0)

    def test_each_missing_field_is_named(self):
        full = {"email": random_email(), "password": PASSWORD, "displayName": "Ada"}
        for missing in full:
            with self.subTest(missing=missing):
                body = {k: v for k, v in full.items() if k != missing}

                self.assert_field_errors(self.request("POST", "auth/signup", json=body), missing)
        self.assert_field_errors(self.request("POST", "auth/signup", json={}), "email", "password", "displayName")
        self.assertEqual(self.stored_users(), 0)

    def test_each_problem_is_listed_once(self):
        response = self.request("POST", "auth/signup", json={"email": random_email()})

        body = self.assert_field_errors(response, "password", "displayName")
        self.assertEqual(body["detail"].count("password is required"), 1)

    def test_mongodb_operators_are_refused_not_run(self):
        self.make_user(email="victim@example.com")

        for email in ({"$ne": None}, {"$regex": ".*"}, {"$gt": ""}):
            with self.subTest(email=email):
                self.assert_problem(self.signup(email=email), 400)
        self.assertEqual(self.stored_users(), 1)

    def test_validation_errors_never_echo_the_password(self):
        secret = "s3cr3t-" + "z" * 130

        response = self.signup(password=secret)

        self.assert_field_errors(response, "password")
        self.assertNotIn(secret[:20], response.get_data(as_text=True))

    def test_body_must_be_a_json_object(self):
        self.assert_problem(self.request("POST", "auth/signup", json=["a", "b"]), 400)
        form = self.request("POST", "auth/signup", data={"email": random_email(), "password": PASSWORD})
        self.assert_problem(form, 415)

    def test_internationalised_address_is_accepted_or_refused_but_never_a_500(self):
        response = self.signup(email="jos\u00e9@example.com")

        self.assertIn(response.status_code, (201, 400), response.get_data(as_text=True))
        if response.status_code == 400:
            self.assert_field_errors(response, "email")


class TestNoMassAssignment(SignupBase):
    def test_fields_a_client_must_not_set_are_refused_and_never_stored(self):
        for extra in (
            {"role": "admin"},
            {"id": "3f2b6c1e-8d4a-4e8b-9a57-0c1d2e3f4a5b"},
            {"_id": "3f2b6c1e-8d4a-4e8b-9a57-0c1d2e3f4a5b"},
            {"active": False},
            {"createdAt": "2020-01-01T00:00:00.000Z"},
            {"updatedAt": "2020-01-01T00:00:00.000Z"},
            {"passwordHash": "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA"},
        ):
            name = next(iter(extra))
            with self.subTest(field=name):
                self.assert_field_errors(self.signup(**extra), name)
        self.assertEqual(self.stored_users(), 0)

    def test_an_accepted_signup_always_gets_server_chosen_values(self):
        response = self.signup(email="plain@example.com")

        with self.app.app_context():
            stored = User.objects.get(email="plain@example.com")
        profile = response.get_json()
        self.assertEqual((stored.role, stored.active), ("user", True))
        self.assertEqual(profile["id"], str(stored.id))
        self.assertEqual(profile["createdAt"], profile["updatedAt"])
