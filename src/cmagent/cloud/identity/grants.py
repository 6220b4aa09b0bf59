"""The token endpoints (v1 ``/oauth2/token``, v2 ``/oauth2/v2.0/token``): client credentials
with a secret or a certificate assertion, the device code grant, and (in ``users``) the
password and refresh token grants of users.
"""

from __future__ import annotations

import base64
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from cmagent.cloud import models
from cmagent.cloud.clock import Clock
from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.identity import assertion
from cmagent.cloud.identity import directory
from cmagent.cloud.identity import errors
from cmagent.cloud.identity import lockout
from cmagent.cloud.identity import policy
from cmagent.cloud.identity import tokens
from cmagent.cloud.identity import users
from cmagent.cloud.identity.entra import Entra
from cmagent.cloud.identity.errors import OAuthError
from cmagent.cloud.identity.tokens import Principal

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEVICE_GRANT_V2 = "urn:ietf:params:oauth:grant-type:device_code"


def token_endpoint(entra: Entra, request: Request, version: str) -> Response:
    try:
        form = _token_form(request)
        return _grant(entra, request, form, version)
    except OAuthError as error:
        return error.response(request)


def _token_form(request: Request) -> dict[str, str]:
    if request.method != "POST":
        raise errors.post_only()
    form = request.form()
    if not form.get("grant_type"):
        raise errors.missing_parameter("grant_type")
    return form


def _grant(entra: Entra, request: Request, form: dict[str, str], version: str) -> Response:
    grant = form["grant_type"]
    tenant_name = request.params["tenant"]
    if grant == "client_credentials":
        return _client_credentials(entra, request, form, tenant_name, version)
    if grant == "password":
        return users.password_grant(entra, request, form, version)
    if grant == "refresh_token":
        return users.refresh_grant(entra, request, form, version)
    if grant in ("device_code", DEVICE_GRANT_V2):  # MSAL for Node sends the short name to v2
        return _device_code(entra, request, form, tenant_name, version)
    raise errors.unsupported_grant(grant)


# Refusals that mean a wrong credential was tried (counted by the failed-attempt throttle).
_GUESSES = (7000215, 700027, 50013)


def _client_credentials(entra: Entra, request: Request, form: dict[str, str], tenant_name: str,
                        version: str) -> Response:
    if tenant_name.lower() in ("common", "consumers"):
        raise errors.common_endpoint_grant()
    now = entra.clock.now()
    refuse_replays = policy.value(entra.store, "assertionReplay") == "refuse"
    try:
        with entra.store.session() as session:
            tenant = directory.tenant_or_error(session, tenant_name)
            principal = authenticate_client(session, request, form, tenant, tenant_name,
                                            entra.clock, refuse_replays)
            audience, _ = directory.requested_audience(session, form, tenant.id, version,
                                                       client_credentials=True)
    except OAuthError as refusal:
        if refusal.code in _GUESSES and refusal.client_id:
            beyond = lockout.client_failed(entra.store, lockout.client_key(
                refusal.client_id, request.client[0]), now)
            if beyond:
                raise errors.too_many_failures(beyond) from None
        raise
    token, expires = tokens.access_token(entra.keys, principal, audience, now)
    if version == "v1":
        return Response.json(200, tokens.v1_response(token, expires, now, audience))
    return Response.json(200, tokens.v2_response(token, expires, now))


def authenticate_client(session: Session, request: Request, form: dict[str, str],
                        tenant: models.Tenant, tenant_name: str, clock: Clock,
                        refuse_replays: bool = False) -> Principal:
    """Identify the confidential client by its secret or its certificate assertion; refusals
    that mean a wrong credential carry the client's id (for the failed-attempt throttle)."""
    basic_id, basic_secret = _basic_credentials(request)
    client_id = (form.get("client_id") or basic_id or "").strip().lower()
    if not client_id:
        raise errors.missing_parameter("client_id")
    app = directory.application(session, tenant.id, client_id)
    if app is None:
        raise errors.application_not_found(client_id, tenant_name)
    throttled = lockout.locked_for(session, lockout.client_key(app.app_id, request.client[0]),
                                   clock.now())
    if throttled:
        raise errors.too_many_failures(throttled)
    try:
        credential = _credential_kind(session, app, form, basic_secret, tenant, clock,
                                      refuse_replays)
    except OAuthError as refusal:
        refusal.client_id = app.app_id
        raise
    return Principal(tenant.id, app.sp_object_id, app.app_id, display_name=app.display_name,
                     credential=credential, managed_identity=app.kind == "managedIdentity",
                     resource_id=_identity_of(session, app))


