"""Write the app's OpenAPI document to a file (or stdout), built in-process: no server, no database needed.

`make client` generates the TypeScript client from it. The test config is used because it needs no secrets
or services; the document depends on the code, not the settings, so it is the one every config serves
(tests/test_spec_rules.py checks that it equals what the server serves).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app import create_app
from app.database import disconnect_db
from app.docs import build_spec


def spec_text() -> str:
    """The spec as sorted, indented JSON: the same bytes for the same code, so a changed client means a change."""
    app = create_app("test")
    try:
        return json.dumps(build_spec(app), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    finally:
        disconnect_db()


if __name__ == "__main__":
    text = spec_text()
    if len(sys.argv) > 1:
        Path(sys.argv[1]).parent.mkdir(parents=True, exist_ok=True)
        Path(sys.argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
