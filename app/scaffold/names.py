"""A noun's names: the plural the user types, the singular, and every spelling the generated code uses.

`books` -> model `Book` in `app/models/book.py`; views, docs and tests in `books` modules; blueprint and
collection `books`; path `/api/v1/books/{bookId}`. Multi-word nouns are snake_case (`reading_lists`) and
appear as `ReadingList`, `/api/v1/reading-lists/{readingListId}`.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
MAX_LENGTH = 30
# Plural endings and what they become in the singular, tried in order (the first that fits wins).
SINGULAR_RULES = (("ies", "y"), ("sses", "ss"), ("shes", "sh"), ("ches", "ch"), ("xes", "x"), ("s", ""))
# Endings of a word that is already singular (or not a regular plural): the singular must be given.
NOT_PLURAL = ("ss", "us", "is")


class ScaffoldError(Exception):
    """The generator refuses: nothing was written; the message says why and what to do."""


def check_identifier(name: str, role: str) -> None:
    """Lower-case snake_case, at most MAX_LENGTH characters, and not a Python keyword."""
    if not SNAKE_CASE.match(name):
        raise ScaffoldError(
            f"{role} {name!r} is not a lower-case snake_case identifier "
            "(a letter, then letters, digits and single underscores; e.g. books or reading_lists)"
        )
    if len(name) > MAX_LENGTH:
        raise ScaffoldError(f"{role} {name!r} is longer than {MAX_LENGTH} characters")
    if keyword.iskeyword(name):
        raise ScaffoldError(f"{role} {name!r} is a Python keyword")


def singular_of(plural: str) -> str:
    """The singular of a regular English plural (`books`, `categories`, `boxes`); else a ScaffoldError."""
    if not plural.endswith(NOT_PLURAL):
        for suffix, replacement in SINGULAR_RULES:
            stem = plural[: -len(suffix)]
            if plural.endswith(suffix) and stem and not stem.endswith("_"):
                return stem + replacement
    raise ScaffoldError(
        f"cannot tell the singular of {plural!r}: give the plural noun (e.g. books), or name the singular "
        f"with --singular (the same word for one like news: --singular {plural})"
    )


def pascal(snake: str) -> str:
    """`reading_list` -> `ReadingList`."""
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


@dataclass(frozen=True)
class Names:
    """Every spelling of one noun that the templates and the registration lines use."""

    plural: str
    singular: str

    @classmethod
    def parse(cls, noun: str, singular: str | None = None) -> Names:
        """Check the plural noun (and the singular, given or derived); ScaffoldError says what is wrong."""
        check_identifier(noun, "The noun")
        if singular is None:
            singular = singular_of(noun)
        check_identifier(singular, "The singular")
        return cls(plural=noun, singular=singular)

    @property
    def model(self) -> str:
        """The document class: `Book`."""
        return pascal(self.singular)

    @property
    def models(self) -> str:
        """The plural in PascalCase, for operation ids and test classes: `Books`."""
        return pascal(self.plural)

    @property
    def constant(self) -> str:
        """The docs' schema constants: `BOOK`, `BOOK_CREATE`."""
        return self.singular.upper()

    @property
    def segment(self) -> str:
        """The URL path segment and the OpenAPI tag: `reading-lists`."""
        return self.plural.replace("_", "-")

    @property
    def id_param(self) -> str:
        """The item id's name in the spec, as the docs test derives it from `<reading_list_id>`: `readingListId`."""
        head, *rest = f"{self.singular}_id".split("_")
        return head + "".join(part.title() for part in rest)

    @property
    def schemas(self) -> tuple[str, ...]:
        return (self.model, f"{self.model}Page", f"{self.model}Create", f"{self.model}Update")

    @property
    def operation_ids(self) -> tuple[str, ...]:
        return (
            f"list{self.models}",
            f"create{self.model}",
            f"get{self.model}",
            f"update{self.model}",
            f"delete{self.model}",
        )

    def placeholders(self) -> dict[str, str]:
        """The values of the templates' `{{name}}` placeholders."""
        words = self.plural.replace("_", " ")
        return {
            "plural": self.plural,
            "singular": self.singular,
            "Model": self.model,
            "Models": self.models,
            "CONSTANT": self.constant,
            "collection": self.plural,
            "segment": self.segment,
            "id_param": self.id_param,
            "plural_words": words,
            "Plural_words": words[:1].upper() + words[1:],
            "singular_words": self.singular.replace("_", " "),
        }
