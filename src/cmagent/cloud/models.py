"""The cloud's persistent state, as SQLAlchemy 2 tables (SQLite by default, any SQLAlchemy URL).

Names and GUIDs are stored as given; ``*_key`` columns hold the lower-cased form that ARM-style
case-insensitive lookups use.
"""

from __future__ import annotations

from typing import Any
from typing import ClassVar

from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))


class Subscription(Base):
    __tablename__ = "subscriptions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    display_name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(32), default="Enabled")


class ResourceGroup(Base):
    __tablename__ = "resource_groups"
    __table_args__ = (UniqueConstraint("subscription_id", "name_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(90))
    name_key: Mapped[str] = mapped_column(String(90))
    location: Mapped[str] = mapped_column(String(64))
    tags: Mapped[dict[str, Any]] = mapped_column(default=dict)
    managed_by: Mapped[str | None] = mapped_column(String(512), nullable=True, default=None)


class User(Base):
    __tablename__ = "users"
    object_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    upn: Mapped[str] = mapped_column(String(255))
    upn_key: Mapped[str] = mapped_column(String(255), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))


class Application(Base):
    """An application and its service principal (one tenant each, as single-tenant apps are).

    ``kind`` is ``application`` for registered apps, ``managedIdentity`` for the system-assigned
    identity of a machine, ``firstParty`` for well-known public clients such as the Azure CLI.
    """

    __tablename__ = "applications"
    app_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    object_id: Mapped[str] = mapped_column(String(36), unique=True)
    sp_object_id: Mapped[str] = mapped_column(String(36), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    public_client: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(32), default="application")


class Credential(Base):
    """A client secret (stored hashed) or a certificate of an application."""

    __tablename__ = "credentials"
    key_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("applications.app_id", ondelete="CASCADE"),
                                        index=True)
    kind: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str | None] = mapped_column(String(128), nullable=True)
    hint: Mapped[str | None] = mapped_column(String(8), nullable=True)
    thumbprint_sha1: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    thumbprint_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cert_pem: Mapped[str | None] = mapped_column(Text, nullable=True)
    starts_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)


class RoleAssignment(Base):
    __tablename__ = "role_assignments"
    # One assignment per grant, also when two workers add it at once (migration 0009).
    __table_args__ = (Index("ux_role_assignments_grant", "principal_id", "role_definition_id",
                            "scope_key", unique=True),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    principal_id: Mapped[str] = mapped_column(String(36), index=True)
    principal_type: Mapped[str] = mapped_column(String(32))
    role_definition_id: Mapped[str] = mapped_column(String(36))
    scope: Mapped[str] = mapped_column(String(512))
    scope_key: Mapped[str] = mapped_column(String(512))


class ProviderRegistration(Base):
    __tablename__ = "provider_registrations"
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True)
    namespace_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    namespace: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(32))


class DeviceCode(Base):
    __tablename__ = "device_codes"
    device_code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_code: Mapped[str] = mapped_column(String(16), unique=True)
    tenant_id: Mapped[str] = mapped_column(String(36))
    client_id: Mapped[str] = mapped_column(String(36))
    resource: Mapped[str] = mapped_column(String(512))
    scope: Mapped[str] = mapped_column(String(1024))
    version: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    interval: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    user_object_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    last_poll_at: Mapped[float] = mapped_column(Float, default=0.0)


class RefreshToken(Base):
    """A refresh token given to a public client for a user: stored as its digest; it lapses
    after a stretch of disuse and when the user's password changes (``password_stamp``)."""

    __tablename__ = "refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_object_id: Mapped[str] = mapped_column(String(36), index=True)
    client_id: Mapped[str] = mapped_column(String(36))
    password_stamp: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[float] = mapped_column(Float)
    last_used_at: Mapped[float] = mapped_column(Float)


class PortalSignout(Base):
    """A portal session its user signed out of (the cookie's session id, as a digest), kept
    until the cookie would have expired."""

    __tablename__ = "portal_signouts"
    session_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class SigningKey(Base):
    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    cert_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Machine(Base):
    """A Microsoft.HybridCompute/machines resource."""

    __tablename__ = "machines"
    __table_args__ = (UniqueConstraint("subscription_id", "group_key", "name_key"),
                      Index("ix_machines_vm_id", "vm_id", unique=True),  # (0011)
                      Index("ix_machines_identity_app_id", "identity_app_id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"))
    group_key: Mapped[str] = mapped_column(String(90))
    name: Mapped[str] = mapped_column(String(64))
    name_key: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(64))
    vm_id: Mapped[str] = mapped_column(String(36))
    identity_app_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reported: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(32), default="AwaitingConnection")
    last_status_change: Mapped[float] = mapped_column(Float)
    last_heartbeat: Mapped[float | None] = mapped_column(Float, nullable=True)
    fingerprint: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)


class ArmOperation(Base):
    """An asynchronous ARM operation a 202 named (a group's or a machine's deletion), so that
    its status URL answers for it, and for nothing else. Kept a day."""

    __tablename__ = "arm_operations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[float] = mapped_column(Float, index=True)


class ConsentSession(Base):
    """A user signed in on the device login pages, waiting to approve or decline."""

    __tablename__ = "consent_sessions"
    session_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_code: Mapped[str] = mapped_column(String(16))
    user_object_id: Mapped[str] = mapped_column(String(36))
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class HisChallenge(Base):
    """A nonce handed out for proof of possession of a machine key: short-lived, single use."""

    __tablename__ = "his_challenges"
    challenge_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    vm_id: Mapped[str] = mapped_column(String(36))
    nonce: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class MachineEvent(Base):
    """A change of a machine's status, written by the heartbeat that makes it."""

    __tablename__ = "machine_events"
    __table_args__ = (Index("ix_machine_events_machine_id", "machine_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("machines.id", ondelete="CASCADE"))
    at: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(400), nullable=True)


class InstallerReport(Base):
    """A failure the Linux install script reported (``PUT <his>/log``), as it sent it."""

    __tablename__ = "installer_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[float] = mapped_column(Float)
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FaultRow(Base):
    """An injected fault, when several workers must see the same ones (PostgreSQL)."""

    __tablename__ = "faults"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    remaining: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)


class ThrottleBucket(Base):
    """ARM's token bucket of one principal, subscription and kind of operation (PostgreSQL)."""

    __tablename__ = "throttle_buckets"
    principal: Mapped[str] = mapped_column(String(64), primary_key=True)
    subscription: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    level: Mapped[float] = mapped_column(Float)
    stamp: Mapped[float] = mapped_column(Float)


class AssertionUse(Base):
    """A client assertion's ``jti`` already used, kept until the assertion expires (only when
    the operator refuses replays)."""

    __tablename__ = "assertion_uses"
    jti_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class SignInFailures(Base):
    """Failed sign-ins of a user (smart lockout) or a client (failed-attempt throttle)."""

    __tablename__ = "sign_in_failures"
    principal: Mapped[str] = mapped_column(String(80), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[float] = mapped_column(Float)
    locked_until: Mapped[float] = mapped_column(Float)


def table(model: type[Base]) -> Table:
    """A model's Core table, for statements on the hottest paths (typed: to mypy a model's
    ``__table__`` is any FromClause)."""
    found = model.__table__
    assert isinstance(found, Table)
    return found
