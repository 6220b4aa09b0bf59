"""Machines found by their identity's application id: a managed-identity token names its
machine's resource id (``xms_mirid``), looked up at each issue.

Revision ID: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_machines_identity_app_id", "machines", ["identity_app_id"])


def downgrade() -> None:
    op.drop_index("ix_machines_identity_app_id", "machines")
