"""Tests of sign-in with OpenID providers."""
