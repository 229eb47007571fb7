"""With the factor on, every sensitive change needs `code` too; turning it off and new recovery codes need both."""

from __future__ import annotations

from app.mfa.models import MfaChallenge, TotpFactor
from tests.mfa import MfaCase
from tests.views import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def wrong(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


class TestSensitiveChanges(MfaCase):
    """PUT /me/password, PUT /me/email and DELETE /me: 403 without a code or with a wrong one, done with a right one."""

    def changes(self) -> list[tuple[str, str, dict, int]]:
        return [
            ("PUT", "me/password", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}, 204),
            ("PUT", "me/email", {"email": "a-new-address@example.com", "password": PASSWORD}, 202),  # capability: mail
            ("DELETE", "me", {"password": PASSWORD}, 204),
        ]

    def test_each_change_needs_a_right_code(self):
        for method, path, body, status in self.changes():
            with self.subTest(path=path):
                _, token, secret, _ = self.user_with_factor()
                missing = self.assert_problem(self.request(method, path, json=body, token=token), 403)
                self.assertIn("code", missing["detail"])
                self.assert_problem(
                    self.request(method, path, json={**body, "code": wrong(self.code(secret))}, token=token), 403
                )

                done = self.request(method, path, json={**body, "code": self.code(secret)}, token=token)

                self.assertEqual(done.status_code, status, done.get_data(as_text=True))

    def test_a_code_is_accepted_once_here_too_and_a_recovery_code_is_spent(self):
        _, token, secret, recovery = self.user_with_factor()
        body = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD, "code": self.code(secret)}
        self.assertEqual(self.request("PUT", "me/password", json=body, token=token).status_code, 204)

        again = {"currentPassword": NEW_PASSWORD, "newPassword": PASSWORD, "code": self.code(secret)}
        self.assert_problem(self.request("PUT", "me/password", json=again, token=token), 403)
        again["code"] = recovery[0]
        self.assertEqual(self.request("PUT", "me/password", json=again, token=token).status_code, 204)

        self.assertIn("recovery_code_used", self.types(token))

    def test_a_wrong_password_is_403_before_any_code_is_checked(self):
        _, token, secret, _ = self.user_with_factor()
        body = {"currentPassword": "wrong " + PASSWORD, "newPassword": NEW_PASSWORD, "code": self.code(secret)}

        self.assert_problem(self.request("PUT", "me/password", json=body, token=token), 403)

        body["currentPassword"] = PASSWORD
        self.assertEqual(self.request("PUT", "me/password", json=body, token=token).status_code, 204)  # unspent

    def test_wrong_codes_count_toward_the_lock_out_even_with_the_right_password(self):
        user, token, secret, _ = self.user_with_factor()
        body = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD, "code": wrong(self.code(secret))}
        for _ in range(5):
            self.assert_problem(self.request("PUT", "me/password", json=body, token=token), 403)

        body["code"] = self.code(secret)
        self.assert_problem(self.request("PUT", "me/password", json=body, token=token), 429)
        self.assert_problem(self.request("POST", "auth/login", json={"email": user.email, "password": PASSWORD}), 429)

    def test_without_the_factor_a_code_is_not_needed(self):
        _, token = self.auth()
        body = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}

        self.assertEqual(self.request("PUT", "me/password", json=body, token=token).status_code, 204)

    def test_deleting_the_account_deletes_its_factor_and_waiting_sign_ins(self):
        user, token, secret, _ = self.user_with_factor()
        self.first_step(user.email)

        body = {"password": PASSWORD, "code": self.code(secret)}
        self.assertEqual(self.request("DELETE", "me", json=body, token=token).status_code, 204)

        with self.app.app_context():
            self.assertEqual((TotpFactor.objects.count(), MfaChallenge.objects.count()), (0, 0))


class TestTurnOff(MfaCase):
    def test_a_missing_or_wrong_password_or_code_is_403(self):
        _, token, secret, _ = self.user_with_factor()
        right = {"password": PASSWORD, "code": self.code(secret)}
        for body in (
            {},
            {"code": right["code"]},
            {"password": PASSWORD},
            {"password": "wrong " + PASSWORD, "code": right["code"]},
            {"password": PASSWORD, "code": wrong(right["code"])},
        ):
            with self.subTest(body=body):
                self.assert_problem(self.request("DELETE", "me/mfa/totp", json=body, token=token), 403)

    def test_turned_off_with_a_recovery_code_it_is_gone_with_its_codes(self):
        user, token, _, recovery = self.user_with_factor()

        response = self.request("DELETE", "me/mfa/totp", json={"password": PASSWORD, "code": recovery[0]}, token=token)

        self.assertEqual(response.status_code, 204)
        # Recorded by one request, maybe within one millisecond: their order is `_id`'s, arbitrary.
        self.assertEqual(sorted(self.types(token)[-2:]), ["mfa_disabled", "recovery_code_used"])
        self.assertIn("accessToken", self.login_pair(user.email))  # one step again
        self.assert_problem(self.request("DELETE", "me/mfa/totp", json={"password": PASSWORD}, token=token), 404)
        self.enable(token)  # on again: the old recovery codes are not
        self.assert_problem(self.second_step(self.first_step(user.email)["mfaToken"], recovery[1]), 401)

    def test_with_a_totp_code(self):
        _, token, secret, _ = self.user_with_factor()

        body = {"password": PASSWORD, "code": self.code(secret)}

        self.assertEqual(self.request("DELETE", "me/mfa/totp", json=body, token=token).status_code, 204)


class TestNewRecoveryCodes(MfaCase):
    def test_new_codes_replace_the_old_set(self):
        user, token, secret, old = self.user_with_factor()

        response = self.request(
            "POST", "me/mfa/recovery-codes", json={"password": PASSWORD, "code": self.code(secret)}, token=token
        )

        self.assertEqual(response.status_code, 200)
        new = response.get_json()["recoveryCodes"]
        self.assertEqual(len(set(new)), 10)
        self.assertFalse(set(new) & set(old))
        self.assert_problem(self.second_step(self.first_step(user.email)["mfaToken"], old[0]), 401)
        self.assertEqual(self.sign_in(user.email, new[0])["tokenType"], "Bearer")

    def test_they_need_the_password_and_a_code_and_a_factor(self):
        _, token, secret, _ = self.user_with_factor()
        self.assert_problem(
            self.request("POST", "me/mfa/recovery-codes", json={"password": PASSWORD}, token=token), 403
        )
        self.assert_problem(
            self.request("POST", "me/mfa/recovery-codes", json={"code": self.code(secret)}, token=token), 403
        )
        _, other = self.auth()
        self.assert_problem(
            self.request("POST", "me/mfa/recovery-codes", json={"password": PASSWORD}, token=other), 404
        )
