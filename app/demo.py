"""Demo accounts and posts for trying the API: `flask seed-demo`, and loaded at start by `make run` when the
database is the embedded stand-in (it starts empty every time). Never where ALLOW_DEMO_DATA is off."""

from __future__ import annotations

import logging
import os

from flask import Flask

from app import events
from app.accounts import create_user
from app.errors import Conflict
from app.models import User

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo password 1"  # noqa: S105 (published so the API can be tried locally; not a secret)
DEMO_NAMES = ("Ada", "Grace")


def seed(post_count: int = 12) -> list[str]:
    """Create (or reuse) the demo accounts and let capabilities add theirs (`post_count` posts); the e-mails."""
    authors = []
    for name in DEMO_NAMES:
        email = f"{name.lower()}@demo.example"
        try:
            authors.append(create_user(email, DEMO_PASSWORD, f"{name} (demo)", email_verified=True))
        except Conflict:
            authors.append(User.objects.get(email=email))
    events.publish(events.SEEDING_DEMO, authors=authors, count=post_count)
    return [author.email for author in authors]


def load_on_start(app: Flask) -> bool:
    """Seed the embedded database of the serving process when DEMO_DATA_ON_START asks for it; True if it did.

    A real MongoDB keeps its data, so there it stays the explicit `flask seed-demo`.
    """
    if not (app.config["DEMO_DATA_ON_START"] and app.config["ALLOW_DEMO_DATA"]):
        return False
    if not app.extensions["mongodb"]["embedded"]:
        log.info("Demo data: not loaded into a real MongoDB at start; run `flask --app server seed-demo` once")
        return False
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return False  # the reloader's watcher process serves nothing; its child loads the data
    with app.app_context():
        emails = seed()
    log.warning(
        "Demo data loaded into the embedded database: sign in with %s and the password %r "
        "(POST /api/v1/auth/login), then Authorize in Swagger UI. DEMO_DATA_ON_START=false turns this off.",
        " or ".join(emails),
        DEMO_PASSWORD,
    )
    return True