def _identity_of(session: Session, app: models.Application) -> str:
    """The resource id of the machine whose system-assigned identity ``app`` is ("" for
    other principals): what Azure puts in a managed-identity token's ``xms_mirid``."""
    if app.kind != "managedIdentity":
        return ""
    machine, group = models.Machine, models.ResourceGroup
    row = session.execute(select(machine.subscription_id, group.name, machine.name).join(
        group, (group.subscription_id == machine.subscription_id)
        & (group.name_key == machine.group_key)).where(
        machine.identity_app_id == app.app_id)).first()
    if row is None:
        return ""
    subscription, group_name, name = row
    return (f"/subscriptions/{subscription}/resourcegroups/{group_name}/providers/"
            f"Microsoft.HybridCompute/machines/{name}")


def _credential_kind(session: Session, app: models.Application, form: dict[str, str],
                     basic_secret: str, tenant: models.Tenant, clock: Clock,
                     refuse_replays: bool) -> str:
    """Check the secret or the assertion; the token's ``appidacr`` (1 secret, 2 certificate)."""
    if form.get("client_assertion"):
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise errors.missing_parameter("client_assertion_type")
        assertion.verify(session, app, form["client_assertion"], clock, _token_paths(tenant),
                         refuse_replays)
        return "2"
    if form.get("client_secret") or basic_secret:
        _check_secret(session, app, form.get("client_secret") or basic_secret, clock.now())
        return "1"
    raise errors.missing_credential()


def _basic_credentials(request: Request) -> tuple[str, str]:
    scheme, _, value = request.header("authorization").partition(" ")
    if scheme.lower() != "basic" or not value:
        return "", ""
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except ValueError:  # not base64 (non-ASCII too), or not UTF-8
        return "", ""
    user, _, password = decoded.partition(":")
    return unquote(user), unquote(password)


def _token_paths(tenant: models.Tenant) -> tuple[str, ...]:
    names = (tenant.id, tenant.domain.lower())
    return tuple(f"/{name}/oauth2{suffix}" for name in names
                 for suffix in ("/v2.0/token", "/token"))


def _check_secret(session: Session, app: models.Application, secret: str, now: float) -> None:
    secrets = session.query(models.Credential).filter_by(app_id=app.app_id, kind="secret")
    for credential in secrets:
        if credential.secret_hash and directory.secret_matches(secret, credential.secret_hash):
            if now >= credential.expires_at:
                raise errors.expired_secret(app.app_id)
            return
    raise errors.invalid_secret(app.app_id)


def _device_code(entra: Entra, request: Request, form: dict[str, str], tenant_name: str,
                 version: str) -> Response:
    code = form.get("device_code") or form.get("code") or ""
    if not code:
        raise errors.missing_parameter("device_code")
    now = entra.clock.now()
    with entra.store.writing() as session:
        row = session.get(models.DeviceCode, directory.bearer_digest(code))
        if row is None or row.client_id != form.get("client_id", "").lower():
            raise errors.bad_device_code()
        user = _approved_user(session, row, now)
        session.delete(row)
    scopes = [s for s in row.scope.split() if s not in directory.OIDC_SCOPES]
    return users.user_tokens(entra, request, user, row.client_id, (row.resource, scopes),
                             row.scope, "v1" if row.version == "v1" else version)


def _approved_user(session: Session, row: models.DeviceCode, now: float) -> models.User:
    if now > row.expires_at:
        raise errors.device_code_expired()
    row.last_poll_at = now
    if row.state == "declined":
        raise errors.authorization_declined()
    if row.state != "approved" or row.user_object_id is None:
        raise errors.authorization_pending()
    user = session.get(models.User, row.user_object_id)
    if user is None:
        raise errors.bad_device_code()
    return user
