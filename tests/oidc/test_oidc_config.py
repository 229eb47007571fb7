"""OIDC settings: providers from the environment, defaults, and what production refuses."""

from __future__ import annotations

import unittest
from typing import Any

from config import ConfigError, DevConfig, ProductionConfig, oidc
from config.env import overlay

GOOGLE = {
    "OIDC_PROVIDERS": "Google",
    "OIDC_GOOGLE_ISSUER": "https://accounts.google.com/",
    "OIDC_GOOGLE_CLIENT_ID": "1234.apps.googleusercontent.com",
    "OIDC_GOOGLE_CLIENT_SECRET": "GOCSPX-secret",
    "OIDC_REDIRECT_BASE_URL": "https://api.example.com/",
    "OIDC_RETURN_URLS": "https://app.example.com/signed-in, com.example.app:/oauth",
}


def production(**environ: str | None) -> dict[str, Any]:
    """The oidc section as ProductionConfig.settings runs it (the other sections have their own tests)."""
    merged = {k: v for k, v in {**GOOGLE, **environ}.items() if v is not None}
    defaults = {name: getattr(ProductionConfig, name) for name in dir(ProductionConfig) if name.isupper()}
    values = overlay(defaults, merged, sorted(defaults))
    oidc.complete(values, merged)
    oidc.check(values, production=True)
    return values


class TestOidcSettings(unittest.TestCase):
    def test_no_provider_means_the_feature_is_off(self):
        values = DevConfig.settings({})

        self.assertEqual((values["OIDC_PROVIDERS"], values["OIDC_CLIENTS"]), ([], {}))
        self.assertEqual(values["OIDC_HTTP_TIMEOUT"], 5.0)
        self.assertFalse(values["OIDC_COOKIE_SECURE"])

    def test_providers_and_their_variables_are_read_from_the_environment(self):
        values = production(OIDC_HTTP_TIMEOUT="2.5")

        self.assertEqual(
            values["OIDC_CLIENTS"],
            {
                "google": {
                    "issuer": "https://accounts.google.com",
                    "client_id": "1234.apps.googleusercontent.com",
                    "client_secret": "GOCSPX-secret",
                    "scope": "openid email profile",
                }
            },
        )
        self.assertEqual(values["OIDC_REDIRECT_BASE_URL"], "https://api.example.com")
        self.assertEqual(values["OIDC_RETURN_URLS"], ["https://app.example.com/signed-in", "com.example.app:/oauth"])
        self.assertEqual(values["OIDC_HTTP_TIMEOUT"], 2.5)
        self.assertTrue(values["OIDC_COOKIE_SECURE"])  # always Secure in production

    def test_a_configured_scope_replaces_the_default_but_must_ask_for_openid(self):
        self.assertEqual(
            production(OIDC_GOOGLE_SCOPE="openid  email")["OIDC_CLIENTS"]["google"]["scope"], "openid email"
        )
        with self.assertRaisesRegex(ConfigError, "OIDC_GOOGLE_SCOPE"):
            production(OIDC_GOOGLE_SCOPE="email profile")

    def test_production_refuses_incomplete_providers_naming_the_variable(self):
        for variable in ("OIDC_GOOGLE_ISSUER", "OIDC_GOOGLE_CLIENT_ID", "OIDC_GOOGLE_CLIENT_SECRET"):
            with self.subTest(variable=variable), self.assertRaisesRegex(ConfigError, variable):
                production(**{variable: None})
        with self.assertRaisesRegex(ConfigError, "OIDC_REDIRECT_BASE_URL"):
            production(OIDC_REDIRECT_BASE_URL=None)

    def test_production_wants_https_except_on_the_loopback_interface(self):
        with self.assertRaisesRegex(ConfigError, "OIDC_GOOGLE_ISSUER"):
            production(OIDC_GOOGLE_ISSUER="http://id.example.com")
        with self.assertRaisesRegex(ConfigError, "OIDC_REDIRECT_BASE_URL"):
            production(OIDC_REDIRECT_BASE_URL="http://api.example.com")
        with self.assertRaisesRegex(ConfigError, "OIDC_RETURN_URLS"):
            production(OIDC_RETURN_URLS="http://app.example.com/")
        local = production(OIDC_GOOGLE_ISSUER="http://127.0.0.1:9000", OIDC_RETURN_URLS="http://localhost:5173/")
        self.assertEqual(local["OIDC_CLIENTS"]["google"]["issuer"], "http://127.0.0.1:9000")

    def test_malformed_values_are_refused_everywhere(self):
        environ = {**GOOGLE}
        cases = {
            "OIDC_PROVIDERS": {"OIDC_PROVIDERS": "my-provider"},
            "OIDC_RETURN_URLS": {"OIDC_RETURN_URLS": "/relative/path"},
            "OIDC_HTTP_TIMEOUT": {"OIDC_HTTP_TIMEOUT": "0"},
            "OIDC_GOOGLE_ISSUER": {"OIDC_GOOGLE_ISSUER": "accounts.google.com"},
        }
        for variable, change in cases.items():
            with self.subTest(variable=variable), self.assertRaisesRegex(ConfigError, variable):
                DevConfig.settings({**environ, **change})
        with self.assertRaisesRegex(ConfigError, "OIDC_RETURN_URLS"):
            DevConfig.settings({**environ, "OIDC_RETURN_URLS": "https://app.example.com/#fragment"})
