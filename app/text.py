"""What blank text is, in one place: the server trims and checks with the same set the spec's patterns use.

Standard library only, so models, validation and the API docs can all share it.
"""

from __future__ import annotations

# Whitespace as the spec's regular expressions (ECMAScript `\s`) see it. Python's str.strip() and `re`'s `\s`
# also count \x1c-\x1f and \x85, so the server trims and checks with this one set, never with the defaults.
WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# One whitespace character, as a pattern every engine reads the same way.
SPACE = "[" + "".join(f"\\u{ord(c):04x}" for c in WHITESPACE) + "]"
# "At least one character that is not WHITESPACE": the same set in the documented pattern.
NOT_BLANK = "[^" + SPACE[1:]


def trim(text: str) -> str:
    """`text` without leading and trailing WHITESPACE: what a not-blank pattern in the spec calls blank."""
    return text.strip(WHITESPACE)
