"""The management API under ``/_admin``: seed and inspect the cloud's data, move its clock, reset.

Every call needs ``Authorization: Bearer <admin key>`` (the key is in ``DATA_DIR/admin.key``,
0600). Errors are ``{"error": {"code", "message"}}`` with a fitting status. Secrets are returned
once, when created, and stored hashed.
"""

from __future__ import annotations

import datetime
import hmac
import logging
import secrets
import string
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from cmagent import __version__
from cmagent.cloud import envelopes
from cmagent.cloud import given
from cmagent.cloud import inventory
from cmagent.cloud import models
from cmagent.cloud import operations
from cmagent.cloud import pki
from cmagent.cloud import principals
from cmagent.cloud import roles
from cmagent.cloud.arm import names
from cmagent.cloud.arm.groups import checked_location
from cmagent.cloud.clock import iso
from cmagent.cloud.clock import parse_iso
from cmagent.cloud.given import Operator
from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.http import route
from cmagent.cloud.identity import directory

refused_log = logging.getLogger("cmagent.cloud.refused")

PREFIX = "/_admin"
SUBSCRIPTION_STATES = ("Enabled", "Warned", "PastDue", "Disabled", "Deleted")
_SECRET_ALPHABET = string.ascii_letters + string.digits + "_-.~"


Action = Callable[[Operator, Request, Session], Any]
# path under /_admin -> {method: action}
TABLE: dict[str, dict[str, Action]] = {}


def routes(operator: Operator) -> list[BaseRoute]:
    """The routes below ``PREFIX`` (the app mounts them there), in threads: some hash
    passwords, which takes long enough to hold up every other request."""
    return [route(path, {method: partial(_serve, operator, method, action)
                         for method, action in actions.items()},
                  envelopes.for_service("admin"), offload=True)
            for path, actions in TABLE.items()]


def _serve(operator: Operator, method: str, action: Action, request: Request) -> Response:
    _authorise(operator, request)
    session_scope = operator.store.session if method == "GET" else operator.store.writing
    with session_scope() as session:
        result = action(operator, request, session)
    status = 201 if method == "POST" and result is not None else 200
    return Response.json(status, result if result is not None else {})


def _authorise(operator: Operator, request: Request) -> None:
    scheme, _, key = request.header("authorization").partition(" ")
    # bytes: compare_digest refuses str with non-ASCII characters (a 500 before this check)
    if scheme.lower() != "bearer" or not operator.admin_key or not hmac.compare_digest(
            key.strip().encode(), operator.admin_key.encode()):
        refused_log.warning("Refused %s %s from %s: no or wrong admin key", request.method,
                            request.path, request.client[0] or "-")
        raise given.fail(401, "AdminKeyRequired", "Send 'Authorization: Bearer <key>' with the "
                                                  "key from the data directory's admin.key file.")


# --- representations ---------------------------------------------------------------------------

def tenant_json(row: models.Tenant) -> dict[str, Any]:
    return {"tenantId": row.id, "domain": row.domain, "displayName": row.display_name}


def subscription_json(row: models.Subscription) -> dict[str, Any]:
    return {"subscriptionId": row.id, "tenantId": row.tenant_id,
            "displayName": row.display_name, "state": row.state}


def group_json(row: models.ResourceGroup) -> dict[str, Any]:
    return {"subscriptionId": row.subscription_id, "name": row.name, "location": row.location,
            "tags": row.tags}


def user_json(row: models.User) -> dict[str, Any]:
    return {"objectId": row.object_id, "tenantId": row.tenant_id,
            "userPrincipalName": row.upn, "displayName": row.display_name}


def app_json(row: models.Application) -> dict[str, Any]:
    return {"appId": row.app_id, "tenantId": row.tenant_id, "objectId": row.object_id,
            "servicePrincipalObjectId": row.sp_object_id, "displayName": row.display_name,
            "publicClient": row.public_client, "kind": row.kind}


def credential_json(row: models.Credential) -> dict[str, Any]:
    start = datetime.datetime.fromtimestamp(row.starts_at, datetime.UTC)
    end = datetime.datetime.fromtimestamp(row.expires_at, datetime.UTC)
    body: dict[str, Any] = {"keyId": row.key_id, "appId": row.app_id, "type": row.kind,
                            "startDateTime": iso(start), "endDateTime": iso(end)}
    if row.kind == "secret":
        body["hint"] = row.hint
    else:
        body.update({"thumbprint": row.thumbprint_sha1, "thumbprintSha256": row.thumbprint_sha256})
    return body


