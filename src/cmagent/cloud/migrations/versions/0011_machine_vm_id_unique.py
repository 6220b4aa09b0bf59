"""A vmId names one machine: a unique index, so that two workers cannot both create machines
with one vmId (the Hybrid Identity Service finds a machine by its vmId alone).

Machines that share a vmId from before this release keep it in the oldest; the others get a
new vmId (their identity flow was broken: the service found the other machine).

Revision ID: 0011
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, vm_id FROM machines WHERE vm_id IN (SELECT vm_id FROM machines GROUP BY "
        "vm_id HAVING COUNT(*) > 1) ORDER BY vm_id, created_at, id")).all()
    seen: set[str] = set()
    for row_id, vm_id in rows:
        if vm_id in seen:
            connection.execute(sa.text("UPDATE machines SET vm_id = :new WHERE id = :id"),
                               {"new": str(uuid.uuid4()), "id": row_id})
        seen.add(vm_id)
    op.drop_index("ix_machines_vm_id", "machines")
    op.create_index("ix_machines_vm_id", "machines", ["vm_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_machines_vm_id", "machines")
    op.create_index("ix_machines_vm_id", "machines", ["vm_id"])
