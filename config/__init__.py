"""Class-based configuration.

Class bodies hold static defaults only. `Config.settings()` reads the
environment at application start, so importing this module has no side
effects and a test can hand in its own environment.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import config.jobs  # capability: jobs
import config.mail  # capability: mail
import config.mfa  # capability: mfa
import config.oidc  # capability: oidc
import config.uploads  # capability: uploads
from config.env import ConfigError, overlay
from config.published import KNOWN_DEFAULT_SECRETS, example_values, is_published

__all__ = [
    "KNOWN_DEFAULT_SECRETS",
    "Config",
    "ConfigError",
    "DevConfig",
    "ProductionConfig",
    "TestConfig",
    "example_values",
    "get_config",
]

# Each optional capability keeps its settings (a mixin of defaults), `complete` and `check` in its own module.
SECTIONS: tuple[ModuleType, ...] = (
    # one line per capability with settings: `flask remove` takes it out with the capability
    config.jobs,  # capability: jobs
    config.mail,  # capability: mail
    config.uploads,  # capability: uploads
    config.oidc,  # capability: oidc
    config.mfa,  # capability: mfa
)

MIN_SECRET_BYTES = 32
# The quota settings capabilities add (app/quotas.py), each checked alike.
QUOTAS: tuple[str, ...] = (
    # one line per quota: `flask remove` takes a capability's with it
    "QUOTA_IMPORT_ITEMS_PER_DAY",  # capability: posts, jobs
    "QUOTA_EXPORTS_PER_DAY",  # capability: posts, jobs
    "QUOTA_UPLOAD_BYTES_PER_DAY",  # capability: uploads
    "QUOTA_POSTS_PER_DAY",  # capability: posts
)


class Config(*(section.Settings for section in SECTIONS)):
    """Defaults shared by every environment. Every upper-case name can be set from the environment."""

    APP_NAME = "Flask MongoDB API"
    API_VERSION = "1.0.0"
    API_DESCRIPTION = "A Flask + MongoDB REST API starter: JWT auth, problem+json errors, OpenAPI docs."
    HOST = "127.0.0.1"
    PORT = 3000

    DEBUG = False
    TESTING = False
    PROPAGATE_EXCEPTIONS = False
    LOG_LEVEL = "INFO"
    # `text` (with the request id), or `json`: one object per line for log collectors.
    LOG_FORMAT = "text"
    # One JSON line per request on the `app.access` logger.
    ACCESS_LOG = True

    SECRET_KEY: str | None = None
    JWT_SECRET_KEY: str | None = None
    JWT_ALGORITHM = "HS256"
    JWT_DECODE_ALGORITHMS = ["HS256"]
    JWT_ACCESS_TOKEN_MINUTES = 15
    JWT_REFRESH_TOKEN_DAYS = 7

    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    # Whether an account must verify its e-mail address before it may sign in with its password (mail sends
    # the links; without mail, accounts made by signing up are never verified, so leave it off).
    REQUIRE_VERIFIED_EMAIL = False
    # Without REQUIRE_VERIFIED_EMAIL: how long after signing up an unverified account may still publish.
    UNVERIFIED_GRACE_HOURS = 24

    LOGIN_MAX_FAILURES = 5
    LOGIN_WINDOW_SECONDS = 900
    LOGIN_LOCKOUT_SECONDS = 900

    MONGODB_URI: str | None = None
    MONGODB_DB = "app"
    MONGODB_TIMEOUT_MS = 2000
    CREATE_INDEXES = True

    MAX_CONTENT_LENGTH = 1024 * 1024
    # Host names the app answers for (empty: any); others get 400. ".example.com" admits subdomains.
    ALLOWED_HOSTS: list[str] = []
    # How many proxies in front of the app set X-Forwarded-For/-Proto (0: trust none).
    TRUSTED_PROXIES = 0
    # Origins allowed to call the API from a browser (empty: CORS off); they may also use the refresh cookie.
    CORS_ORIGINS: list[str] = []
    # The cookie transport (docs/browser-clients.md): mark its cookies Secure (always on in production), and
    # optionally a parent domain (example.com) so that app.example.com can read the CSRF cookie api.example.com
    # sets. Unset: host-only cookies.
    COOKIE_SECURE = False
    COOKIE_DOMAIN: str | None = None

    # Quotas per account over any rolling 24 hours (app/quotas.py); 0 means no quota. Rate limits bound bursts;
    # these bound what one account may pile up in a day (storage, queue work, database growth).
    QUOTA_IMPORT_ITEMS_PER_DAY = 50_000  # capability: posts, jobs
    QUOTA_EXPORTS_PER_DAY = 24  # capability: posts, jobs
    # capability: uploads
    # Counted when an upload is granted, from the size the client declares (the store holds it to that size).
    QUOTA_UPLOAD_BYTES_PER_DAY = 200 * 1024 * 1024
    # end capability: uploads
    # capability: posts
    # Created posts, imported ones included.
    QUOTA_POSTS_PER_DAY = 1_000
    # end capability: posts

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_DEFAULT = "300 per minute"
    RATELIMIT_AUTH = "10 per minute"
    RATELIMIT_WRITE = "60 per minute"
    # While the shared store is down, count in process memory rather than failing requests.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    DOCS_ENABLED = True
    # `flask seed-demo` creates accounts with a published password; never where real users are.
    ALLOW_DEMO_DATA = True
    # `make run` on the embedded database loads the demo data at start (development only; see app/demo.py).
    DEMO_DATA_ON_START = False
    # Send Strict-Transport-Security on plain-HTTP responses too (TLS ends at the proxy in production).
    HSTS_ALWAYS = False

    # Development reads a .env file; other environments take the real environment only.
    LOAD_DOTENV = False
    # Without MONGODB_URI, use the in-process mongomock stand-in (never in production).
    ALLOW_EMBEDDED_DB = True

    @classmethod
    def settings(cls, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The final settings: class defaults, overlaid by the environment, completed and checked."""
        environ = os.environ if environ is None else environ
        defaults = {name: getattr(cls, name) for name in dir(cls) if name.isupper()}
        values = overlay(defaults, environ, sorted(n for n in defaults if n not in cls.FIXED))
        values = cls.complete(values)
        for section in SECTIONS:
            section.complete(values, environ)
        cls.check(values)
        for section in SECTIONS:
            section.check(values, production=not cls.ALLOW_EMBEDDED_DB)
        return values

    # Names a deployment must not flip from the environment.
    FIXED = frozenset({"LOAD_DOTENV", "ALLOW_EMBEDDED_DB", "FIXED"})

    @classmethod
    def complete(cls, values: dict[str, Any]) -> dict[str, Any]:
        """Fill in derived values; the base class derives nothing."""
        return values

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        """Refuse settings that cannot work anywhere."""
        if not values.get("SECRET_KEY"):
            raise ConfigError("SECRET_KEY is not set")
        if not values.get("JWT_SECRET_KEY"):
            raise ConfigError("JWT_SECRET_KEY is not set")
        if not values.get("MONGODB_URI") and not cls.ALLOW_EMBEDDED_DB:
            raise ConfigError("MONGODB_URI is not set: point it at your MongoDB server")
        if values["JWT_ALGORITHM"] not in values["JWT_DECODE_ALGORITHMS"]:
            raise ConfigError("JWT_DECODE_ALGORITHMS must include JWT_ALGORITHM")
        for name in QUOTAS:
            if values[name] < 0:
                raise ConfigError(f"{name} must be 0 (no quota) or a positive number")
        if values["UNVERIFIED_GRACE_HOURS"] < 0:
            raise ConfigError("UNVERIFIED_GRACE_HOURS must not be negative")


