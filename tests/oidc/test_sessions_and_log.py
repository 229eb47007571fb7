"""A provider's sign-in in the session list (`oidc:<provider>`) and in the security log, with linking and unlinking."""

from __future__ import annotations

from tests.oidc.test_oidc import LinkCase, OidcCase, person


class TestProviderSessions(OidcCase):
    def test_a_provider_sign_in_is_a_session_marked_with_its_provider_and_logged(self):
        token = self.sign_in_pair(person())["accessToken"]

        [session] = self.request("GET", "me/sessions", token=token).get_json()["items"]
        log = self.request("GET", "me/security-events", token=token).get_json()["items"]

        self.assertEqual((session["signInMethod"], session["current"]), ("oidc:local", True))
        self.assertEqual([entry["type"] for entry in log], ["signed_in"])


class TestLinkingInTheLog(LinkCase):
    def types(self, token: str) -> list[str]:
        items = self.request("GET", "me/security-events", token=token).get_json()["items"]
        return [entry["type"] for entry in reversed(items)]

    def test_linking_and_unlinking_are_logged_for_the_account(self):
        _, token = self.verified_user()
        self.assertEqual(self.link(token, person()).status_code, 201)

        self.assertEqual(self.unlink(token).status_code, 204)

        self.assertEqual(self.types(token), ["signed_in", "identity_linked", "identity_unlinked"])

    def test_a_refused_unlink_logs_nothing(self):
        token = self.sign_in_pair(person())["accessToken"]

        self.assert_problem(self.unlink(token, password=None), 409)  # its only way in (the token is fresh)

        self.assertEqual(self.types(token), ["signed_in"])
