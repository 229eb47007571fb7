"""My sessions: listing them (current flag, sign-in method, user agent, last use), ending one, ending the others."""

from __future__ import annotations

import time
import uuid

from app.models import AuthSession, utcnow
from tests.views import TCBase

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
FIELDS = {"id", "createdAt", "lastUsedAt", "signInMethod", "userAgent", "current"}


class SessionsBase(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.user = self.make_user()

    def sign_in(self, user_agent: str | None = CHROME) -> dict:
        """A new session of `self.user`, signed in from `user_agent`: its token pair."""
        headers = {"User-Agent": user_agent} if user_agent is not None else {"User-Agent": ""}
        body = {"email": self.user.email, "password": "correct horse battery"}
        response = self.request("POST", "auth/login", json=body, headers=headers)
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        return response.get_json()

    def sessions(self, token: str, query: str = "") -> dict:
        response = self.request("GET", f"me/sessions{query}", token=token)
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        return response.get_json()

    def session_id(self, pair: dict) -> str:
        """The id of the session a pair belongs to, as the list shows it to that pair's owner."""
        [current] = [s for s in self.sessions(pair["accessToken"])["items"] if s["current"]]
        return current["id"]

    def end(self, token: str, session_id: str):
        return self.request("DELETE", f"me/sessions/{session_id}", token=token)


class TestList(SessionsBase):
    def test_each_session_with_how_and_from_what_it_signed_in_and_which_is_current(self):
        first = self.sign_in("Old Phone/1.0")
        second = self.sign_in()

        page = self.sessions(second["accessToken"])

        self.assertEqual((page["total"], page["page"], page["perPage"], page["totalPages"]), (2, 1, 20, 1))
        newest, oldest = page["items"]  # newest sign-in first
        self.assertEqual(set(newest), FIELDS)
        self.assertEqual((newest["current"], newest["userAgent"], newest["signInMethod"]), (True, CHROME, "password"))
        self.assertEqual((oldest["current"], oldest["userAgent"]), (False, "Old Phone/1.0"))
        self.assertEqual(newest["lastUsedAt"], newest["createdAt"])
        self.assertLessEqual(oldest["createdAt"], newest["createdAt"])
        self.assertEqual(self.session_id(first), oldest["id"])  # seen from the other session, the other is current

    def test_the_user_agent_is_cut_to_200_characters_and_none_is_null(self):
        long = self.sign_in("x" * 5000)
        self.sign_in(None)

        items = self.sessions(long["accessToken"])["items"]

        self.assertEqual([s["userAgent"] for s in items], [None, "x" * 200])

    def test_a_refresh_updates_last_used_and_keeps_the_session(self):
        pair = self.sign_in()
        [before] = self.sessions(pair["accessToken"])["items"]
        time.sleep(0.01)  # stored times have millisecond precision

        refreshed = self.request("POST", "auth/refresh", token=pair["refreshToken"]).get_json()
        [after] = self.sessions(refreshed["accessToken"])["items"]

        self.assertEqual((after["id"], after["createdAt"], after["current"]), (before["id"], before["createdAt"], True))
        self.assertGreater(after["lastUsedAt"], before["lastUsedAt"])

    def test_only_my_live_sessions_are_listed(self):
        mine = self.sign_in()
        ended = self.sign_in()
        self.request("POST", "auth/logout", token=ended["accessToken"])
        other = self.make_user()
        self.login(other.email)
        with self.app.app_context():  # expired, and not yet swept by the TTL index
            AuthSession(user=self.user, refresh_jti="x", expires_at=utcnow()).save()

        items = self.sessions(mine["accessToken"])["items"]

        self.assertEqual([s["current"] for s in items], [True])

    def test_pages(self):
        pairs = [self.sign_in() for _ in range(3)]

        page = self.sessions(pairs[0]["accessToken"], "?perPage=2&page=2")

        self.assertEqual((page["total"], page["totalPages"], len(page["items"])), (3, 2, 1))
        self.assertTrue(page["items"][0]["current"])  # the first sign-in is the oldest, so last
        self.assert_field_errors(self.request("GET", "me/sessions?perPage=0", token=pairs[0]["accessToken"]), "perPage")

    def test_needs_a_token(self):
        self.assert_problem(self.request("GET", "me/sessions"), 401)
        self.assert_problem(self.request("DELETE", "me/sessions"), 401)
        self.assert_problem(self.request("DELETE", f"me/sessions/{uuid.uuid4()}"), 401)

    def test_a_refresh_token_is_not_an_access_token(self):
        pair = self.sign_in()

        self.assert_problem(self.request("GET", "me/sessions", token=pair["refreshToken"]), 401)


class TestEndOne(SessionsBase):
    def test_its_access_and_refresh_tokens_are_refused_at_once(self):
        keep, lost = self.sign_in(), self.sign_in()
        self.assertEqual(self.request("GET", "me", token=lost["accessToken"]).status_code, 200)

        response = self.end(keep["accessToken"], self.session_id(lost))

        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.get_data(), b"")
        self.assert_problem(self.request("GET", "me", token=lost["accessToken"]), 401)
        self.assert_problem(self.request("POST", "auth/refresh", token=lost["refreshToken"]), 401)
        self.assertEqual(self.request("GET", "me", token=keep["accessToken"]).status_code, 200)
        self.assertEqual([s["current"] for s in self.sessions(keep["accessToken"])["items"]], [True])

    def test_ending_the_current_session_signs_this_client_out(self):
        pair = self.sign_in()

        self.assertEqual(self.end(pair["accessToken"], self.session_id(pair)).status_code, 204)

        self.assert_problem(self.request("GET", "me", token=pair["accessToken"]), 401)

    def test_another_accounts_session_is_404_and_stays_alive(self):
        other = self.make_user()
        theirs = self.login_pair(other.email)
        their_id = self.session_id(theirs)
        mine = self.sign_in()

        self.assert_problem(self.end(mine["accessToken"], their_id), 404)

        self.assertEqual(self.request("GET", "me", token=theirs["accessToken"]).status_code, 200)

    def test_unknown_malformed_and_already_ended_ids_are_404(self):
        pair, ended = self.sign_in(), self.sign_in()
        ended_id = self.session_id(ended)
        self.assertEqual(self.end(pair["accessToken"], ended_id).status_code, 204)

        for session_id in (str(uuid.uuid4()), "not-a-uuid", ended_id):
            with self.subTest(session_id=session_id):
                self.assert_problem(self.end(pair["accessToken"], session_id), 404)


