"""Who is who in the directory: tenants by id or domain, applications, users, resources.

Well-known first-party public clients (Azure CLI, Azure PowerShell) exist in every tenant, as
they do in Microsoft Entra ID, so device login works with their client ids.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
import secrets

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from cmagent.cloud import models
from cmagent.cloud.identity import errors

FIRST_PARTY_CLIENTS = {
    "04b07795-8ddb-461a-bbee-02f9e1bf7b46": "Microsoft Azure CLI",
    "1950a258-227b-4e31-a9cf-717495945fc2": "Microsoft Azure PowerShell",
}
# Resource principals every tenant knows (their identifier URIs, compared without a trailing /).
WELL_KNOWN_RESOURCES = (
    "https://management.azure.com",
    "https://management.core.windows.net",
    "https://graph.microsoft.com",
    "https://graph.windows.net",
    "https://vault.azure.net",
    "https://storage.azure.com",
    "https://database.windows.net",
    "https://monitor.azure.com",
    "https://his.arc.azure.com",
    "https://eventhubs.azure.net",
    "https://servicebus.azure.net",
    "https://cognitiveservices.azure.com",
    "https://ossrdbms-aad.database.windows.net",
    "https://api.loganalytics.io",
    "https://api.applicationinsights.io",
)
# A storage account's own endpoints are audiences Entra issues Azure Storage tokens for.
_STORAGE_ACCOUNT = re.compile(r"^https://[a-z0-9]{3,24}\.(blob|queue|table|file|dfs)"
                              r"\.core\.windows\.net\Z")
ARM_AUDIENCES = ("https://management.azure.com", "https://management.core.windows.net")
MULTI_TENANT = ("common", "organizations", "consumers")
OIDC_SCOPES = ("openid", "profile", "offline_access", "email")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\Z")


def is_guid(value: str) -> bool:
    return bool(_GUID.match(value))


def find_tenant(session: Session, name: str) -> models.Tenant | None:
    if is_guid(name):
        return session.get(models.Tenant, name.lower())
    return session.scalars(select(models.Tenant)
                           .where(func.lower(models.Tenant.domain) == name.lower())).first()


def tenant_or_error(session: Session, name: str, error: str = "invalid_request") -> models.Tenant:
    tenant = find_tenant(session, name)
    if tenant is None:
        raise errors.tenant_not_found(name, error)
    return tenant


def application(session: Session, tenant_id: str, app_id: str) -> models.Application | None:
    app = session.get(models.Application, app_id.lower()) if is_guid(app_id) else None
    return app if app is not None and app.tenant_id == tenant_id else None


def check_public_client(session: Session, tenant_id: str, tenant_name: str,
                         client_id: str) -> None:
    """Only public clients (first-party ones or apps allowing public flows) may sign users in
    without a credential of their own."""
    if client_id in FIRST_PARTY_CLIENTS:
        return
    app = application(session, tenant_id, client_id) if tenant_id else None
    if app is None:
        raise errors.application_not_found(client_id, tenant_name)
    if not app.public_client:
        raise errors.missing_credential()


def user_by_upn(session: Session, upn: str) -> models.User | None:
    return session.scalars(select(models.User).where(models.User.upn_key == upn.lower())).first()


def normalize_resource(resource: str) -> str:
    return resource.rstrip("/")


def known_resource(session: Session, tenant_id: str, resource: str) -> bool:
    """Well-known resources, the tenant's application ids and their ``api://`` URIs."""
    plain = normalize_resource(resource)
    if plain.lower() in WELL_KNOWN_RESOURCES or _STORAGE_ACCOUNT.match(plain.lower()):
        return True
    app_id = plain[len("api://"):] if plain.lower().startswith("api://") else plain
    return application(session, tenant_id, app_id) is not None


def resource_from_scopes(scope: str) -> tuple[str, list[str]]:
    """The single resource of a v2 ``scope`` list, and its resource scopes (OIDC ones removed).

    ``https://management.azure.com/.default`` → ``https://management.azure.com``; a bare name
    such as ``User.Read`` is a Microsoft Graph scope, as in Entra ID.
    """
    scopes = [s for s in scope.split() if s not in OIDC_SCOPES]
    resources = {_scope_resource(s) for s in scopes}
    if len(resources) != 1:
        raise errors.invalid_scope(scope, "Exactly one resource is required. ")
    return resources.pop(), scopes


def _scope_resource(scope: str) -> str:
    if "/" not in scope:
        return "https://graph.microsoft.com"
    head = scope.rpartition("/")[0]
    if not head or head.endswith((":", ":/")):
        raise errors.invalid_scope(scope)
    return head


def bearer_digest(value: str) -> str:
    """How a random bearer value (a device code, a sign-in session id) is stored: its SHA-256,
    so that the store never holds what would let someone use it."""
    return hashlib.sha256(value.encode()).hexdigest()


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    """``salt$sha256``: client secrets are random and long, a salted digest is enough for them."""
    salt = salt or os.urandom(16)
    return salt.hex() + "$" + hashlib.sha256(salt + secret.encode()).hexdigest()


def secret_matches(secret: str, stored: str) -> bool:
    salt, _, _ = stored.partition("$")
    return hmac.compare_digest(hash_secret(secret, bytes.fromhex(salt)), stored)


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 120_000)
    return salt.hex() + "$" + digest.hex()


def password_matches(password: str, stored: str) -> bool:
    salt, _, _ = stored.partition("$")
    return hmac.compare_digest(hash_password(password, bytes.fromhex(salt)), stored)


def password_of(user: models.User | None, password: str) -> bool:
    """Whether ``password`` is ``user``'s; for no user, False after the same work (a sign-in
    page answering faster for unknown names would tell which names exist)."""
    if user is None:
        password_matches(password, _nobodys_hash())
        return False
    return password_matches(password, user.password_hash)


@functools.cache
def _nobodys_hash() -> str:
    return hash_password(secrets.token_hex(16))


def requested_audience(session: Session, form: dict[str, str], tenant_id: str, version: str,
                       client_credentials: bool = False) -> tuple[str, list[str]]:
    """The token's ``aud``: the v1 ``resource``, or the resource of the v2 ``scope``."""
    if version == "v1":
        resource = form.get("resource", "")
        if not resource:
            raise errors.missing_parameter("resource")
        scopes = [f"{resource.rstrip('/')}/user_impersonation"]
    else:
        if not form.get("scope"):
            raise errors.missing_parameter("scope")
        resource, scopes = resource_from_scopes(form["scope"])
        if client_credentials and not all(s.endswith("/.default") for s in scopes):
            raise errors.OAuthError(400, "invalid_scope", 1002012,
                                    f"The provided value for scope {form['scope']} is not "
                                    "valid. Client credential flows must have a scope value "
                                    "with /.default suffixed to the resource identifier "
                                    "(application ID URI).")
    if not known_resource(session, tenant_id, resource):
        raise errors.resource_not_found(resource, tenant_id)
    return resource, scopes
