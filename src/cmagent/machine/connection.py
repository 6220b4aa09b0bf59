"""The machine's connection: ``agentconfig.json`` as one typed, versioned record, and the identity
key (0600) and certificate beside it.

``agentconfig.json`` holds no secret (show reads it without root). ``load`` validates every field
and refuses a damaged file with AZCM0027 naming the file, what is wrong and the way back
(``azcmagent disconnect --force-local-only``); a file written by today's or an earlier agent
(without ``schemaVersion``) reads as version 1.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.machine.accounts import service_owner
from cmagent.machine.files import atomic_write
from cmagent.machine.files import not_written
from cmagent.machine.files import timestamp
from cmagent.machine.paths import Paths

SCHEMA_VERSION = 1
RECOVERY = "azcmagent disconnect --force-local-only"


class RecordError(ValueError):
    """A field of the record is missing or has the wrong type."""


@dataclass(frozen=True)
class CloudEndpoints:
    """Where the machine's cloud answers: sign-in, resource manager, HIS, portal, audiences."""

    name: str
    login: str
    arm: str
    his: str
    portal: str
    audiences: tuple[str, ...]

    def __post_init__(self) -> None:
        for name in ("login", "arm", "his", "portal"):
            object.__setattr__(self, name, getattr(self, name).rstrip("/"))

    @property
    def arm_scope(self) -> str:
        return f"{self.audiences[-1].rstrip('/')}/.default"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "login": self.login, "resourceManager": self.arm,
                "hybridIdentityService": self.his, "portal": self.portal,
                "audiences": list(self.audiences)}

    @classmethod
    def from_json(cls, data: Any) -> CloudEndpoints:
        fields = _Fields(data, "cloud")
        return cls(fields.text("name"), fields.text("login"), fields.text("resourceManager"),
                   fields.text("hybridIdentityService"), fields.text("portal"),
                   fields.texts("audiences"))


@dataclass(frozen=True)
class Identity:
    """The machine's system-assigned managed identity and its certificate's end."""

    client_id: str
    principal_id: str
    tenant_id: str
    authority: str
    certificate_not_after: str

    def to_json(self) -> dict[str, Any]:
        return {"clientId": self.client_id, "principalId": self.principal_id,
                "tenantId": self.tenant_id, "authority": self.authority,
                "certificateNotAfter": self.certificate_not_after}

    @classmethod
    def from_json(cls, data: Any) -> Identity:
        fields = _Fields(data, "identity")
        return cls(fields.text("clientId"), fields.text("principalId"), fields.text("tenantId"),
                   fields.text("authority"), fields.text("certificateNotAfter"))

    def expired(self, now: str) -> bool:
        return bool(self.certificate_not_after) and self.certificate_not_after < now


@dataclass(frozen=True)
class Connection:
    """What ``agentconfig.json`` says about the machine's resource in Azure."""

    resource_name: str
    resource_group: str
    subscription_id: str
    tenant_id: str
    location: str
    vm_id: str
    resource_id: str
    correlation_id: str
    cloud: CloudEndpoints
    his: str
    identity: Identity
    private_link_scope: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    connected_at: str = field(default_factory=timestamp)
    # What made this host itself at connect (machine/clones.py); empty in older records.
    fingerprint: dict[str, str] = field(default_factory=dict)

    @property
    def portal_page(self) -> str:
        return f"{self.cloud.portal}/#@{self.tenant_id}/resource{self.resource_id}/overview"

    def with_certificate(self, not_after: str) -> Connection:
        return replace(self, identity=replace(self.identity, certificate_not_after=not_after))

    def to_json(self) -> dict[str, Any]:
        document = self._record()
        if self.fingerprint:  # older records have none: they round-trip unchanged
            document["machineFingerprint"] = dict(self.fingerprint)
        return document

    def _record(self) -> dict[str, Any]:
        return {"schemaVersion": SCHEMA_VERSION, "resourceName": self.resource_name,
                "resourceGroup": self.resource_group, "subscriptionId": self.subscription_id,
                "tenantId": self.tenant_id, "location": self.location, "vmId": self.vm_id,
                "resourceId": self.resource_id, "correlationId": self.correlation_id,
                "cloud": self.cloud.to_json(), "hybridIdentityService": self.his,
                "privateLinkScope": self.private_link_scope, "tags": dict(self.tags),
                "identity": self.identity.to_json(), "connectedAt": self.connected_at}

    @classmethod
    def from_json(cls, data: Any) -> Connection:
        fields = _Fields(data, "agentconfig")
        version = data.get("schemaVersion", 1)
        if version != SCHEMA_VERSION:
            raise RecordError(f"schemaVersion {version!r} is not one this agent reads "
                              f"({SCHEMA_VERSION}); it was written by another agent version")
        return cls(fields.text("resourceName"), fields.text("resourceGroup"),
                   fields.text("subscriptionId"), fields.text("tenantId"),
                   fields.text("location"), fields.text("vmId"), fields.text("resourceId"),
                   fields.text("correlationId", ""), CloudEndpoints.from_json(data.get("cloud")),
                   fields.text("hybridIdentityService"), Identity.from_json(data.get("identity")),
                   fields.text("privateLinkScope", ""), fields.tags("tags"),
                   fields.text("connectedAt", ""), fields.tags("machineFingerprint"))


