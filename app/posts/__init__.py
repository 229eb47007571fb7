"""Posts: the example REST noun, with bulk imports and exports run as background jobs and file attachments.

`models` the document, `views`/`docs` the posts noun, `service` its rules, `import_*` and `export_*` the two
job nouns (views, docs, and the job each runs), `attachments` what it shows of uploads, `demo` the demo posts.
A new noun copies `models`, `views` and `docs`. Imports and exports go with `flask remove jobs`, attachments
with `flask remove uploads` (the lines marked for each): posts stays either way.
"""

from __future__ import annotations

from flask import Flask

from app import events
from app.database import register_models
from app.docs import add_docs
from app.jobs import register_kind  # capability: jobs
from app.posts import (
    demo,
    docs,
    export_docs,  # capability: jobs
    export_job,  # capability: jobs
    export_views,  # capability: jobs
    import_docs,  # capability: jobs
    import_job,  # capability: jobs
    import_views,  # capability: jobs
    views,
)
from app.posts.models import (
    Post,
    PostImportBatch,  # capability: jobs
)
from app.views.router import add_views

NEEDS: tuple[str, ...] = ()
# What posts uses when present (registered before it), and its files that go with each (`flask remove jobs` takes
# imports and exports, `flask remove uploads` attachments; the lines marked for each go too, and posts stays).
USES: dict[str, tuple[str, ...]] = {
    # each entry goes with the capability it names
    # capability: jobs
    "app.jobs": (
        "app/posts/import_docs.py",
        "app/posts/import_job.py",
        "app/posts/import_views.py",
        "app/posts/export_docs.py",
        "app/posts/export_job.py",
        "app/posts/export_views.py",
        "tests/posts/test_post_imports.py",
        "tests/posts/test_post_exports.py",
        "tests/posts/test_post_quotas.py",
        "tests/integration/test_jobs.py",
    ),
    # end capability: jobs
    "app.uploads": ("app/posts/attachments.py", "tests/posts/test_post_attachments.py"),  # capability: uploads
}
# What `flask remove posts` deletes beside app/posts/ and tests/posts/.
OWNS = ("scripts/fuzz_hooks.py", "bench")


def init_app(app: Flask) -> None:
    """Serve posts, their imports and exports, run those jobs, and add demo posts to demo data."""
    add_views(app, views)
    add_docs(app, docs)
    # capability: jobs
    add_views(app, import_views, export_views)
    add_docs(app, import_docs, export_docs)
    register_kind(app, import_views.KIND, import_job.run)
    register_kind(app, export_views.KIND, export_job.run)
    register_models(app, PostImportBatch)
    # end capability: jobs
    register_models(app, Post)
    events.subscribe(app, events.SEEDING_DEMO, lambda authors, count: demo.seed_posts(authors, count))
