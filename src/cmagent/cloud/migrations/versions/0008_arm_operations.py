"""ARM's asynchronous operations (a group's or a machine's deletion), so that a status URL
answers only for an operation the cloud started.

Revision ID: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("arm_operations",
                    sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("subscription_id", sa.String(36), nullable=False),
                    sa.Column("kind", sa.String(32), nullable=False),
                    sa.Column("target", sa.String(400), nullable=False),
                    sa.Column("created_at", sa.Float, nullable=False))
    op.create_index("ix_arm_operations_created_at", "arm_operations", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_arm_operations_created_at", "arm_operations")
    op.drop_table("arm_operations")