class DevConfig(Config):
    """Local development: debug on, random secrets per start unless set, .env honoured."""

    DEBUG = True
    LOG_LEVEL = "DEBUG"
    LOAD_DOTENV = True
    DEMO_DATA_ON_START = True

    @classmethod
    def complete(cls, values: dict[str, Any]) -> dict[str, Any]:
        # Random per process: restarting the dev server signs everyone out, which is fine in development.
        for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
            if not values.get(name):
                values[name] = secrets.token_urlsafe(48)
        return values


class TestConfig(DevConfig):
    """The test suite: an isolated database, cheap password hashing, no debug pages.

    TESTING stays off so that tests walk the error paths production walks.
    """

    DEBUG = False
    TESTING = False
    LOG_LEVEL = "WARNING"
    LOAD_DOTENV = False
    MONGODB_DB = "app_test"
    # Room for the many logins a test makes; the throttling tests set their own low limits.
    RATELIMIT_AUTH = "100 per minute"
    CREATE_INDEXES = True
    # Cheap hashing keeps the suite fast; the algorithm (argon2id) is the same as in production.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    # Tests run queued jobs themselves, with workers they start, and load the data they need.
    JOBS_EMBEDDED_WORKER = False  # capability: jobs
    DEMO_DATA_ON_START = False


class ProductionConfig(Config):
    """Production: real MongoDB, strong secrets from the environment, nothing for debugging."""

    HOST = "0.0.0.0"  # noqa: S104 (in a container, behind the proxy)
    DOCS_ENABLED = False
    HSTS_ALWAYS = True
    ALLOW_EMBEDDED_DB = False
    ALLOW_DEMO_DATA = False

    @classmethod
    def complete(cls, values: dict[str, Any]) -> dict[str, Any]:
        # TLS ends at the proxy: the app sees plain HTTP, but a browser must never send the refresh cookie so.
        values["COOKIE_SECURE"] = True
        return values

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
            check_secret(name, values.get(name))
        uri = values.get("MONGODB_URI") or ""
        if not uri:
            raise ConfigError("MONGODB_URI is not set: production needs a real MongoDB server")
        if uri.startswith("mongomock"):
            raise ConfigError("MONGODB_URI points at the embedded stand-in: production needs a real MongoDB server")
        storage = values.get("RATELIMIT_STORAGE_URI") or ""
        if not storage or storage.startswith("memory"):
            raise ConfigError(
                "RATELIMIT_STORAGE_URI must name a shared store (redis://...) in production: "
                "in-memory limits do not hold across workers"
            )
        for name in ("DEBUG", "TESTING", "PROPAGATE_EXCEPTIONS"):
            if values.get(name):
                raise ConfigError(f"{name} must be off in production")
        super().check(values)


def check_secret(name: str, value: str | None) -> None:
    """Refuse a missing, short or well-known secret, naming the variable."""
    if not value:
        raise ConfigError(
            f"{name} is not set: generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )
    if is_published(value):
        raise ConfigError(f"{name} is a published value (a well-known default or an example): generate a random one")
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ConfigError(f"{name} is shorter than {MIN_SECRET_BYTES} bytes")


CONFIGS: dict[str, type[Config]] = {
    "dev": DevConfig,
    "development": DevConfig,
    "test": TestConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
    "prod": ProductionConfig,
}


def get_config(name: str | type[Config] | None = None) -> type[Config]:
    """Resolve a config class from a class, a name, or APP_CONFIG (default `dev`)."""
    if isinstance(name, type) and issubclass(name, Config):
        return name
    key = (name or os.environ.get("APP_CONFIG") or "dev").strip().lower()
    try:
        return CONFIGS[key]
    except KeyError:
        raise ConfigError(f"APP_CONFIG must be one of {sorted(set(CONFIGS))}, got {key!r}") from None
