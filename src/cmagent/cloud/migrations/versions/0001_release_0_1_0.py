"""The schema of cmagent 0.1.0, the first release: a data directory it made is stamped with this
revision and upgraded from here.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("tenants",
                    sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("domain", sa.String(255), nullable=False, unique=True),
                    sa.Column("display_name", sa.String(255), nullable=False))
    op.create_table("subscriptions",
                    sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("tenant_id", sa.String(36),
                              sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
                    sa.Column("display_name", sa.String(255), nullable=False),
                    sa.Column("state", sa.String(32), nullable=False))
    op.create_table("resource_groups",
                    sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("subscription_id", sa.String(36),
                              sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
                              nullable=False),
                    sa.Column("name", sa.String(90), nullable=False),
                    sa.Column("name_key", sa.String(90), nullable=False),
                    sa.Column("location", sa.String(64), nullable=False),
                    sa.Column("tags", sa.JSON, nullable=False),
                    sa.UniqueConstraint("subscription_id", "name_key"))
    op.create_table("users",
                    sa.Column("object_id", sa.String(36), primary_key=True),
                    sa.Column("tenant_id", sa.String(36),
                              sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
                    sa.Column("upn", sa.String(255), nullable=False),
                    sa.Column("upn_key", sa.String(255), nullable=False, unique=True),
                    sa.Column("display_name", sa.String(255), nullable=False),
                    sa.Column("password_hash", sa.String(255), nullable=False))
    _applications()
    _machines_and_settings()


def _applications() -> None:
    op.create_table("applications",
                    sa.Column("app_id", sa.String(36), primary_key=True),
                    sa.Column("tenant_id", sa.String(36),
                              sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
                    sa.Column("object_id", sa.String(36), nullable=False, unique=True),
                    sa.Column("sp_object_id", sa.String(36), nullable=False, unique=True),
                    sa.Column("display_name", sa.String(255), nullable=False),
                    sa.Column("public_client", sa.Boolean, nullable=False),
                    sa.Column("kind", sa.String(32), nullable=False))
    op.create_table("credentials",
                    sa.Column("key_id", sa.String(36), primary_key=True),
                    sa.Column("app_id", sa.String(36),
                              sa.ForeignKey("applications.app_id", ondelete="CASCADE"),
                              nullable=False, index=True),
                    sa.Column("kind", sa.String(16), nullable=False),
                    sa.Column("secret_hash", sa.String(128)),
                    sa.Column("hint", sa.String(8)),
                    sa.Column("thumbprint_sha1", sa.String(40), index=True),
                    sa.Column("thumbprint_sha256", sa.String(64)),
                    sa.Column("cert_pem", sa.Text),
                    sa.Column("starts_at", sa.Float, nullable=False),
                    sa.Column("expires_at", sa.Float, nullable=False))
    op.create_table("role_assignments",
                    sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("principal_id", sa.String(36), nullable=False, index=True),
                    sa.Column("principal_type", sa.String(32), nullable=False),
                    sa.Column("role_definition_id", sa.String(36), nullable=False),
                    sa.Column("scope", sa.String(512), nullable=False),
                    sa.Column("scope_key", sa.String(512), nullable=False))
    op.create_table("device_codes",
                    sa.Column("device_code_hash", sa.String(64), primary_key=True),
                    sa.Column("user_code", sa.String(16), nullable=False, unique=True),
                    sa.Column("tenant_id", sa.String(36), nullable=False),
                    sa.Column("client_id", sa.String(36), nullable=False),
                    sa.Column("resource", sa.String(512), nullable=False),
                    sa.Column("scope", sa.String(1024), nullable=False),
                    sa.Column("version", sa.String(4), nullable=False),
                    sa.Column("created_at", sa.Float, nullable=False),
                    sa.Column("expires_at", sa.Float, nullable=False),
                    sa.Column("interval", sa.Integer, nullable=False),
                    sa.Column("state", sa.String(16), nullable=False),
                    sa.Column("user_object_id", sa.String(36)),
                    sa.Column("last_poll_at", sa.Float, nullable=False))


def _machines_and_settings() -> None:
    op.create_table("provider_registrations",
                    sa.Column("subscription_id", sa.String(36),
                              sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
                              primary_key=True),
                    sa.Column("namespace_key", sa.String(128), primary_key=True),
                    sa.Column("namespace", sa.String(128), nullable=False),
                    sa.Column("state", sa.String(32), nullable=False))
    op.create_table("signing_keys",
                    sa.Column("kid", sa.String(64), primary_key=True),
                    sa.Column("private_pem", sa.Text, nullable=False),
                    sa.Column("cert_pem", sa.Text, nullable=False),
                    sa.Column("created_at", sa.Float, nullable=False))
    op.create_table("settings",
                    sa.Column("key", sa.String(64), primary_key=True),
                    sa.Column("value", sa.Text, nullable=False))
    op.create_table("machines",
                    sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("subscription_id", sa.String(36),
                              sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
                              nullable=False),
                    sa.Column("group_key", sa.String(90), nullable=False),
                    sa.Column("name", sa.String(64), nullable=False),
                    sa.Column("name_key", sa.String(64), nullable=False),
                    sa.Column("location", sa.String(64), nullable=False),
                    sa.Column("vm_id", sa.String(36), nullable=False),
                    sa.Column("identity_app_id", sa.String(36)),
                    sa.Column("body", sa.JSON, nullable=False),
                    sa.Column("reported", sa.JSON, nullable=False),
                    sa.Column("status", sa.String(32), nullable=False),
                    sa.Column("last_status_change", sa.Float, nullable=False),
                    sa.Column("last_heartbeat", sa.Float),
                    sa.Column("fingerprint", sa.String(128)),
                    sa.Column("created_at", sa.Float, nullable=False),
                    sa.UniqueConstraint("subscription_id", "group_key", "name_key"))
    op.create_index("ix_machines_vm_id", "machines", ["vm_id"])


def downgrade() -> None:
    for table in ("machines", "settings", "signing_keys", "provider_registrations",
                  "device_codes", "role_assignments", "credentials", "applications", "users",
                  "resource_groups", "subscriptions", "tenants"):
        op.drop_table(table)
