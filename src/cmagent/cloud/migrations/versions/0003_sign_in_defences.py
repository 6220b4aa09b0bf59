"""Defences of sign-in: client assertions already used (when replays are refused) and failed
sign-ins of users (smart lockout) and clients (failed-attempt throttle).

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("assertion_uses",
                    sa.Column("jti_hash", sa.String(64), primary_key=True),
                    sa.Column("expires_at", sa.Float, nullable=False, index=True))
    op.create_table("sign_in_failures",
                    sa.Column("principal", sa.String(80), primary_key=True),
                    sa.Column("count", sa.Integer, nullable=False),
                    sa.Column("first_at", sa.Float, nullable=False),
                    sa.Column("locked_until", sa.Float, nullable=False))


def downgrade() -> None:
    op.drop_table("sign_in_failures")
    op.drop_table("assertion_uses")
