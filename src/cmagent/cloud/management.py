"""The management API under ``/_admin``: seed and inspect the cloud's data, move its clock, reset.

Every call needs ``Authorization: Bearer <admin key>`` (the key is in ``DATA_DIR/admin.key``,
0600). Errors are ``{"error": {"code", "message"}}`` with a fitting status. Secrets are returned
once, when created, and stored hashed.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
import string
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from cmagent import __version__
from cmagent.cloud import models
from cmagent.cloud import pki
from cmagent.cloud import roles
from cmagent.cloud import status as machine_status
from cmagent.cloud.clock import iso
from cmagent.cloud.clock import parse_iso
from cmagent.cloud.faults import FaultError
from cmagent.cloud.http import HttpError
from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.http import Router
from cmagent.cloud.identity import directory
from cmagent.cloud.identity import tokens
from cmagent.cloud.identity.tokens import Principal

if TYPE_CHECKING:
    from cmagent.cloud.app import Cloud

PREFIX = "/_admin"
SUBSCRIPTION_STATES = ("Enabled", "Warned", "PastDue", "Disabled", "Deleted")
REGISTRATION_STATES = ("NotRegistered", "Registering", "Registered", "Unregistering")
_SECRET_ALPHABET = string.ascii_letters + string.digits + "_-.~"


def fail(status: int, code: str, message: str) -> HttpError:
    return HttpError(Response.json(status, {"error": {"code": code, "message": message}}))


def register(router: Router, cloud: Cloud) -> None:
    table: list[tuple[str, str, Callable[[Cloud, Request, Session], Any]]] = [
        ("GET", "/info", _info),
        ("GET", "/tenants", _list_tenants), ("POST", "/tenants", _create_tenant),
        ("GET", "/subscriptions", _list_subscriptions),
        ("POST", "/subscriptions", _create_subscription),
        ("PATCH", "/subscriptions/{subscription}", _update_subscription),
        ("GET", "/resourceGroups", _list_groups), ("POST", "/resourceGroups", _create_group),
        ("DELETE", "/resourceGroups/{subscription}/{name}", _delete_group),
        ("GET", "/users", _list_users), ("POST", "/users", _create_user),
        ("GET", "/applications", _list_apps), ("POST", "/applications", _create_app),
        ("DELETE", "/applications/{app}", _delete_app),
        ("POST", "/applications/{app}/secrets", _add_secret),
        ("POST", "/applications/{app}/certificates", _add_certificate),
        ("GET", "/applications/{app}/credentials", _list_credentials),
        ("GET", "/roleDefinitions", _list_roles),
        ("GET", "/roleAssignments", _list_assignments),
        ("POST", "/roleAssignments", _create_assignment),
        ("DELETE", "/roleAssignments/{assignment}", _delete_assignment),
        ("GET", "/providers/{subscription}", _list_providers),
        ("PUT", "/providers/{subscription}/{namespace}", _set_provider),
        ("GET", "/clock", _get_clock), ("POST", "/clock", _move_clock),
        ("GET", "/settings", _get_settings), ("PATCH", "/settings", _set_settings),
        ("POST", "/tokens", _user_token),
        ("GET", "/faults", _list_faults), ("POST", "/faults", _add_fault),
        ("DELETE", "/faults", _clear_faults), ("DELETE", "/faults/{fault}", _remove_fault),
        ("GET", "/throttling", _get_throttling), ("PATCH", "/throttling", _set_throttling),
        ("GET", "/machines", _list_machines), ("POST", "/machines", _create_machine),
        ("POST", "/reset", _reset),
    ]
    for method, path, handler in table:
        router.add(method, PREFIX + path, _guarded(cloud, handler, method))


def _guarded(cloud: Cloud, handler: Callable[[Cloud, Request, Session], Any],
             method: str) -> Callable[[Request], Response]:
    def serve(request: Request) -> Response:
        _authorise(cloud, request)
        session_scope = cloud.store.session if method == "GET" else cloud.store.writing
        with session_scope() as session:
            result = handler(cloud, request, session)
        status = 201 if method == "POST" and result is not None else 200
        return Response.json(status, result if result is not None else {})
    return serve


def _authorise(cloud: Cloud, request: Request) -> None:
    scheme, _, key = request.header("authorization").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(key.strip(), cloud.admin_key):
        raise fail(401, "AdminKeyRequired", "Send 'Authorization: Bearer <key>' with the key "
                                            "from the data directory's admin.key file.")


def _body(request: Request) -> dict[str, Any]:
    body = request.json()
    if body is None and not request.body:
        return {}
    if not isinstance(body, dict):
        raise fail(400, "InvalidRequestContent", "The body must be a JSON object.")
    return body


def _text(body: dict[str, Any], key: str, default: str | None = None) -> str:
    value = body.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise fail(400, "MissingParameter", f"'{key}' is required and must be a non-empty "
                                            "string.")
    return value.strip()


def _tenant(session: Session, name: str) -> models.Tenant:
    tenant = directory.find_tenant(session, name)
    if tenant is None:
        raise fail(404, "TenantNotFound", f"Tenant '{name}' does not exist.")
    return tenant


def _subscription(session: Session, subscription_id: str) -> models.Subscription:
    row = session.get(models.Subscription, subscription_id.lower())
    if row is None:
        raise fail(404, "SubscriptionNotFound", f"Subscription '{subscription_id}' does not "
                                                "exist.")
    return row


def _app(session: Session, app_id: str) -> models.Application:
    row = session.get(models.Application, app_id.lower())
    if row is None:
        raise fail(404, "ApplicationNotFound", f"Application '{app_id}' does not exist.")
    return row


def _new_guid(body: dict[str, Any], key: str) -> str:
    value = body.get(key) or str(uuid.uuid4())
    if not isinstance(value, str) or not directory.is_guid(value):
        raise fail(400, "InvalidParameter", f"'{key}' must be a GUID.")
    return value.lower()


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

def _info(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    return {"name": cloud.name, "version": __version__, "url": request.base_url,
            "dataDir": str(cloud.data_dir), "database": cloud.store.url.split("://")[0]}


def _list_tenants(cloud: Cloud, request: Request, session: Session) -> list[dict[str, Any]]:
    return [tenant_json(t) for t in cloud.store.all(session, models.Tenant)]


def _create_tenant(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    body = _body(request)
    tenant_id = _new_guid(body, "tenantId")
    domain = str(body.get("domain") or f"tenant-{tenant_id[:8]}.onmicrosoft.com").lower()
    if directory.find_tenant(session, domain) or session.get(models.Tenant, tenant_id):
        raise fail(409, "TenantExists", f"A tenant with id '{tenant_id}' or domain '{domain}' "
                                        "already exists.")
    row = models.Tenant(id=tenant_id, domain=domain,
                        display_name=str(body.get("displayName") or domain.split(".")[0]))
    session.add(row)
    return tenant_json(row)


def _list_subscriptions(cloud: Cloud, request: Request, session: Session) -> list[Any]:
    return [subscription_json(s) for s in cloud.store.all(session, models.Subscription)]


def _create_subscription(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    body = _body(request)
    tenant = _tenant(session, _text(body, "tenantId"))
    subscription_id = _new_guid(body, "subscriptionId")
    if session.get(models.Subscription, subscription_id):
        raise fail(409, "SubscriptionExists", f"Subscription '{subscription_id}' exists.")
    state = _choice(body.get("state", "Enabled"), SUBSCRIPTION_STATES, "state")
    row = models.Subscription(id=subscription_id, tenant_id=tenant.id, state=state,
                              display_name=_text(body, "displayName"))
    session.add(row)
    return subscription_json(row)


def _update_subscription(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    body = _body(request)
    row = _subscription(session, request.params["subscription"])
    if "state" in body:
        row.state = _choice(body["state"], SUBSCRIPTION_STATES, "state")
    if "displayName" in body:
        row.display_name = _text(body, "displayName")
    return subscription_json(row)


def _choice(value: Any, allowed: tuple[str, ...], key: str) -> str:
    match = next((a for a in allowed if isinstance(value, str) and a.lower() == value.lower()),
                 None)
    if match is None:
        raise fail(400, "InvalidParameter", f"'{key}' must be one of {', '.join(allowed)}.")
    return match


def _list_groups(cloud: Cloud, request: Request, session: Session) -> list[Any]:
    filters = {"subscription_id": request.query["subscriptionId"].lower()} \
        if "subscriptionId" in request.query else {}
    return [group_json(g) for g in cloud.store.all(session, models.ResourceGroup, **filters)]


def _create_group(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    body = _body(request)
    subscription = _subscription(session, _text(body, "subscriptionId"))
    name = _text(body, "name")
    existing = session.scalars(select(models.ResourceGroup).filter_by(
        subscription_id=subscription.id, name_key=name.lower())).first()
    if existing:
        raise fail(409, "ResourceGroupExists", f"Resource group '{name}' exists.")
    row = models.ResourceGroup(subscription_id=subscription.id, name=name,
                               name_key=name.lower(), location=_text(body, "location"),
                               tags=body.get("tags") or {})
    session.add(row)
    return group_json(row)


def _delete_group(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    row = session.scalars(select(models.ResourceGroup).filter_by(
        subscription_id=request.params["subscription"].lower(),
        name_key=request.params["name"].lower())).first()
    if row is None:
        raise fail(404, "ResourceGroupNotFound", "No such resource group.")
    session.delete(row)
    return {"deleted": row.name}


def _list_users(cloud: Cloud, request: Request, session: Session) -> list[Any]:
    return [user_json(u) for u in cloud.store.all(session, models.User)]


def _create_user(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    body = _body(request)
    tenant = _tenant(session, _text(body, "tenantId"))
    upn = _text(body, "userPrincipalName")
    if directory.user_by_upn(session, upn):
        raise fail(409, "UserExists", f"User '{upn}' exists.")
    row = models.User(object_id=str(uuid.uuid4()), tenant_id=tenant.id, upn=upn,
                      upn_key=upn.lower(), display_name=str(body.get("displayName") or upn),
                      password_hash=directory.hash_password(_text(body, "password")))
    session.add(row)
    return user_json(row)


def _list_apps(cloud: Cloud, request: Request, session: Session) -> list[Any]:
    return [app_json(a) for a in cloud.store.all(session, models.Application)]


def create_application(session: Session, tenant_id: str, display_name: str,
                       public_client: bool = False, kind: str = "application",
                       app_id: str | None = None) -> models.Application:
    row = models.Application(app_id=app_id or str(uuid.uuid4()), tenant_id=tenant_id,
                             object_id=str(uuid.uuid4()), sp_object_id=str(uuid.uuid4()),
                             display_name=display_name, public_client=public_client, kind=kind)
    session.add(row)
    return row


def _create_app(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    body = _body(request)
    tenant = _tenant(session, _text(body, "tenantId"))
    app_id = _new_guid(body, "appId")
    if session.get(models.Application, app_id):
        raise fail(409, "ApplicationExists", f"Application '{app_id}' exists.")
    return app_json(create_application(session, tenant.id, _text(body, "displayName"),
                                       bool(body.get("publicClient")), app_id=app_id))


def _delete_app(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    row = _app(session, request.params["app"])
    session.delete(row)
    return {"deleted": row.app_id}


def _validity(cloud: Cloud, body: dict[str, Any], default_days: int) -> tuple[float, float]:
    start = cloud.clock.now()
    if body.get("endDateTime"):
        try:
            return start, parse_iso(str(body["endDateTime"])).timestamp()
        except ValueError:
            raise fail(400, "InvalidParameter", "'endDateTime' must be an ISO 8601 time.") \
                from None
    days = body.get("durationDays", default_days)
    if not isinstance(days, int | float):
        raise fail(400, "InvalidParameter", "'durationDays' must be a number.")
    return start, start + float(days) * 86400


def new_secret_text() -> str:
    """Entra-style secret text: three characters, ``8Q~``, then 34 more."""
    pick = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(37))
    return f"{pick[:3]}8Q~{pick[3:]}"


def _add_secret(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    body = _body(request)
    app = _app(session, request.params["app"])
    start, end = _validity(cloud, body, 365)
    text = new_secret_text()
    row = models.Credential(key_id=str(uuid.uuid4()), app_id=app.app_id, kind="secret",
                            secret_hash=directory.hash_secret(text), hint=text[:3],
                            starts_at=start, expires_at=end)
    session.add(row)
    return {**credential_json(row), "secretText": text}


def _add_certificate(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    body = _body(request)
    app = _app(session, request.params["app"])
    try:
        cert = x509.load_pem_x509_certificate(_text(body, "certificatePem").encode())
    except ValueError:
        raise fail(400, "InvalidParameter", "'certificatePem' is not a PEM certificate.") \
            from None
    sha1, sha256 = pki.thumbprints(cert)
    end = parse_iso(body["endDateTime"]).timestamp() if body.get("endDateTime") \
        else cert.not_valid_after_utc.timestamp()
    row = models.Credential(key_id=str(uuid.uuid4()), app_id=app.app_id, kind="certificate",
                            thumbprint_sha1=sha1, thumbprint_sha256=sha256,
                            cert_pem=pki.cert_pem(cert).decode(),
                            starts_at=cert.not_valid_before_utc.timestamp(), expires_at=end)
    session.add(row)
    return credential_json(row)


def _list_credentials(cloud: Cloud, request: Request, session: Session) -> list[Any]:
    app = _app(session, request.params["app"])
    return [credential_json(c) for c in cloud.store.all(session, models.Credential,
                                                        app_id=app.app_id)]


def _list_roles(cloud: Cloud, request: Request, session: Session) -> list[Any]:
    return [role.to_json() for role in roles.BUILT_IN]


def _list_assignments(cloud: Cloud, request: Request, session: Session) -> list[Any]:
    return [assignment_json(a) for a in cloud.store.all(session, models.RoleAssignment)]


def resolve_principal(session: Session, name: str) -> tuple[str, str]:
    """(object id, principal type) of a user (object id or UPN) or a service principal (its
    object id or its application id)."""
    user = directory.user_by_upn(session, name) or session.get(models.User, name.lower())
    if user:
        return user.object_id, "User"
    app = session.get(models.Application, name.lower()) or session.scalars(
        select(models.Application).filter_by(sp_object_id=name.lower())).first()
    if app:
        return app.sp_object_id, "ServicePrincipal"
    raise fail(404, "PrincipalNotFound", f"No user or service principal is named '{name}'.")


def _create_assignment(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    body = _body(request)
    principal_id, principal_type = resolve_principal(session, _text(body, "principalId"))
    role = roles.find(_text(body, "role"))
    if role is None:
        raise fail(400, "RoleDefinitionNotFound", "Unknown role; GET /_admin/roleDefinitions "
                                                  "lists the built-in roles.")
    scope = _text(body, "scope").rstrip("/") or "/"
    _check_scope(session, scope)
    row = models.RoleAssignment(id=str(uuid.uuid4()), principal_id=principal_id,
                                principal_type=principal_type, role_definition_id=role.id,
                                scope=scope, scope_key=scope.lower())
    session.add(row)
    return assignment_json(row)


def _check_scope(session: Session, scope: str) -> None:
    parts = scope.strip("/").split("/")
    if parts[0].lower() != "subscriptions" or len(parts) < 2:
        raise fail(400, "InvalidScope", "A scope starts with /subscriptions/{id}.")
    _subscription(session, parts[1])


def _delete_assignment(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    row = session.get(models.RoleAssignment, request.params["assignment"].lower())
    if row is None:
        raise fail(404, "RoleAssignmentNotFound", "No such role assignment.")
    session.delete(row)
    return {"deleted": row.id}


def _list_providers(cloud: Cloud, request: Request, session: Session) -> list[Any]:
    subscription = _subscription(session, request.params["subscription"])
    return [{"subscriptionId": r.subscription_id, "namespace": r.namespace,
             "registrationState": r.state}
            for r in cloud.store.all(session, models.ProviderRegistration,
                                     subscription_id=subscription.id)]


def _set_provider(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    subscription = _subscription(session, request.params["subscription"])
    namespace = request.params["namespace"]
    state = _choice(_body(request).get("registrationState", "Registered"),
                    REGISTRATION_STATES, "registrationState")
    session.merge(models.ProviderRegistration(subscription_id=subscription.id,
                                              namespace_key=namespace.lower(),
                                              namespace=namespace, state=state))
    return {"subscriptionId": subscription.id, "namespace": namespace,
            "registrationState": state}


def _clock_json(cloud: Cloud) -> dict[str, Any]:
    return {"now": iso(cloud.clock.utcnow()), "offsetSeconds": cloud.clock.offset}


def _get_clock(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    return _clock_json(cloud)


def _move_clock(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    body = _body(request)
    if body.get("reset"):
        offset = 0.0
    elif "set" in body:
        try:
            offset = parse_iso(str(body["set"])).timestamp() - (cloud.clock.now()
                                                                 - cloud.clock.offset)
        except ValueError:
            raise fail(400, "InvalidParameter", "'set' must be an ISO 8601 time.") from None
    elif isinstance(body.get("advanceSeconds"), int | float):
        offset = cloud.clock.offset + float(body["advanceSeconds"])
    else:
        raise fail(400, "MissingParameter", "Give 'advanceSeconds', 'set' or 'reset'.")
    session.merge(models.Setting(key="clock.offset", value=repr(offset)))
    cloud.clock.set_offset(offset)
    return _clock_json(cloud)


_SETTINGS = {"deviceCodeInterval": "identity.deviceCodeInterval"}


def _get_settings(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    return {name: int(getattr(session.get(models.Setting, key), "value", 5))
            for name, key in _SETTINGS.items()}


def _set_settings(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    body = _body(request)
    for name, value in body.items():
        if name not in _SETTINGS or not isinstance(value, int) or not 0 < value <= 60:
            raise fail(400, "InvalidParameter", f"Settable: {', '.join(_SETTINGS)} (1-60).")
        session.merge(models.Setting(key=_SETTINGS[name], value=str(value)))
    return {"updated": sorted(body)}


def _user_token(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    """An access token for a user without a password: what ``--access-token`` users bring."""
    body = _body(request)
    user = directory.user_by_upn(session, _text(body, "userPrincipalName"))
    if user is None:
        raise fail(404, "UserNotFound", "No such user.")
    resource = str(body.get("resource") or "https://management.azure.com/")
    principal = Principal(user.tenant_id, user.object_id,
                          next(iter(directory.FIRST_PARTY_CLIENTS)), user_upn=user.upn,
                          display_name=user.display_name, credential="0")
    now = cloud.clock.now()
    token, expires = tokens.access_token(cloud.keys, principal, resource, now)
    return {"accessToken": token, "tokenType": "Bearer", "expiresOn": expires,
            "tenant": user.tenant_id, "resource": resource}


def _list_faults(cloud: Cloud, request: Request, session: Session) -> list[Any]:
    return cloud.faults.list()


def _add_fault(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    try:
        return cloud.faults.add(_body(request)).to_json()
    except (FaultError, ValueError, TypeError) as error:
        raise fail(400, "InvalidFault", str(error)) from None


def _clear_faults(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    cloud.faults.clear()
    return {"cleared": True}


def _remove_fault(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    if not cloud.faults.remove(request.params["fault"]):
        raise fail(404, "FaultNotFound", "No such fault.")
    return {"deleted": request.params["fault"]}


def _get_throttling(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    return {kind: {"capacity": capacity, "refillPerSecond": refill}
            for kind, (capacity, refill) in cloud.throttle.limits.items()}


def _set_throttling(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    for kind, limits in _body(request).items():
        valid = isinstance(limits, dict) and kind in cloud.throttle.limits and all(
            isinstance(limits.get(k), int | float) and limits[k] >= 0
            for k in ("capacity", "refillPerSecond"))
        if not valid:
            raise fail(400, "InvalidParameter", "Give {kind: {capacity, refillPerSecond}} for "
                                                "reads, writes or deletes.")
        cloud.throttle.configure(kind, float(limits["capacity"]), float(limits["refillPerSecond"]))
    return _get_throttling(cloud, request, session)


def _list_machines(cloud: Cloud, request: Request, session: Session) -> list[Any]:
    """Machines with their status as the service derives it (for tests and operators)."""
    now = cloud.clock.now()
    rows = cloud.store.all(session, models.Machine)
    return [{"name": m.name, "vmId": m.vm_id, "subscriptionId": m.subscription_id,
             "status": machine_status.effective(m, now)[0],
             "statusReason": (m.reported or {}).get("statusReason"),
             "identityAppId": m.identity_app_id, "lastHeartbeat": m.last_heartbeat}
            for m in rows]


def _create_machine(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    """Seed a machine resource (no identity): 'the name is taken' as data, for scenarios."""
    body = _body(request)
    subscription = _subscription(session, _text(body, "subscriptionId"))
    name, group = _text(body, "name"), _text(body, "resourceGroup")
    now = cloud.clock.now()
    row = models.Machine(subscription_id=subscription.id, group_key=group.lower(), name=name,
                         name_key=name.lower(), location=_text(body, "location", "westeurope"),
                         vm_id=str(uuid.uuid4()), body={"properties": {}, "tags": {}},
                         reported={}, status="AwaitingConnection", last_status_change=now,
                         created_at=now)
    session.add(row)
    return {"name": name, "resourceGroup": group, "vmId": row.vm_id}


def _reset(cloud: Cloud, request: Request, session: Session) -> dict[str, Any]:
    session.commit()
    cloud.store.reset()
    cloud.clock.set_offset(0.0)
    cloud.faults.clear()
    return {"reset": True}