class _Fields:
    """Typed reads of one JSON object; each failure names the field."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise RecordError(f"'{where}' is not a JSON object")
        self.data = data
        self.where = where

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            raise RecordError(f"'{self.where}.{key}' is missing or not text")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if not isinstance(value, list) or not value or \
                not all(isinstance(item, str) for item in value):
            raise RecordError(f"'{self.where}.{key}' is not a list of text")
        return tuple(value)

    def tags(self, key: str) -> dict[str, str]:
        value = self.data.get(key) or {}
        if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise RecordError(f"'{self.where}.{key}' is not an object of text values")
        return dict(value)


def damaged(paths: Paths, why: str) -> AzcmError:
    """AZCM0027 for an agentconfig.json that cannot be used, with the way back (not AZCM0070,
    whose remedy is to start himds: a damaged file is no service problem)."""
    return AzcmError(codes.CONFIG_CONFLICT, Localized(
        f"{paths.agentconfig} is damaged. Run '{RECOVERY}' to return the machine to a clean "
        "local state, then connect it again.",
        f"{paths.agentconfig} が破損しています。'{RECOVERY}' を実行してマシンをクリーンなローカル"
        "状態に戻してから、もう一度接続してください。"), quoted=why, remedy="damaged-record")


def load(paths: Paths) -> Connection | None:
    """The connection, or None when the machine is not connected; AZCM0027 when damaged."""
    try:
        with open(paths.agentconfig, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return None
    except PermissionError as error:  # not damage: the advice to remove it would be wrong
        raise AzcmError(codes.NOT_ELEVATED, Localized(
            f"{paths.agentconfig} cannot be read by this user.",
            f"このユーザーは {paths.agentconfig} を読み取れません。"),
            quoted=error.strerror) from None
    except OSError as error:
        raise damaged(paths, error.strerror or str(error)) from None
    if not raw.strip():
        return None  # an empty file: what a package install leaves, not a connection
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise damaged(paths, "not JSON") from None
    if isinstance(data, dict) and not data:
        return None  # an empty object: nothing recorded either
    try:
        return Connection.from_json(data)
    except RecordError as error:
        raise damaged(paths, str(error)) from None


def save(paths: Paths, connection: Connection) -> None:
    data = json.dumps(connection.to_json(), indent=2).encode() + b"\n"
    try:
        atomic_write(paths.agentconfig, data, 0o644)
    except OSError as error:
        raise AzcmError(codes.LOCAL_CONFIG_UPDATE_FAILED, not_written(paths.agentconfig),
                        quoted=error.strerror) from None


def save_identity(paths: Paths, key_pem: bytes, certificate_pem: str) -> None:
    owner = service_owner()  # himds signs with this key
    try:
        atomic_write(paths.identity_key, key_pem, 0o600, owner)
        atomic_write(paths.identity_certificate, certificate_pem.encode(), 0o644, owner)
    except OSError as error:
        raise AzcmError(codes.LOCAL_CONFIG_UPDATE_FAILED, not_written(paths.certs),
                        quoted=error.strerror) from None


def identity_pems(paths: Paths) -> tuple[str, str]:
    """(private key PEM, certificate PEM) of the machine identity."""
    with open(paths.identity_key, encoding="utf-8") as key, \
            open(paths.identity_certificate, encoding="utf-8") as cert:
        return key.read(), cert.read()


def clear(paths: Paths) -> None:
    """Forget the connection: resource identity, key and certificate, whatever shape their
    files are in. Local settings stay. A file that cannot be removed is AZCM0069."""
    try:
        for path in (paths.identity_key, paths.identity_certificate, paths.agentconfig,
                     paths.last_heartbeat):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # (not there)
                os.unlink(path)
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            shutil.rmtree(os.path.join(paths.var, "identity"))
    except OSError as error:
        raise AzcmError(codes.LOCAL_CONFIG_UPDATE_FAILED, Localized(
            f"{error.filename or paths.var} could not be removed ({error.strerror or error}).",
            f"{error.filename or paths.var} を削除できませんでした ({error.strerror or error})。"),
            remedy="not-removed", agentDirectory=paths.var) from None
