"""The one JSON encoder for responses (ujson: fast, and strict about what it accepts)."""

from typing import Any

import ujson


def dumps(data: Any) -> str:
    """Encode a response body; slashes stay unescaped so URLs in payloads read naturally."""
    return ujson.dumps(data, ensure_ascii=False, escape_forward_slashes=False)
