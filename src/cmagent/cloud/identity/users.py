"""Users signing in through public clients: the resource-owner password grant, the refresh
token grant, the token answer every user flow shares, and MSAL's user-realm lookup.

Users may sign in at their tenant or at ``/organizations``; their tokens carry their home
tenant either way. ``/common`` and ``/consumers`` refuse the password grant, as Entra does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cmagent.cloud import models
from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.identity import directory
from cmagent.cloud.identity import errors
from cmagent.cloud.identity import lockout
from cmagent.cloud.identity import policy
from cmagent.cloud.identity import refresh
from cmagent.cloud.identity import tokens
from cmagent.cloud.identity.entra import Entra
from cmagent.cloud.identity.tokens import Principal


def checks_password(request: Request) -> bool:
    """Whether a token request is a password grant (its hash is slow: run it in a thread)."""
    return request.form().get("grant_type") == "password"


def password_grant(entra: Entra, request: Request, form: dict[str, str], version: str,
                   ) -> Response:
    tenant_name = request.params["tenant"]
    if tenant_name.lower() in ("common", "consumers"):
        raise errors.common_endpoint_grant()
    client_id = _required(form, "client_id").lower()
    username, password = _required(form, "username"), _required(form, "password")
    now = entra.clock.now()
    with entra.store.session() as session:
        user = _member(session, tenant_name, username)
        directory.check_public_client(session, user.tenant_id, tenant_name, client_id)
        audience, scopes = directory.requested_audience(session, form, user.tenant_id, version)
        key = lockout.user_key(user.object_id, request.client[0])
        locked = lockout.locked_for(session, key, now)
        if locked:
            raise errors.account_locked()
        right = directory.password_matches(password, user.password_hash)
    if not right:
        if lockout.user_failed(entra.store, key, now):
            raise errors.account_locked()
        raise errors.wrong_password()
    lockout.succeeded(entra.store, key)
    return user_tokens(entra, request, user, client_id, (audience, scopes),
                       form.get("scope", ""), version)


def refresh_grant(entra: Entra, request: Request, form: dict[str, str], version: str,
                  ) -> Response:
    client_id = _required(form, "client_id").lower()
    token = _required(form, "refresh_token")
    tenant_name = request.params["tenant"]
    with entra.store.writing() as session:
        user = refresh.redeem(session, token, client_id, entra.clock.now(),
                              policy.value(entra.store, "refreshTokenLifetime"))
        if tenant_name.lower() not in directory.MULTI_TENANT:
            tenant = directory.tenant_or_error(session, tenant_name)
            if tenant.id != user.tenant_id:
                raise errors.user_not_in_tenant(tenant_name)
        requested = directory.requested_audience(session, form, user.tenant_id, version)
    return user_tokens(entra, request, user, client_id, requested, form.get("scope", ""),
                       version)


def user_tokens(entra: Entra, request: Request, user: models.User, client_id: str,
                requested: tuple[str, list[str]], scope_text: str, version: str) -> Response:
    """The token answer of a user flow: an access token for the resource, the ID token and
    client info MSAL keeps the account by, and a refresh token when the client asked for
    ``offline_access`` (v1 clients always get one). Called outside any open transaction:
    signing may store the cloud's first key, and SQLite has one writer."""
    audience, scopes = requested
    now = entra.clock.now()
    principal = Principal(user.tenant_id, user.object_id, client_id, user_upn=user.upn,
                          display_name=user.display_name, credential="0")
    token, expires = tokens.access_token(entra.keys, principal, audience, now)
    extra: dict[str, Any] = {
        "id_token": tokens.id_token(entra.keys, principal, client_id, request.base_url, now),
        "client_info": tokens.client_info(principal)}
    if version == "v1" or "offline_access" in scope_text.split():
        with entra.store.writing() as session:
            extra["refresh_token"] = refresh.issue(session, _fresh(session, user), client_id,
                                                   now)
    if version == "v1":
        return Response.json(200, tokens.v1_response(token, expires, now, audience, extra))
    return Response.json(200, tokens.v2_response(token, expires, now, scopes, extra))


def _required(form: dict[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value.strip():
        raise errors.missing_parameter(name)
    return value.strip() if name != "password" else value


def _member(session: Session, tenant_name: str, username: str) -> models.User:
    """The user named ``username``, if it belongs to the tenant asked for."""
    user = directory.user_by_upn(session, username)
    if tenant_name.lower() in directory.MULTI_TENANT:
        if user is None:
            raise errors.user_not_in_tenant(tenant_name)
        return user
    tenant = directory.tenant_or_error(session, tenant_name)
    if user is None or user.tenant_id != tenant.id:
        raise errors.user_not_in_tenant(tenant.domain)
    return user


def _fresh(session: Session, user: models.User) -> models.User:
    found = session.get(models.User, user.object_id)
    if found is None:  # deleted between the two transactions
        raise errors.user_not_in_tenant(user.tenant_id)
    return found


def user_realm(entra: Entra, request: Request) -> Response:
    """MSAL asks before a password grant whether the user's domain is federated: every domain
    here is managed by the cloud itself; domains no tenant has are Unknown, as Entra says."""
    username = request.params["username"]
    domain = username.rpartition("@")[2].lower()
    with entra.store.session() as session:
        user = directory.user_by_upn(session, username)
        known = user is not None or directory.find_tenant(session, domain) is not None
    return Response.json(200, {"ver": "1.0", "account_type": "Managed" if known else "Unknown",
                               "domain_name": domain,
                               "cloud_instance_name": request.host.split(":")[0],
                               "cloud_audience_urn": "urn:federation:MicrosoftOnline"})
