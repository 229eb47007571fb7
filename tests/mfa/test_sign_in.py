"""The second step of a sign-in: codes, replay, drift, recovery codes, wrong codes, lock-out, cookie transport."""

from __future__ import annotations

from datetime import timedelta

from app.accounts import lift_lock_after_reset, set_password
from app.cookies import CSRF_COOKIE, REFRESH_COOKIE
from app.lockout import count_guess
from app.mfa.models import MfaChallenge, TotpFactor
from app.models import User, utcnow
from tests.mfa import MfaCase
from tests.views import PASSWORD


def wrong(right: str) -> str:
    """A six-digit code that is not `right`."""
    return f"{(int(right) + 1) % 1_000_000:06d}"


class TestSecondStep(MfaCase):
    def test_the_first_step_answers_mfa_required_with_no_tokens_and_no_cookies(self):
        user, _, _, _ = self.user_with_factor()

        response = self.request("POST", "auth/login", json={"email": user.email, "password": PASSWORD})

        self.assertEqual(response.status_code, 200)
        answer = response.get_json()
        self.assertEqual(set(answer), {"mfaRequired", "mfaToken", "expiresIn"})
        self.assertIs(answer["mfaRequired"], True)
        self.assertEqual(answer["expiresIn"], 300)
        self.assertNotIn("Set-Cookie", response.headers)
        with self.app.app_context():
            raw = MfaChallenge.collection().find_one({})
        self.assertNotIn(answer["mfaToken"], str(raw))  # kept only as a digest
        self.assertAlmostEqual((raw["expires_at"] - raw["created_at"]).total_seconds(), 300, delta=2)

    def test_a_current_code_ends_the_sign_in_with_a_token_pair(self):
        user, _, secret, _ = self.user_with_factor()

        pair = self.sign_in(user.email, self.code(secret))

        self.assertEqual(set(pair), {"accessToken", "refreshToken", "tokenType", "expiresIn"})
        me = self.request("GET", "me", token=pair["accessToken"])
        self.assertEqual(me.get_json()["id"], str(user.id))
        sessions = self.request("GET", "me/sessions", token=pair["accessToken"]).get_json()["items"]
        self.assertIn("password", {s["signInMethod"] for s in sessions})
        self.assertEqual(self.types(pair["accessToken"])[-1], "signed_in")

    def test_a_code_is_refused_a_second_time_and_so_is_an_older_one(self):
        user, _, secret, _ = self.user_with_factor()
        used = self.code(secret)
        self.sign_in(user.email, used)

        self.assert_problem(self.second_step(self.first_step(user.email)["mfaToken"], used), 401)
        self.assert_problem(self.second_step(self.first_step(user.email)["mfaToken"], self.code(secret, -1)), 401)
        self.later()
        self.sign_in(user.email, self.code(secret))  # the next step's code works

    def test_one_step_of_drift_either_way_is_accepted_and_two_are_not(self):
        user, _, secret, _ = self.user_with_factor()  # confirmed with the step before this one
        self.later(2)
        for offset in (-2, 2):
            with self.subTest(offset=offset):
                self.assert_problem(
                    self.second_step(self.first_step(user.email)["mfaToken"], self.code(secret, offset)), 401
                )

        self.sign_in(user.email, self.code(secret, -1))
        self.sign_in(user.email, self.code(secret, 1))

    def test_a_wrong_code_is_401_and_the_fifth_spends_the_token(self):
        user, _, secret, _ = self.user_with_factor()
        self.later()
        token = self.first_step(user.email)["mfaToken"]
        for _ in range(4):
            self.assert_problem(self.second_step(token, wrong(self.code(secret))), 401)
        self.assertEqual(self.second_step(token, self.code(secret)).status_code, 200)  # the fifth try, right

        token = self.first_step(user.email)["mfaToken"]
        self.later()
        for _ in range(4):
            self.assert_problem(self.second_step(token, wrong(self.code(secret))), 401)
        fifth = self.assert_problem(self.second_step(token, "bad-recovery-code"), 401)
        self.assertIn("last try", fifth["detail"])
        self.assert_problem(self.second_step(token, self.code(secret)), 401)  # spent
        with self.app.app_context():
            self.assertEqual(MfaChallenge.objects.count(), 0)

    def test_an_unknown_or_expired_token_is_401(self):
        user, _, secret, _ = self.user_with_factor()
        self.assert_problem(self.second_step("not-a-token", self.code(secret)), 401)
        token = self.first_step(user.email)["mfaToken"]
        with self.app.app_context():
            MfaChallenge.objects.update(set__expires_at=utcnow() - timedelta(seconds=1))

        self.assert_problem(self.second_step(token, self.code(secret)), 401)

    def test_a_malformed_body_is_400(self):
        self.assert_field_errors(self.request("POST", "auth/login/mfa", json={"mfaToken": "x"}), "code")
        self.assert_field_errors(
            self.request("POST", "auth/login/mfa", json={"mfaToken": "x", "code": "1", "tokenTransport": "carrier"}),
            "tokenTransport",
        )

    def test_an_account_deactivated_between_the_steps_cannot_finish(self):
        user, _, secret, _ = self.user_with_factor()
        token = self.first_step(user.email)["mfaToken"]
        with self.app.app_context():
            User.objects(id=user.id).update_one(set__active=False)

        self.assert_problem(self.second_step(token, self.code(secret)), 401)

    def test_a_password_change_voids_waiting_tokens_and_leaves_the_factor_on(self):
        user, _, secret, _ = self.user_with_factor()
        token = self.first_step(user.email)["mfaToken"]
        with self.app.test_request_context():
            set_password(User.objects.get(id=user.id), "a brand new passphrase")  # what a reset does too

        self.assert_problem(self.second_step(token, self.code(secret)), 401)
        answer = self.first_step(user.email, "a brand new passphrase")
        self.assertEqual(self.second_step(answer["mfaToken"], self.code(secret)).status_code, 200)

    def test_wrong_codes_are_in_the_security_log(self):
        user, _, secret, _ = self.user_with_factor()
        self.assert_problem(self.second_step(self.first_step(user.email)["mfaToken"], wrong(self.code(secret))), 401)

        pair = self.sign_in(user.email, self.code(secret))

        # Two requests apart, but possibly within one millisecond: then their order is `_id`'s, arbitrary.
        self.assertEqual(sorted(self.types(pair["accessToken"])[-2:]), ["sign_in_failed", "signed_in"])


