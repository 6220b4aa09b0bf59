"""State that every worker must see: device-login consent sessions, HIS challenges, injected
faults and ARM's throttling buckets (the last two used with PostgreSQL).

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("consent_sessions",
                    sa.Column("session_hash", sa.String(64), primary_key=True),
                    sa.Column("user_code", sa.String(16), nullable=False),
                    sa.Column("user_object_id", sa.String(36), nullable=False),
                    sa.Column("expires_at", sa.Float, nullable=False, index=True))
    op.create_table("his_challenges",
                    sa.Column("challenge_id", sa.String(64), primary_key=True),
                    sa.Column("vm_id", sa.String(36), nullable=False),
                    sa.Column("nonce", sa.String(64), nullable=False),
                    sa.Column("expires_at", sa.Float, nullable=False, index=True))
    op.create_table("faults",
                    sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("spec", sa.JSON, nullable=False),
                    sa.Column("remaining", sa.Integer),
                    sa.Column("created_at", sa.Float, nullable=False))
    op.create_table("throttle_buckets",
                    sa.Column("principal", sa.String(64), primary_key=True),
                    sa.Column("subscription", sa.String(64), primary_key=True),
                    sa.Column("kind", sa.String(16), primary_key=True),
                    sa.Column("level", sa.Float, nullable=False),
                    sa.Column("stamp", sa.Float, nullable=False))


def downgrade() -> None:
    for table in ("throttle_buckets", "faults", "his_challenges", "consent_sessions"):
        op.drop_table(table)
