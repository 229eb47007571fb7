"""The app as the fuzz run serves it: test config, plus an admin created inside the worker.

The embedded database lives in the server process, so the fuzz account and
its admin role must be made here rather than from outside.
"""

from __future__ import annotations

import os

from app import create_app
from app.accounts import create_user

app = create_app("test")
with app.app_context():
    create_user(os.environ["FUZZ_ADMIN_EMAIL"], os.environ["FUZZ_ADMIN_PASSWORD"], "Fuzz Admin", role="admin")