class TestRecoveryCodes(MfaCase):
    def test_a_recovery_code_signs_in_once_whatever_its_case_and_dashes(self):
        user, _, _, recovery = self.user_with_factor()

        typed = " " + recovery[0].upper().replace("-", " ") + " "
        pair = self.sign_in(user.email, typed)

        self.assert_problem(self.second_step(self.first_step(user.email)["mfaToken"], recovery[0]), 401)
        self.assertEqual(self.sign_in(user.email, recovery[1].replace("-", ""))["tokenType"], "Bearer")
        self.assertEqual(self.types(pair["accessToken"]).count("recovery_code_used"), 2)

    def test_a_made_up_recovery_code_is_a_wrong_code(self):
        user, _, _, recovery = self.user_with_factor()
        made_up = recovery[0][:-1] + ("a" if recovery[0][-1] != "a" else "b")

        self.assert_problem(self.second_step(self.first_step(user.email)["mfaToken"], made_up), 401)


class TestLockout(MfaCase):
    def fail_password(self, email: str, times: int) -> None:
        for _ in range(times):
            response = self.request("POST", "auth/login", json={"email": email, "password": "wrong " + PASSWORD})
            self.assertEqual(response.status_code, 401)

    def test_a_right_password_alone_does_not_reset_the_count_and_wrong_codes_add_to_it(self):
        user, _, secret, _ = self.user_with_factor()
        self.fail_password(user.email, 3)
        token = self.first_step(user.email)["mfaToken"]  # the right password

        self.assert_problem(self.second_step(token, wrong(self.code(secret))), 401)
        self.assert_problem(self.second_step(token, wrong(self.code(secret))), 401)  # the fifth failure: locked

        self.assert_problem(self.second_step(token, self.code(secret)), 429)
        self.assert_problem(self.request("POST", "auth/login", json={"email": user.email, "password": PASSWORD}), 429)

    def test_a_password_reset_leaves_the_count_of_wrong_codes(self):
        """The mailbox proves the address, not the second factor: a reset must not buy fresh guesses at codes."""
        user, _, secret, _ = self.user_with_factor()
        token = self.first_step(user.email)["mfaToken"]
        for _ in range(self.app.config["LOGIN_MAX_FAILURES"]):
            self.second_step(token, wrong(self.code(secret)))

        with self.app.test_request_context():
            lift_lock_after_reset(User.objects.get(id=user.id))  # what a completed reset does

        self.assert_problem(self.request("POST", "auth/login", json={"email": user.email, "password": PASSWORD}), 429)

    def test_guesses_sent_at_once_cannot_pass_the_limit(self):
        """Each guess is counted before it is checked: of N requests at once, only the first five are checked."""
        user, _, secret, _ = self.user_with_factor()
        tokens = [self.first_step(user.email)["mfaToken"] for _ in range(3)]
        with self.app.test_request_context():
            for _ in range(3):  # three guesses in flight elsewhere, counted and not yet checked
                count_guess(user.email)

        answers = [self.second_step(token, wrong(self.code(secret))).status_code for token in tokens]

        self.assertEqual(answers, [401, 401, 429])

    def test_a_completed_sign_in_resets_the_count(self):
        user, _, secret, _ = self.user_with_factor()
        self.fail_password(user.email, 4)

        self.sign_in(user.email, self.code(secret))
        self.fail_password(user.email, 4)

        self.first_step(user.email)  # not locked

    def test_a_right_password_then_no_second_step_keeps_the_count(self):
        user, _, _, _ = self.user_with_factor()
        self.fail_password(user.email, 4)
        self.first_step(user.email)

        self.fail_password(user.email, 1)

        self.assert_problem(self.request("POST", "auth/login", json={"email": user.email, "password": PASSWORD}), 429)


