"""Transport-level hardening: hosts, proxies, CORS, methods, media types."""

from __future__ import annotations

from config import TestConfig
from tests.views.probe import PROBE, ProbeTCBase


class TrustedHosts(TestConfig):
    ALLOWED_HOSTS = ["api.example.com"]


class BehindOneProxy(TestConfig):
    TRUSTED_PROXIES = 1
    RATELIMIT_DEFAULT = "2 per minute"


class WithCors(TestConfig):
    CORS_ORIGINS = ["https://app.example.com"]


class HSTSAlways(TestConfig):
    HSTS_ALWAYS = True


class TestTrustedHosts(ProbeTCBase):
    config = TrustedHosts

    def test_unexpected_host_is_refused(self):
        self.assert_problem(self.request("GET", PROBE, headers={"Host": "evil.example.com"}), 400)

    def test_trusted_host_is_served(self):
        self.assertEqual(self.request("GET", PROBE, headers={"Host": "api.example.com"}).status_code, 200)


class TestProxyFix(ProbeTCBase):
    config = BehindOneProxy

    def test_forwarded_address_from_the_trusted_hop_is_the_client(self):
        # Two clients behind the proxy get separate budgets.
        for _ in range(2):
            self.request("GET", PROBE, headers={"X-Forwarded-For": "203.0.113.1"})
        self.assert_problem(self.request("GET", PROBE, headers={"X-Forwarded-For": "203.0.113.1"}), 429)
        self.assertEqual(self.request("GET", PROBE, headers={"X-Forwarded-For": "203.0.113.2"}).status_code, 200)

    def test_forwarded_proto_https_gets_hsts(self):
        response = self.request("GET", PROBE, headers={"X-Forwarded-Proto": "https"})
        self.assertEqual(response.headers["Strict-Transport-Security"], "max-age=31536000; includeSubDomains")


class TestUntrustedForwardedFor(ProbeTCBase):
    config = TestConfig

    def test_forwarded_for_is_ignored_without_trusted_proxies(self):
        self.request("GET", PROBE, headers={"X-Forwarded-For": "203.0.113.1"})
        response = self.request("GET", PROBE, headers={"X-Forwarded-For": "203.0.113.2"})
        # one budget: the spoofed header did not split the client in two
        self.assertEqual(response.headers["X-RateLimit-Remaining"], str(300 - 2))
        self.assertNotIn(
            "Strict-Transport-Security", self.request("GET", PROBE, headers={"X-Forwarded-Proto": "https"}).headers
        )


class TestHSTS(ProbeTCBase):
    config = HSTSAlways

    def test_hsts_on_plain_http_when_always(self):
        self.assertIn("includeSubDomains", self.request("GET", PROBE).headers["Strict-Transport-Security"])


class TestCorsOff(ProbeTCBase):
    def test_no_cors_headers_by_default(self):
        response = self.request("GET", PROBE, headers={"Origin": "https://app.example.com"})
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)


class TestCorsAllowList(ProbeTCBase):
    config = WithCors

    def test_allowed_origin_gets_cors_headers(self):
        response = self.request("GET", PROBE, headers={"Origin": "https://app.example.com"})
        self.assertEqual(response.headers["Access-Control-Allow-Origin"], "https://app.example.com")
        self.assertIn("X-Request-ID", response.headers["Access-Control-Expose-Headers"])

    def test_other_origin_gets_none(self):
        response = self.request("GET", PROBE, headers={"Origin": "https://evil.example.com"})
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)

    def test_preflight_allows_authorization_header(self):
        response = self.request(
            "OPTIONS",
            "me",
            headers={
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "Authorization, Content-Type",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("authorization", response.headers["Access-Control-Allow-Headers"].lower())


class TestMethods(ProbeTCBase):
    def test_options_lists_the_methods(self):
        response = self.request("OPTIONS", PROBE)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(response.headers["Allow"].split(", ")), {"GET", "HEAD", "OPTIONS", "POST"})

    def test_method_override_headers_are_ignored(self):
        for header in ("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"):
            response = self.request("GET", PROBE, headers={header: "DELETE"})
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.get_json(), {"msg": "hello!"})
        response = self.request("POST", "me", headers={"X-HTTP-Method-Override": "GET"}, json={})
        self.assert_problem(response, 405)

    def test_unsupported_method_lists_allowed_ones(self):
        response = self.request("DELETE", PROBE)
        self.assert_problem(response, 405)
        self.assertEqual(set(response.headers["Allow"].split(", ")), {"GET", "HEAD", "OPTIONS", "POST"})


class TestXmlIsNeverParsed(ProbeTCBase):
    def test_xml_body_is_415(self):
        _, token = self.auth()
        xml = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
        for content_type in ("application/xml", "text/xml"):
            response = self.request("POST", PROBE, data=xml, headers={"Content-Type": content_type}, token=token)
            self.assert_problem(response, 415)
