"""One role assignment per principal, role and scope: a unique index, so that two workers
cannot both add the same grant under different names (as ARM answers RoleAssignmentExists).

Grants given twice before this release (the management API allowed it) are merged first:
the assignment whose id sorts first is kept, so the outcome does not depend on row order.

Revision ID: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEX = "ux_role_assignments_grant"
GRANT = ["principal_id", "role_definition_id", "scope_key"]


def upgrade() -> None:
    op.execute("DELETE FROM role_assignments WHERE id NOT IN (SELECT MIN(id) FROM "
               "role_assignments GROUP BY principal_id, role_definition_id, scope_key)")
    op.create_index(INDEX, "role_assignments", GRANT, unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, "role_assignments")
