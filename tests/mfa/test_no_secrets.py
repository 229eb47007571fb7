"""No TOTP secret, code, recovery code, mfaToken, sealed value or key in any log line, or in any answer but the
enrolment's (the secret) and the recovery-code answers (the codes): the no-secrets check of
tests/views/test_secure_by_default.py, extended to the second factor's fields."""

from __future__ import annotations

from app.mfa.models import TotpFactor
from tests.mfa import MfaCase
from tests.views import PASSWORD
from tests.views.test_secure_by_default import DebugLogCase, every_log_line


class TestNoMfaSecretsLeak(DebugLogCase, MfaCase):
    def test_every_flow_of_the_second_factor_keeps_its_secrets(self):
        user, token = self.auth()
        shown, others, codes, mfa_tokens = [], [], [], []
        with every_log_line() as lines:
            enrolment = self.request("POST", "me/mfa/totp", json={"password": PASSWORD}, token=token)
            shown.append(enrolment)
            secret, uri = enrolment.get_json()["secret"], enrolment.get_json()["otpauthUri"]
            codes.append(self.code(secret, 2))
            others.append(self.confirm_factor(token, codes[-1]))  # wrong: out of the window
            codes.append(self.code(secret, -1))
            confirmed = self.confirm_factor(token, codes[-1])
            shown.append(confirmed)
            recovery = confirmed.get_json()["recoveryCodes"]
            for code in (self.code(secret, 2), self.code(secret), recovery[0], recovery[0]):  # wrong, right, ...
                first = self.request("POST", "auth/login", json={"email": user.email, "password": PASSWORD})
                others.append(first)
                mfa_tokens.append(first.get_json()["mfaToken"])
                codes.append(code)
                others.append(self.second_step(mfa_tokens[-1], code))
            self.later()
            codes.append(self.code(secret))
            body = {"password": PASSWORD, "code": codes[-1]}
            regenerated = self.request("POST", "me/mfa/recovery-codes", json=body, token=token)
            shown.append(regenerated)
            new_recovery = regenerated.get_json()["recoveryCodes"]
            others.append(
                self.request("DELETE", "me/mfa/totp", json={"password": PASSWORD, "code": codes[-1]}, token=token)
            )
            others.append(
                self.request("DELETE", "me/mfa/totp", json={"password": PASSWORD, "code": new_recovery[0]}, token=token)
            )
        with self.app.app_context():
            self.assertEqual(TotpFactor.objects.count(), 0)  # the flows ran to the end
        keys = self.app.config["FIELD_ENCRYPTION_KEY"]
        secrets = [secret, uri, *codes, *recovery, *new_recovery, *mfa_tokens, *keys]
        secrets += [c.replace("-", "") for c in recovery + new_recovery]

        logged = "\n".join(lines)
        for value in secrets:
            self.assertNotIn(value, logged)
        self.assertNotIn("gAAAA", logged)  # no sealed value either
        for response in others:
            echoed = response.get_data(as_text=True) + str(response.headers)
            for value in [v for v in secrets if v not in mfa_tokens]:
                self.assertNotIn(value, echoed, response.request.path)
            self.assertNotIn("gAAAA", echoed)
        for response in shown:  # each answer shows only its own
            echoed = response.get_data(as_text=True)
            self.assertNotIn("gAAAA", echoed)
            for key in keys:
                self.assertNotIn(key, echoed)
        self.assertIn("TOTP factor on", logged)  # the flows did log, so the check means something
        self.assertIn('"path":"/api/v1/auth/login/mfa"', logged)