class TestEndOthers(SessionsBase):
    def test_every_session_but_the_current_one_ends(self):
        others = [self.sign_in() for _ in range(2)]
        current = self.sign_in()
        someone_else = self.login_pair(self.make_user().email)

        response = self.request("DELETE", "me/sessions", token=current["accessToken"])

        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.get_data(), b"")
        for pair in others:
            self.assert_problem(self.request("GET", "me", token=pair["accessToken"]), 401)
            self.assert_problem(self.request("POST", "auth/refresh", token=pair["refreshToken"]), 401)
        self.assertEqual(self.request("GET", "me", token=current["accessToken"]).status_code, 200)
        self.assertEqual(self.request("POST", "auth/refresh", token=current["refreshToken"]).status_code, 200)
        self.assertEqual(self.request("GET", "me", token=someone_else["accessToken"]).status_code, 200)

    def test_with_no_other_session_it_is_still_204(self):
        pair = self.sign_in()

        self.assertEqual(self.request("DELETE", "me/sessions", token=pair["accessToken"]).status_code, 204)
        self.assertEqual(len(self.sessions(pair["accessToken"])["items"]), 1)


class TestStored(SessionsBase):
    def test_the_refresh_tokens_id_never_leaves_the_server(self):
        pair = self.sign_in()

        body = self.request("GET", "me/sessions", token=pair["accessToken"]).get_data(as_text=True)

        with self.app.app_context():
            jti = AuthSession.objects.get(user=self.user.id).refresh_jti
        self.assertNotIn(jti, body)
        self.assertNotIn("refresh", body.lower())
