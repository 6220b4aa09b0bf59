"""Failure reports of the Linux install script (``PUT <his>/log``), kept for operators.

Revision ID: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("installer_reports",
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("received_at", sa.Float, nullable=False),
                    sa.Column("body", sa.JSON, nullable=False))


def downgrade() -> None:
    op.drop_table("installer_reports")
