"""`python -m app.scaffold <capability> [--dry-run] [--force]`: `flask remove` without loading the app.

For a tree whose app no longer starts (a removal half undone by hand, a capability mid-edit): the removal reads
files only, so it needs no app; `flask --app server remove` is the everyday form.
"""

from app.scaffold.cli import remove

remove(prog_name="python -m app.scaffold")