def assignment_json(row: models.RoleAssignment) -> dict[str, Any]:
    role = roles.BY_ID.get(row.role_definition_id)
    return {"id": row.id, "principalId": row.principal_id, "principalType": row.principal_type,
            "roleDefinitionId": row.role_definition_id, "roleName": role.name if role else "",
            "scope": row.scope}


# --- handlers ----------------------------------------------------------------------------------

def _info(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    return {"name": operator.name, "version": __version__, "url": request.base_url,
            "dataDir": str(operator.data_dir), "database": operator.store.url.split("://")[0]}


def _list_tenants(operator: Operator, request: Request, session: Session) -> list[dict[str, Any]]:
    return [tenant_json(t) for t in operator.store.all(session, models.Tenant)]


def _create_tenant(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    body = given.body(request)
    tenant_id = given.new_guid(body, "tenantId")
    domain = str(body.get("domain") or f"tenant-{tenant_id[:8]}.onmicrosoft.com").lower()
    if directory.find_tenant(session, domain) or session.get(models.Tenant, tenant_id):
        raise given.fail(409, "TenantExists", f"A tenant with id '{tenant_id}' or domain "
                                              f"'{domain}' already exists.")
    row = models.Tenant(id=tenant_id, domain=domain,
                        display_name=_display_name(body, domain.split(".")[0]))
    session.add(row)
    return tenant_json(row)


def _list_subscriptions(operator: Operator, request: Request, session: Session) -> list[Any]:
    return [subscription_json(s) for s in operator.store.all(session, models.Subscription)]


def _create_subscription(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    body = given.body(request)
    tenant = given.tenant(session, given.text(body, "tenantId"))
    subscription_id = given.new_guid(body, "subscriptionId")
    if session.get(models.Subscription, subscription_id):
        raise given.fail(409, "SubscriptionExists", f"Subscription '{subscription_id}' exists.")
    state = given.choice(body.get("state", "Enabled"), SUBSCRIPTION_STATES, "state")
    row = models.Subscription(id=subscription_id, tenant_id=tenant.id, state=state,
                              display_name=given.text(body, "displayName"))
    session.add(row)
    return subscription_json(row)


def _update_subscription(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    body = given.body(request)
    row = given.subscription(session, request.params["subscription"])
    if "state" in body:
        row.state = given.choice(body["state"], SUBSCRIPTION_STATES, "state")
    if "displayName" in body:
        row.display_name = given.text(body, "displayName")
    return subscription_json(row)


def _list_groups(operator: Operator, request: Request, session: Session) -> list[Any]:
    filters = {"subscription_id": request.query["subscriptionId"].lower()} \
        if "subscriptionId" in request.query else {}
    return [group_json(g) for g in operator.store.all(session, models.ResourceGroup, **filters)]


def _create_group(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    body = given.body(request)
    subscription = given.subscription(session, given.text(body, "subscriptionId"))
    name = given.text(body, "name")
    names.check_group_name(name)  # ARM's own rules and errors: what the API takes, ARM can serve
    existing = session.scalars(select(models.ResourceGroup).filter_by(
        subscription_id=subscription.id, name_key=name.lower())).first()
    if existing:
        raise given.fail(409, "ResourceGroupExists", f"Resource group '{name}' exists.")
    row = models.ResourceGroup(subscription_id=subscription.id, name=name,
                               name_key=name.lower(),
                               location=checked_location(given.text(body, "location")),
                               tags=names.check_tags(body.get("tags")))
    session.add(row)
    return group_json(row)


def _delete_group(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    row = session.scalars(select(models.ResourceGroup).filter_by(
        subscription_id=request.params["subscription"].lower(),
        name_key=request.params["name"].lower())).first()
    if row is None:
        raise given.fail(404, "ResourceGroupNotFound", "No such resource group.")
    machines = inventory.delete_group(session, row)
    return {"deleted": row.name, "machinesDeleted": machines}


def _list_users(operator: Operator, request: Request, session: Session) -> list[Any]:
    return [user_json(u) for u in operator.store.all(session, models.User)]


def _create_user(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    body = given.body(request)
    tenant = given.tenant(session, given.text(body, "tenantId"))
    upn = given.text(body, "userPrincipalName")
    if directory.user_by_upn(session, upn):
        raise given.fail(409, "UserExists", f"User '{upn}' exists.")
    row = models.User(object_id=str(uuid.uuid4()), tenant_id=tenant.id, upn=upn,
                      upn_key=upn.lower(), display_name=_display_name(body, upn),
                      password_hash=directory.hash_password(given.text(body, "password",
                                                                         exact=True)))
    session.add(row)
    return user_json(row)


def _user(session: Session, name: str) -> models.User:
    row = directory.user_by_upn(session, name) or session.get(models.User, name.lower())
    if row is None:
        raise given.fail(404, "UserNotFound", f"User '{name}' does not exist.")
    return row


def _update_user(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    body = given.body(request)
    row = _user(session, request.params["user"])
    if "password" in body:
        principals.set_password(row, given.text(body, "password", exact=True))
    if body.get("displayName") is not None:
        row.display_name = given.text(body, "displayName")
    return user_json(row)


def _delete_user(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    row = _user(session, request.params["user"])
    principals.delete_user(session, row)
    return {"deleted": row.upn}


def _list_apps(operator: Operator, request: Request, session: Session) -> list[Any]:
    return [app_json(a) for a in operator.store.all(session, models.Application)]


def _create_app(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    body = given.body(request)
    tenant = given.tenant(session, given.text(body, "tenantId"))
    app_id = given.new_guid(body, "appId")
    if session.get(models.Application, app_id):
        raise given.fail(409, "ApplicationExists", f"Application '{app_id}' exists.")
    return app_json(principals.create_application(
        session, tenant.id, given.text(body, "displayName"), given.flag(body, "publicClient"),
        app_id=app_id))


def _delete_app(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    row = given.application(session, request.params["app"])
    principals.delete_application(session, row.app_id)
    return {"deleted": row.app_id}


def _display_name(body: dict[str, Any], default: str) -> str:
    """``displayName`` when given (a string), else ``default``."""
    return given.text(body, "displayName") if body.get("displayName") is not None else default


def _validity(operator: Operator, body: dict[str, Any], default_days: int) -> tuple[float, float]:
    start = operator.clock.now()
    if body.get("endDateTime"):
        end = _end_time(body)  # (one in the past makes an expired secret, as scenarios do)
        if end > start + MAX_DAYS * 86400:
            raise given.fail(400, "InvalidParameter", f"'endDateTime' must be at most {MAX_DAYS} "
                                                      "days ahead.")
        return start, end
    days = body.get("durationDays", default_days)
    if isinstance(days, bool) or not isinstance(days, int | float) or not 0 < days <= MAX_DAYS:
        raise given.fail(400, "InvalidParameter", f"'durationDays' must be a number of days "
                                                  f"above 0 and at most {MAX_DAYS}.")
    return start, start + float(days) * 86400


MAX_DAYS = 36500  # a century: any longer is no date a token or a certificate can carry


def _end_time(body: dict[str, Any]) -> float:
    try:
        return parse_iso(str(body["endDateTime"])).timestamp()
    except (ValueError, OverflowError):
        raise given.fail(400, "InvalidParameter", "'endDateTime' must be an ISO 8601 time.") \
            from None


def new_secret_text() -> str:
    """Entra-style secret text: three characters, ``8Q~``, then 34 more."""
    pick = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(37))
    return f"{pick[:3]}8Q~{pick[3:]}"


def _add_secret(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    body = given.body(request)
    app = given.application(session, request.params["app"])
    start, end = _validity(operator, body, 365)
    text = new_secret_text()
    row = models.Credential(key_id=str(uuid.uuid4()), app_id=app.app_id, kind="secret",
                            secret_hash=directory.hash_secret(text), hint=text[:3],
                            starts_at=start, expires_at=end)
    session.add(row)
    return {**credential_json(row), "secretText": text}


def _add_certificate(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    body = given.body(request)
    app = given.application(session, request.params["app"])
    try:
        cert = x509.load_pem_x509_certificate(given.text(body, "certificatePem").encode())
    except ValueError:
        raise given.fail(400, "InvalidParameter", "'certificatePem' is not a PEM certificate.") \
            from None
    sha1, sha256 = pki.thumbprints(cert)
    end = _end_time(body) if body.get("endDateTime") else cert.not_valid_after_utc.timestamp()
    row = models.Credential(key_id=str(uuid.uuid4()), app_id=app.app_id, kind="certificate",
                            thumbprint_sha1=sha1, thumbprint_sha256=sha256,
                            cert_pem=pki.cert_pem(cert).decode(),
                            starts_at=cert.not_valid_before_utc.timestamp(), expires_at=end)
    session.add(row)
    return credential_json(row)


def _list_credentials(operator: Operator, request: Request, session: Session) -> list[Any]:
    app = given.application(session, request.params["app"])
    return [credential_json(c)
            for c in operator.store.all(session, models.Credential, app_id=app.app_id)]


def _list_roles(operator: Operator, request: Request, session: Session) -> list[Any]:
    return [role.to_json() for role in roles.BUILT_IN]


def _list_assignments(operator: Operator, request: Request, session: Session) -> list[Any]:
    return [assignment_json(a) for a in operator.store.all(session, models.RoleAssignment)]


def resolve_principal(session: Session, name: str) -> tuple[str, str]:
    found = principals.find(session, name)
    if found is None:
        raise given.fail(404, "PrincipalNotFound", f"No user or service principal is named "
                                                   f"'{name}'.")
    return found


def _create_assignment(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    body = given.body(request)
    principal_id, principal_type = resolve_principal(session, given.text(body, "principalId"))
    role = roles.find(given.text(body, "role"))
    if role is None:
        raise given.fail(400, "RoleDefinitionNotFound", "Unknown role; GET "
                                                        "/_admin/roleDefinitions lists the "
                                                        "built-in roles.")
    scope = given.text(body, "scope").rstrip("/") or "/"
    _check_scope(session, scope)
    same = session.scalars(select(models.RoleAssignment).filter_by(
        principal_id=principal_id, role_definition_id=role.id, scope_key=scope.lower())).first()
    if same is not None:  # a grant given twice is given once (set-up scripts run again)
        return assignment_json(same)
    row = models.RoleAssignment(id=str(uuid.uuid4()), principal_id=principal_id,
                                principal_type=principal_type, role_definition_id=role.id,
                                scope=scope, scope_key=scope.lower())
    session.add(row)
    return assignment_json(row)


def _check_scope(session: Session, scope: str) -> None:
    parts = scope.strip("/").split("/")
    if parts[0].lower() != "subscriptions" or len(parts) < 2:
        raise given.fail(400, "InvalidScope", "A scope starts with /subscriptions/{id}.")
    if any(part in ("", ".", "..") for part in parts):  # ARM resolves no such segment
        raise given.fail(400, "InvalidScope", "A scope has no empty, '.' or '..' segments.")
    given.subscription(session, parts[1])


def _delete_assignment(operator: Operator, request: Request, session: Session) -> dict[str, Any]:
    row = session.get(models.RoleAssignment, request.params["assignment"].lower())
    if row is None:
        raise given.fail(404, "RoleAssignmentNotFound", "No such role assignment.")
    session.delete(row)
    return {"deleted": row.id}


def _table() -> None:
    own: list[tuple[str, str, Action]] = [
        ("GET", "/info", _info),
        ("GET", "/tenants", _list_tenants), ("POST", "/tenants", _create_tenant),
        ("GET", "/subscriptions", _list_subscriptions),
        ("POST", "/subscriptions", _create_subscription),
        ("PATCH", "/subscriptions/{subscription}", _update_subscription),
        ("GET", "/resourceGroups", _list_groups), ("POST", "/resourceGroups", _create_group),
        ("DELETE", "/resourceGroups/{subscription}/{name}", _delete_group),
        ("GET", "/users", _list_users), ("POST", "/users", _create_user),
        ("PATCH", "/users/{user}", _update_user), ("DELETE", "/users/{user}", _delete_user),
        ("GET", "/applications", _list_apps), ("POST", "/applications", _create_app),
        ("DELETE", "/applications/{app}", _delete_app),
        ("POST", "/applications/{app}/secrets", _add_secret),
        ("POST", "/applications/{app}/certificates", _add_certificate),
        ("GET", "/applications/{app}/credentials", _list_credentials),
        ("GET", "/roleDefinitions", _list_roles),
        ("GET", "/roleAssignments", _list_assignments),
        ("POST", "/roleAssignments", _create_assignment),
        ("DELETE", "/roleAssignments/{assignment}", _delete_assignment),
    ]
    for method, path, action in own + operations.ROUTES:
        TABLE.setdefault(path, {})[method] = action


_table()
