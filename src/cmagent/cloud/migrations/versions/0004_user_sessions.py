"""User sessions and the wider resource manager: refresh tokens issued to public clients (stored
as digests, bound to a user and a client, revoked with the user's password), and the
``managedBy`` of resource groups.

Revision ID: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("refresh_tokens",
                    sa.Column("token_hash", sa.String(64), primary_key=True),
                    sa.Column("user_object_id", sa.String(36), nullable=False, index=True),
                    sa.Column("client_id", sa.String(36), nullable=False),
                    sa.Column("password_stamp", sa.String(16), nullable=False),
                    sa.Column("issued_at", sa.Float, nullable=False),
                    sa.Column("last_used_at", sa.Float, nullable=False))
    with op.batch_alter_table("resource_groups") as table:
        table.add_column(sa.Column("managed_by", sa.String(512), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resource_groups") as table:
        table.drop_column("managed_by")
    op.drop_table("refresh_tokens")