class TestCookieTransport(MfaCase):
    def test_the_cookie_transport_asked_for_at_the_first_step_is_used_at_the_second(self):
        user, _, secret, _ = self.user_with_factor()
        first = self.request(
            "POST", "auth/login", json={"email": user.email, "password": PASSWORD, "tokenTransport": "cookie"}
        )
        self.assertNotIn("Set-Cookie", first.headers)

        response = self.second_step(first.get_json()["mfaToken"], self.code(secret))

        self.assertEqual(response.status_code, 200)
        body = response.get_json()
        self.assertEqual(set(body), {"accessToken", "tokenType", "expiresIn", "csrfToken"})
        cookies = "\n".join(response.headers.getlist("Set-Cookie"))
        self.assertIn(f"{REFRESH_COOKIE}=", cookies)
        self.assertIn(f"{CSRF_COOKIE}={body['csrfToken']}", cookies)
        self.assertIn("HttpOnly", cookies)
        refreshed = self.request("POST", "auth/refresh", headers={"X-CSRF-Token": body["csrfToken"]})
        self.assertEqual(refreshed.status_code, 200, refreshed.get_data(as_text=True))
        self.assertNotIn("refreshToken", refreshed.get_json())

    def test_the_second_step_may_name_its_own_transport(self):
        user, _, secret, _ = self.user_with_factor()
        token = self.first_step(user.email)["mfaToken"]

        response = self.second_step(token, self.code(secret), tokenTransport="cookie")

        self.assertIn("csrfToken", response.get_json())
        self.assertNotIn("refreshToken", response.get_json())


class TestTurnedOff(MfaCase):
    def test_turning_it_off_voids_waiting_tokens(self):
        """A sign-in started under the old factor must not finish under a new one."""
        user, token, _, recovery = self.user_with_factor()
        waiting = self.first_step(user.email)["mfaToken"]
        off = {"password": PASSWORD, "code": recovery[0]}
        self.assertEqual(self.request("DELETE", "me/mfa/totp", json=off, token=token).status_code, 204)
        _, new_recovery = self.enable(token)

        self.assert_problem(self.second_step(waiting, new_recovery[0]), 401)

    def test_a_factor_turned_off_between_the_steps_spends_the_token(self):
        user, _, secret, _ = self.user_with_factor()
        token = self.first_step(user.email)["mfaToken"]
        with self.app.app_context():
            TotpFactor.objects.delete()

        self.assert_problem(self.second_step(token, self.code(secret)), 401)
        self.assertIn("accessToken", self.login_pair(user.email))
