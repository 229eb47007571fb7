"""Posts: the example REST noun, with bulk imports and exports run as background jobs and file attachments.

`models` the document, `views`/`docs` the posts noun, `import_*` and `export_*` the two job nouns (views,
docs, and the job each runs), `demo` the demo posts. A new noun copies `models`, `views` and `docs`.
"""

from __future__ import annotations

from flask import Flask

from app import events
from app.database import register_models
from app.docs import add_docs
from app.jobs import register_kind
from app.posts import demo, docs, export_docs, export_job, export_views, import_docs, import_job, import_views, views
from app.posts.models import Post, PostImportBatch
from app.views.router import add_views

# Imports and exports run as jobs; attachments are uploads.
NEEDS = ("app.jobs", "app.uploads")


def init_app(app: Flask) -> None:
    """Serve posts, their imports and exports, run those jobs, and add demo posts to demo data."""
    add_views(app, views, import_views, export_views)
    add_docs(app, docs, import_docs, export_docs)
    register_models(app, Post, PostImportBatch)
    register_kind(app, import_views.KIND, import_job.run)
    register_kind(app, export_views.KIND, export_job.run)
    events.subscribe(app, events.SEEDING_DEMO, lambda authors, count: demo.seed_posts(authors, count))
