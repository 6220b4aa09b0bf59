"""Portal sessions that were signed out: a copied cookie stops working at sign-out, not only
when it expires. Rows are kept until the session they end would have expired.

Revision ID: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("portal_signouts",
                    sa.Column("session_hash", sa.String(64), primary_key=True),
                    sa.Column("expires_at", sa.Float, nullable=False))
    op.create_index("ix_portal_signouts_expires_at", "portal_signouts", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_portal_signouts_expires_at", "portal_signouts")
    op.drop_table("portal_signouts")
