"""Device authorization (``/oauth2/devicecode``, v1 and v2) and the ``/devicelogin`` pages where a
person enters the code, signs in with user name and password, and approves or declines.
"""

from __future__ import annotations

import html
import secrets

from sqlalchemy.orm import Session

from cmagent.cloud import models
from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.identity import directory
from cmagent.cloud.identity import errors
from cmagent.cloud.identity import lockout
from cmagent.cloud.identity.entra import Entra
from cmagent.cloud.identity.errors import OAuthError

CODE_SECONDS = 900
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"  # no vowels: codes never spell words


def devicecode_endpoint(entra: Entra, request: Request, version: str) -> Response:
    try:
        if request.method != "POST":
            raise errors.post_only()
        return _new_code(entra, request, request.form(), version)
    except OAuthError as error:
        return error.response(request)


def _new_code(entra: Entra, request: Request, form: dict[str, str], version: str) -> Response:
    client_id = form.get("client_id", "").strip().lower()
    if not client_id:
        raise errors.missing_parameter("client_id")
    tenant_name = request.params["tenant"]
    now = entra.clock.now()
    with entra.store.writing() as session:
        tenant_id = _tenant_id(session, tenant_name)
        directory.check_public_client(session, tenant_id, tenant_name, client_id)
        resource, scope = _requested(session, form, tenant_id, version)
        device_code, user_code = secrets.token_urlsafe(48), _user_code()
        interval = entra.device_interval()
        session.add(models.DeviceCode(
            device_code_hash=directory.bearer_digest(device_code),
            user_code=user_code, tenant_id=tenant_id, client_id=client_id, resource=resource,
            scope=scope, version=version, created_at=now, expires_at=now + CODE_SECONDS,
            interval=interval))
    uri = f"{request.base_url}/devicelogin"
    message = (f"To sign in, use a web browser to open the page {uri} and enter the code "
               f"{user_code} to authenticate.")
    if version == "v1":
        return Response.json(200, {"user_code": user_code, "device_code": device_code,
                                   "verification_url": uri, "expires_in": str(CODE_SECONDS),
                                   "interval": str(interval), "message": message})
    return Response.json(200, {"user_code": user_code, "device_code": device_code,
                               "verification_uri": uri, "expires_in": CODE_SECONDS,
                               "interval": interval, "message": message})


def _tenant_id(session: Session, tenant_name: str) -> str:
    if tenant_name.lower() in directory.MULTI_TENANT:
        return ""
    return directory.tenant_or_error(session, tenant_name).id


def _requested(session: Session, form: dict[str, str], tenant_id: str,
               version: str) -> tuple[str, str]:
    if version == "v1":
        resource = form.get("resource", "")
        if not resource:
            raise errors.missing_parameter("resource")
        scope = f"{resource.rstrip('/')}/user_impersonation"
    else:
        if not form.get("scope"):
            raise errors.missing_parameter("scope")
        resource, scopes = directory.resource_from_scopes(form["scope"])
        # kept with the OIDC scopes: offline_access decides whether a refresh token is given
        scope = " ".join(scopes + [s for s in form["scope"].split()
                                   if s in directory.OIDC_SCOPES])
    if tenant_id and not directory.known_resource(session, tenant_id, resource):
        raise errors.resource_not_found(resource, tenant_id)
    return resource, scope


def _user_code() -> str:
    return "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(9))


# --- the /devicelogin pages -------------------------------------------------------------------

def login_page(entra: Entra, request: Request) -> Response:
    return _page("Enter code", _code_form(""))


_OTHER_SITE = ("This page was sent from another site. Open the sign-in page yourself and "
               "enter the code your device shows.")


def _from_other_site() -> Response:
    refused = _page("Enter code", _code_form(_OTHER_SITE))
    refused.status = 403
    return refused


def submit_code(entra: Entra, request: Request) -> Response:
    if request.from_other_site:
        return _from_other_site()
    user_code = _field(request, "otc").upper().replace("-", "")
    problem = _code_refusal(entra, request, user_code)
    if problem:
        return _page("Enter code", _code_form(problem))
    return _page("Sign in", _signin_form(user_code, ""))


def _code_refusal(entra: Entra, request: Request, user_code: str) -> str:
    """What is wrong with the code (empty when nothing); codes that match no sign-in are
    counted per place, and too many of them a minute stop further tries from there."""
    now, key = entra.clock.now(), lockout.code_key(request.client[0])
    with entra.store.session() as session:
        waiting = lockout.locked_for(session, key, now)
        problem = "" if waiting else _code_problem(session, user_code, now)
    if waiting:
        return (f"Too many codes that match no sign-in were tried from here. Try again in "
                f"{int(waiting) + 1} seconds.")
    if problem == _NOT_FOUND:
        lockout.client_failed(entra.store, key, now, lockout.CODE_GUESSES)
    return problem


