"""The resource generator: `flask new-resource <plural>` writes a REST noun the way posts is built.

`names` spells the noun, `templates/` holds the files it becomes, `registration` adds its lines to the
shared modules, `generator` plans and writes it all or nothing, `cli` is the command.
"""

from app.scaffold.generator import Plan, Taken, plan_resource
from app.scaffold.names import Names, ScaffoldError

__all__ = ["Names", "Plan", "ScaffoldError", "Taken", "plan_resource"]
