"""My security log: what each action records (with the request's address and user agent), newest first, paged,
kept 90 days, and deleted with the account."""

from __future__ import annotations

from datetime import timedelta

from app import events
from app.models import SecurityEvent, User
from app.models.security_event import RETENTION
from app.security_log import record
from tests.views import PASSWORD, TCBase

AGENT = "SecurityLogTest/1.0 (" + "x" * 300 + ")"
NEW_PASSWORD = "a brand new passphrase"


class LogBase(TCBase):
    def setUp(self) -> None:
        super().setUp()
        self.user = self.make_user()

    def send(self, method: str, path: str, token: str | None = None, **kwargs):
        """A request from the test's own client: a known user agent, from 203.0.113.7."""
        return self.request(
            method,
            path,
            token=token,
            headers={"User-Agent": AGENT},
            environ_base={"REMOTE_ADDR": "203.0.113.7"},
            **kwargs,
        )

    def sign_in(self, password: str = PASSWORD):
        return self.send("POST", "auth/login", json={"email": self.user.email, "password": password})

    def token(self) -> str:
        response = self.sign_in()
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        return response.get_json()["accessToken"]

    def log(self, token: str, query: str = "") -> dict:
        response = self.request("GET", f"me/security-events{query}", token=token)
        self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
        return response.get_json()

    def types(self, token: str) -> list[str]:
        """The log's types, oldest first (the list is newest first)."""
        return [entry["type"] for entry in reversed(self.log(token, "?perPage=100")["items"])]


class TestList(LogBase):
    def test_a_sign_in_is_recorded_with_the_requests_address_and_user_agent(self):
        token = self.token()

        page = self.log(token)

        self.assertEqual((page["total"], page["page"], page["perPage"], page["totalPages"]), (1, 1, 20, 1))
        [entry] = page["items"]
        self.assertEqual(set(entry), {"type", "createdAt", "ipAddress", "userAgent"})
        self.assertEqual(entry["type"], "signed_in")
        self.assertEqual(entry["ipAddress"], "203.0.113.7")
        self.assertEqual(entry["userAgent"], AGENT[:200])
        self.assertRegex(entry["createdAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_newest_first_in_pages(self):
        self.sign_in("wrong password")
        token = self.token()

        first = self.log(token, "?perPage=1")
        second = self.log(token, "?perPage=1&page=2")

        self.assertEqual((first["total"], first["totalPages"]), (2, 2))
        self.assertEqual([e["type"] for e in first["items"] + second["items"]], ["signed_in", "sign_in_failed"])
        self.assertGreaterEqual(first["items"][0]["createdAt"], second["items"][0]["createdAt"])
        self.assert_field_errors(self.request("GET", "me/security-events?page=0", token=token), "page")

    def test_only_my_own_entries(self):
        other = self.make_user()
        self.login(other.email)
        self.request("POST", "auth/login", json={"email": other.email, "password": "wrong"})

        self.assertEqual(self.types(self.token()), ["signed_in"])

    def test_needs_an_access_token(self):
        self.assert_problem(self.request("GET", "me/security-events"), 401)

    def test_an_entry_recorded_outside_a_request_has_no_address_or_user_agent(self):
        with self.app.app_context():
            record(self.user, events.PASSWORD_CHANGED)  # e.g. a command-line action

        [entry] = [e for e in self.log(self.token())["items"] if e["type"] == "password_changed"]

        self.assertEqual((entry["ipAddress"], entry["userAgent"]), (None, None))


class TestWhatIsRecorded(LogBase):
    def test_sign_in_failures_for_the_account_but_nothing_for_an_unknown_address(self):
        self.sign_in("wrong password")
        self.send("POST", "auth/login", json={"email": "nobody@example.com", "password": "wrong password"})

        self.assertEqual(self.types(self.token()), ["sign_in_failed", "signed_in"])
        with self.app.app_context():
            self.assertEqual(SecurityEvent.objects.count(), 2)

    def test_an_inactive_account_signing_in_is_a_failure(self):
        with self.app.app_context():
            User.objects(id=self.user.id).update_one(set__active=False)
        self.sign_in()
        with self.app.app_context():
            User.objects(id=self.user.id).update_one(set__active=True)

        self.assertEqual(self.types(self.token()), ["sign_in_failed", "signed_in"])

    def test_a_password_change(self):
        token = self.token()

        body = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
        self.assertEqual(self.send("PUT", "me/password", token=token, json=body).status_code, 204)

        self.assertEqual(self.types(token), ["signed_in", "password_changed"])

    def test_ending_a_session_and_ending_the_others(self):
        other = self.token()
        token = self.token()
        sessions = self.request("GET", "me/sessions", token=token).get_json()["items"]
        [other_id] = [s["id"] for s in sessions if not s["current"]]
        self.assertEqual(self.send("DELETE", f"me/sessions/{other_id}", token=token).status_code, 204)
        self.token()
        self.token()

        self.assertEqual(self.send("DELETE", "me/sessions", token=token).status_code, 204)
        self.assertEqual(self.send("DELETE", "me/sessions", token=token).status_code, 204)  # nothing left to end

        self.assert_problem(self.request("GET", "me", token=other), 401)
        self.assertEqual(
            self.types(token), ["signed_in"] * 2 + ["session_revoked"] + ["signed_in"] * 2 + ["session_revoked"]
        )

    def test_refresh_token_reuse_revokes_the_session_and_says_so(self):
        pair = self.sign_in().get_json()
        self.assertEqual(self.send("POST", "auth/refresh", token=pair["refreshToken"]).status_code, 200)

        self.assert_problem(self.send("POST", "auth/refresh", token=pair["refreshToken"]), 401)

        self.assertEqual(self.types(self.token()), ["signed_in", "session_revoked", "signed_in"])

    def test_second_factor_events_are_recorded_when_published(self):
        """The TOTP work publishes these; the log records each under its name."""
        with self.app.test_request_context(
            headers={"User-Agent": "Authenticator"}, environ_base={"REMOTE_ADDR": "::1"}
        ):
            for event in (events.MFA_ENABLED, events.RECOVERY_CODE_USED, events.MFA_DISABLED):
                events.publish(event, user=self.user)

        entries = self.log(self.token())["items"]

        self.assertEqual(entries[0]["type"], "signed_in")
        # Published within the same millisecond: `_id` orders them, arbitrarily but the same way on every page.
        self.assertEqual(sorted(e["type"] for e in entries[1:]), ["mfa_disabled", "mfa_enabled", "recovery_code_used"])
        self.assertEqual({(e["ipAddress"], e["userAgent"]) for e in entries[1:]}, {("::1", "Authenticator")})


class TestKeeping(LogBase):
    def test_entries_expire_after_90_days(self):
        with self.app.app_context():
            [ttl] = [
                spec
                for spec in SecurityEvent._get_collection().index_information().values()
                if "expireAfterSeconds" in spec
            ]
        self.assertEqual(RETENTION, timedelta(days=90))
        self.assertEqual((ttl["key"], ttl["expireAfterSeconds"]), ([("created_at", 1)], 90 * 24 * 3600))

    def test_deleting_the_account_deletes_its_log_and_only_its_log(self):
        other = self.make_user()
        self.login(other.email)
        token = self.token()
        self.sign_in("wrong password")

        response = self.send("DELETE", "me", token=token, json={"password": PASSWORD})

        self.assertEqual(response.status_code, 204)
        with self.app.app_context():
            self.assertEqual(SecurityEvent.objects(user=self.user.id).count(), 0)
            self.assertEqual(SecurityEvent.objects(user=other.id).count(), 1)
