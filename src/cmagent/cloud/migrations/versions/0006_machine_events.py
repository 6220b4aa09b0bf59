"""The machines' status changes, for the portal's status history (a heartbeat that changes the
status, and the silence before it: Disconnected or Expired since when).

Revision ID: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("machine_events",
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("machine_id", sa.Integer,
                              sa.ForeignKey("machines.id", ondelete="CASCADE"), nullable=False),
                    sa.Column("at", sa.Float, nullable=False),
                    sa.Column("status", sa.String(32), nullable=False),
                    sa.Column("detail", sa.String(400), nullable=True))
    op.create_index("ix_machine_events_machine_id", "machine_events", ["machine_id"])


def downgrade() -> None:
    op.drop_index("ix_machine_events_machine_id", "machine_events")
    op.drop_table("machine_events")
