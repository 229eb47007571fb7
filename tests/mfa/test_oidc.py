"""A provider sign-in to an account with the factor on answers mfaRequired too; linking and unlinking need a code.

Against the real oidc-provider process, as every sign-in test (tests/oidc).
"""

from __future__ import annotations

from app.models import User
from tests.mfa import MfaCase
from tests.oidc.test_oidc import LinkCase, person


class TestProviderSignIn(MfaCase, LinkCase):
    def test_the_code_exchange_answers_mfa_required_and_the_second_step_starts_the_provider_session(self):
        login = person()
        fresh = self.sign_in_pair(login)["accessToken"]  # a password-less account: the fresh sign-in is its proof
        secret, _ = self.enable(fresh, password=None)

        response = self.exchange(self.sign_in_code(login))

        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        answer = response.get_json()
        self.assertEqual(set(answer), {"mfaRequired", "mfaToken", "expiresIn"})
        done = self.second_step(answer["mfaToken"], self.code(secret))
        self.assertEqual(done.status_code, 200, done.get_data(as_text=True))
        token = done.get_json()["accessToken"]
        sessions = self.request("GET", "me/sessions", token=token).get_json()["items"]
        current = next(s for s in sessions if s["current"])
        self.assertEqual(current["signInMethod"], "oidc:local")

    def test_the_cookie_transport_asked_for_at_the_exchange_carries_through(self):
        login = person()
        secret, _ = self.enable(self.sign_in_pair(login)["accessToken"], password=None)
        body = {"loginCode": self.sign_in_code(login), "codeVerifier": self.verifier, "tokenTransport": "cookie"}
        answer = self.request("POST", "auth/oidc/token", json=body).get_json()

        done = self.second_step(answer["mfaToken"], self.code(secret))

        self.assertIn("csrfToken", done.get_json())
        self.assertIn("refresh_token=", "\n".join(done.headers.getlist("Set-Cookie")))


class TestLinking(MfaCase, LinkCase):
    def test_starting_a_link_and_unlinking_need_a_code(self):
        user, token = self.verified_user()
        secret, _ = self.enable(token)

        self.assert_problem(self.start_link(token), 403)
        self.assertEqual(self.start_link(token, code=self.code(secret)).status_code, 200)
        self.later()
        self.assertEqual(self.confirm(token, self.link_code(token, person(), code=self.code(secret))).status_code, 201)

        self.assert_problem(self.unlink(token), 403)
        self.later()
        body = {"password": "correct horse battery", "code": self.code(secret)}
        self.assertEqual(self.request("DELETE", "me/identities/local", json=body, token=token).status_code, 204)
        with self.app.app_context():
            self.assertTrue(User.objects(id=user.id).first())
