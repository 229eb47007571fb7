"""Turning the factor on: enrolment (password or a fresh sign-in), confirmation, recovery codes, what is stored."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

from flask_jwt_extended import create_access_token

from app.mfa.models import TotpFactor
from app.models import User, mongo_to_dict
from app.sessions import start_session
from tests.mfa import MfaCase
from tests.views import PASSWORD

RECOVERY_CODE = re.compile(r"^[a-z2-7]{4}(-[a-z2-7]{4}){3}$")


class TestEnrol(MfaCase):
    def test_enrolment_answers_the_secret_and_its_otpauth_uri_and_changes_nothing_at_sign_in_yet(self):
        user, token = self.auth()

        enrolment = self.enrol(token)

        self.assertEqual(set(enrolment), {"secret", "otpauthUri"})
        self.assertRegex(enrolment["secret"], r"^[A-Z2-7]{32}$")
        uri = urlsplit(enrolment["otpauthUri"])
        self.assertEqual((uri.scheme, uri.netloc), ("otpauth", "totp"))
        self.assertEqual(unquote(uri.path), f"/{self.app.config['APP_NAME']}:{user.email}")
        query = parse_qs(uri.query)
        self.assertEqual(query["secret"], [enrolment["secret"]])
        self.assertEqual(query["issuer"], [self.app.config["APP_NAME"]])
        self.assertIn("accessToken", self.login_pair(user.email))  # pending: sign-in unchanged

    def test_the_secret_is_stored_sealed_and_never_serialised(self):
        _, token = self.auth()
        secret = self.enrol(token)["secret"]

        with self.app.app_context():
            raw = TotpFactor.collection().find_one({})
            factor = TotpFactor.objects.get(id=raw["_id"])
            exposed = mongo_to_dict(factor)
        self.assertNotIn(secret, str(raw))
        self.assertTrue(raw["sealed_secret"].startswith("gAAAA"))  # a Fernet token
        self.assertFalse({"sealedSecret", "sealedRecoveryCodes", "lastStep"} & set(exposed))

    def test_a_wrong_or_missing_password_is_403(self):
        _, token = self.auth()

        self.assert_problem(
            self.request("POST", "me/mfa/totp", json={"password": "wrong " + PASSWORD}, token=token), 403
        )
        self.assert_problem(self.request("POST", "me/mfa/totp", json={}, token=token), 403)
        self.assert_problem(self.request("POST", "me/mfa/totp", json={"password": PASSWORD}), 401)

    def test_an_account_without_a_password_needs_a_fresh_sign_in(self):
        user = self.make_user()
        with self.app.app_context():
            User.objects(id=user.id).update_one(unset__password_hash=True)
            user.reload()
        with self.app.test_request_context():
            fresh = start_session(user, method="oidc:local")["accessToken"]
            stale = create_access_token(identity=str(user.id), additional_claims=self.claims(fresh), fresh=False)

        self.assert_problem(self.request("POST", "me/mfa/totp", json={}, token=stale), 403)
        self.assertIn("otpauthUri", self.enrol(fresh, password=None))

    def claims(self, token: str) -> dict:
        from flask_jwt_extended import decode_token

        decoded = decode_token(token)
        return {"sid": decoded["sid"], "role": decoded["role"]}

    def test_a_second_enrolment_while_one_is_pending_replaces_it(self):
        _, token = self.auth()
        first = self.enrol(token)["secret"]
        second = self.enrol(token)["secret"]

        self.assertNotEqual(first, second)
        self.assert_problem(self.confirm_factor(token, self.code(first)), 400)
        self.assertEqual(self.confirm_factor(token, self.code(second)).status_code, 200)
        with self.app.app_context():
            self.assertEqual(TotpFactor.objects.count(), 1)

    def test_enrolling_with_the_factor_on_is_409(self):
        _, token, _, _ = self.user_with_factor()

        self.assert_problem(self.request("POST", "me/mfa/totp", json={"password": PASSWORD}, token=token), 409)


class TestConfirm(MfaCase):
    def test_a_right_code_turns_it_on_and_answers_ten_recovery_codes_once_stored_only_sealed(self):
        user, token = self.auth()
        secret = self.enrol(token)["secret"]

        response = self.confirm_factor(token, self.code(secret))

        self.assertEqual(response.status_code, 200)
        codes = response.get_json()["recoveryCodes"]
        self.assertEqual(len(set(codes)), 10)
        self.assertTrue(all(RECOVERY_CODE.match(c) for c in codes), codes)
        with self.app.app_context():
            raw = TotpFactor.collection().find_one({})
        self.assertTrue(raw["active"])
        for recovery in codes:
            self.assertNotIn(recovery, str(raw))
            self.assertNotIn(recovery.replace("-", ""), str(raw))
        self.assertEqual(self.first_step(user.email)["expiresIn"], 300)

    def test_a_wrong_code_is_400_and_leaves_it_pending(self):
        _, token = self.auth()
        secret = self.enrol(token)["secret"]

        self.assert_problem(self.confirm_factor(token, self.code(secret, 2)), 400)  # two steps ahead: out of the window
        self.assert_problem(self.confirm_factor(token, "000000" if self.code(secret) != "000000" else "111111"), 400)
        self.assert_field_errors(self.confirm_factor(token, "12345"), "code")
        self.assertEqual(self.confirm_factor(token, self.code(secret)).status_code, 200)

    def test_wrong_codes_count_toward_the_lock_out(self):
        """A stolen access token must not buy unlimited guesses at a pending secret (the owner never sees its codes)."""
        user, token = self.auth()
        secret = self.enrol(token)["secret"]
        wrong = "000000" if self.code(secret) != "000000" else "111111"
        for _ in range(self.app.config["LOGIN_MAX_FAILURES"]):
            self.assert_problem(self.confirm_factor(token, wrong), 400)

        self.assert_problem(self.confirm_factor(token, self.code(secret)), 429)
        self.assert_problem(self.request("POST", "auth/login", json={"email": user.email, "password": PASSWORD}), 429)

    def test_turning_it_on_ends_every_other_session(self):
        """A token taken before the factor was on stops working; the session that turned it on stays."""
        user, token = self.auth()
        other = self.login_pair(user.email)

        self.enable(token)

        self.assert_problem(self.request("GET", "me", token=other["accessToken"]), 401)
        self.assert_problem(self.request("POST", "auth/refresh", token=other["refreshToken"]), 401)
        self.assertEqual(self.request("GET", "me", token=token).status_code, 200)
        # Recorded within the same millisecond: their order is `_id`'s, arbitrary.
        self.assertEqual(sorted(self.types(token)[-2:]), ["mfa_enabled", "session_revoked"])

    def test_nothing_pending_is_404_and_already_on_is_409(self):
        _, token = self.auth()
        self.assert_problem(self.confirm_factor(token, "123456"), 404)

        secret, _ = self.enable(token)

        self.assert_problem(self.confirm_factor(token, self.code(secret)), 409)

    def test_turning_it_on_is_in_the_security_log(self):
        _, token = self.auth()

        self.enable(token)

        self.assertEqual(self.types(token), ["signed_in", "mfa_enabled"])

    def test_the_confirming_code_cannot_sign_in_again(self):
        user, token = self.auth()
        secret = self.enrol(token)["secret"]
        confirming = self.code(secret)
        self.assertEqual(self.confirm_factor(token, confirming).status_code, 200)

        self.assert_problem(self.second_step(self.first_step(user.email)["mfaToken"], confirming), 401)


class TestStatus(MfaCase):
    """GET /me/mfa/totp: what a client shows (enrol, confirm, or turn off), never a secret."""

    def status(self, token: str) -> dict:
        response = self.request("GET", "me/mfa/totp", token=token)
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        return response.get_json()

    def test_off_then_pending_then_on_with_the_recovery_codes_left(self):
        _, token = self.auth()
        self.assertEqual(self.status(token), {"status": "off", "recoveryCodesLeft": 0})

        secret = self.enrol(token)["secret"]
        self.assertEqual(self.status(token), {"status": "pending", "recoveryCodesLeft": 0})

        response = self.confirm_factor(token, self.code(secret, -1))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.status(token), {"status": "on", "recoveryCodesLeft": 10})

    def test_a_spent_recovery_code_is_one_fewer_and_turning_off_is_off(self):
        user, token, _secret, recovery = self.user_with_factor()
        self.sign_in(user.email, recovery[0])
        self.assertEqual(self.status(token)["recoveryCodesLeft"], 9)

        response = self.request("DELETE", "me/mfa/totp", json={"password": PASSWORD, "code": recovery[1]}, token=token)
        self.assertEqual(response.status_code, 204)
        self.assertEqual(self.status(token), {"status": "off", "recoveryCodesLeft": 0})

    def test_without_a_token_is_401(self):
        self.assertEqual(self.request("GET", "me/mfa/totp").status_code, 401)
