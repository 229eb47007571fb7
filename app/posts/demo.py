"""Demo posts, added when demo data is loaded (`flask seed-demo`, or `make run` on the embedded database)."""

from __future__ import annotations

from app.models import User
from app.posts.models import Post

DEMO_TOPICS = ("flask", "mongodb", "python", "rest", "security", "testing")


def seed_posts(authors: list[User], count: int) -> None:
    """`count` posts by the demo authors in turn, every fourth a draft."""
    for n in range(count):
        author = authors[n % len(authors)]
        topics = [DEMO_TOPICS[n % len(DEMO_TOPICS)], DEMO_TOPICS[(n + 1) % len(DEMO_TOPICS)]]
        Post(
            author=author,
            title=f"Demo post {n + 1}: {topics[0]} and {topics[1]}",
            body=f"A demo post about {topics[0]} and {topics[1]}, written by {author.display_name}.",
            tags=topics,
            status="draft" if n % 4 == 3 else "published",
        ).save(force_insert=True)