def sign_in(entra: Entra, request: Request) -> Response:
    if request.from_other_site:
        return _from_other_site()
    user_code = _field(request, "otc")
    problem = _code_refusal(entra, request, user_code)
    if problem:
        return _page("Enter code", _code_form(problem))
    now = entra.clock.now()
    with entra.store.session() as session:
        user = directory.user_by_upn(session, _field(request, "login"))
        row = session.query(models.DeviceCode).filter_by(user_code=user_code).first()
        if row is None:  # redeemed or swept since it was checked
            return _page("Enter code", _code_form("That code has expired."))
        key = lockout.user_key(user.object_id, request.client[0]) if user else ""
        locked = user is not None and lockout.locked_for(session, key, now)
        if locked:
            return _page("Sign in", _signin_form(user_code, f"{errors.account_locked()} Try "
                                                            f"again in {int(locked) + 1} "
                                                            "seconds."))
        matched = directory.password_of(user, _field(request, "passwd"))
        if user is None or not matched:
            if user is not None:
                lockout.user_failed(entra.store, key, now)
            return _page("Sign in", _signin_form(user_code, "Your account or password is "
                                                            "incorrect."))
        lockout.succeeded(entra.store, key)
        if row.tenant_id and user.tenant_id != row.tenant_id:
            return _page("Sign in", _signin_form(user_code, f"User account '{user.upn}' does "
                                                            "not exist in the tenant of this "
                                                            "request."))
        app_name = directory.FIRST_PARTY_CLIENTS.get(row.client_id, row.client_id)
        session_id = entra.consents.open(user_code, user.object_id, now)
    return _page("Permissions requested", _consent_form(session_id, app_name, user.upn))


def consent(entra: Entra, request: Request) -> Response:
    if request.from_other_site:
        return _from_other_site()
    now = entra.clock.now()
    taken = entra.consents.take(_field(request, "session"), now)
    if taken is None:
        return _page("Enter code", _code_form("Your sign-in session expired; enter the code "
                                              "again."))
    user_code, user_object_id = taken
    approved = _field(request, "action") == "approve"
    with entra.store.writing() as session:  # (FOR UPDATE: one answer, whichever worker)
        row = session.query(models.DeviceCode).filter_by(user_code=user_code) \
            .with_for_update().first()
        if row is None or row.expires_at < now:
            return _page("Enter code", _code_form("That code has expired."))
        if row.state != "pending":  # another sign-in answered first: its answer stands
            return _page("Enter code", _code_form("That code was already used."))
        row.state = "approved" if approved else "declined"
        row.user_object_id = user_object_id
    if approved:
        return _page("Signed in", "<p id='result'>You have signed in. You may now close this "
                                  "window and return to the device.</p>")
    return _page("Declined", "<p id='result'>You declined the sign-in. The device will not "
                             "get access.</p>")


_NOT_FOUND = "That code wasn't found. Check the code and try again."


def _code_problem(session: Session, user_code: str, now: float) -> str:
    row = session.query(models.DeviceCode).filter_by(user_code=user_code).first() \
        if user_code else None
    if row is None:
        return _NOT_FOUND
    if row.expires_at < now:
        return "That code has expired. Start the sign-in again on your device."
    if row.state != "pending":
        return "That code was already used."
    return ""


def _field(request: Request, name: str) -> str:
    return request.form().get(name, "").strip()


def _page(title: str, body: str) -> Response:
    return Response.html(200, f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} - cmagent cloud</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:4rem auto}}
.error{{color:#a4262c}}input{{display:block;margin:.5rem 0;padding:.4rem;width:100%}}
button{{margin:.5rem .5rem 0 0;padding:.4rem 1rem}}</style></head>
<body><h1>{html.escape(title)}</h1>{body}</body></html>""")


def _error(message: str) -> str:
    return f"<p class='error' id='error'>{html.escape(message)}</p>" if message else ""


def _code_form(problem: str) -> str:
    return (f"{_error(problem)}<p>Enter the code displayed on your device.</p>"
            "<form method='post' action='/devicelogin'>"
            "<input id='otc' name='otc' placeholder='Code' autocomplete='off' autofocus>"
            "<button id='next' type='submit'>Next</button></form>")


def _signin_form(user_code: str, problem: str) -> str:
    return (f"{_error(problem)}<form method='post' action='/devicelogin/signin'>"
            f"<input type='hidden' name='otc' value='{html.escape(user_code)}'>"
            "<input id='login' name='login' type='email' placeholder='someone@example.com'>"
            "<input id='passwd' name='passwd' type='password' placeholder='Password'>"
            "<button id='signin' type='submit'>Sign in</button></form>")


def _consent_form(session_id: str, app_name: str, upn: str) -> str:
    return (f"<p>Signed in as <b>{html.escape(upn)}</b>.</p>"
            f"<p>Are you trying to sign in to <b>{html.escape(app_name)}</b>? Only continue if "
            "you started this sign-in on your device.</p>"
            "<form method='post' action='/devicelogin/consent'>"
            f"<input type='hidden' name='session' value='{html.escape(session_id)}'>"
            "<button id='approve' name='action' value='approve' type='submit'>Continue</button>"
            "<button id='decline' name='action' value='decline' type='submit'>Cancel</button>"
            "</form>")
