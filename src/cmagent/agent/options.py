"""Each command's options as a typed record, built once by the parser from the command line and
``--config`` (``cli.parse``). Handlers read ``context.options.location``: a mistyped name fails
mypy, not a user. The table (``table.py``) names each command's record; a test holds the flags
of the table and the fields of the records to the same names.

Plain slotted classes: this module is imported on every run's start-up path.
"""

from __future__ import annotations

from typing import Any
from typing import TypeVar

Record = TypeVar("Record", bound="Options")


class Options:
    """The flags every command has."""

    __slots__ = ("config", "json", "log_stderr", "no_color", "verbose")
    config: str | None
    json: bool
    log_stderr: bool
    no_color: bool
    verbose: bool

    @classmethod
    def fields(cls) -> tuple[str, ...]:
        return tuple(name for klass in reversed(cls.__mro__)
                     for name in getattr(klass, "__slots__", ()))

    @classmethod
    def build(cls: type[Record], values: dict[str, Any]) -> Record:
        """The record of ``values``, which must name exactly this record's fields."""
        names = cls.fields()
        if set(values) != set(names):
            raise TypeError(f"{cls.__name__}: {sorted(set(values) ^ set(names))} differ from "
                            "the command table")
        record = cls()
        for name in names:
            setattr(record, name, values[name])
        return record


class NoOptions(Options):
    __slots__ = ()


class HelpOptions(Options):
    __slots__ = ("command",)
    command: list[str]


class ShowOptions(Options):
    __slots__ = ("os", "property")
    property: list[str]
    os: bool


class PropertyOptions(Options):
    """``config get`` and ``clear``."""

    __slots__ = ("property",)
    property: str


class InfoOptions(Options):
    __slots__ = ("property",)
    property: str | None


class ConfigSetOptions(Options):
    __slots__ = ("add", "property", "remove", "value")
    property: str
    value: str | None
    add: bool
    remove: bool


class LogsOptions(Options):
    __slots__ = ("full", "output")
    full: bool
    output: str | None


class CheckOptions(Options):
    __slots__ = ("cloud", "enable_pls_check", "extensions", "include_all", "location")
    location: str | None
    cloud: str | None
    enable_pls_check: bool
    extensions: str | None
    include_all: bool


class AuthOptions(Options):
    """How connect and disconnect sign in."""

    __slots__ = ("access_token", "service_principal_cert", "service_principal_id",
                 "service_principal_secret", "tenant_id", "use_azcli", "use_device_code",
                 "user_tenant_id")
    access_token: str | None
    service_principal_id: str | None
    service_principal_secret: str | None
    service_principal_cert: str | None
    tenant_id: str | None
    use_device_code: bool
    use_azcli: bool
    user_tenant_id: str | None


class ConnectOptions(AuthOptions):
    __slots__ = ("automanage_profile", "cloud", "correlation_id", "dry_run",
                 "enable_automatic_upgrade", "gateway_id", "identity_key_store",
                 "ignore_network_check", "location",
                 "private_link_scope", "resource_group", "resource_name", "skip_network_check",
                 "subscription_id", "tags", "use_aws_ec2_hostname")
    location: str
    resource_group: str
    subscription_id: str
    resource_name: str | None
    tags: str | None
    cloud: str | None
    correlation_id: str | None
    private_link_scope: str | None
    ignore_network_check: bool
    skip_network_check: bool
    enable_automatic_upgrade: bool
    gateway_id: str | None
    automanage_profile: str | None
    identity_key_store: str | None
    use_aws_ec2_hostname: bool
    dry_run: bool


class DisconnectOptions(AuthOptions):
    __slots__ = ("cloud", "force_local_only")
    force_local_only: bool
    cloud: str | None
