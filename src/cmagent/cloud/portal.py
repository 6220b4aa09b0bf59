"""A small read-only portal at the address the agent prints as the machine's overview page
(``https://<cloud>/#@<tenant>/resource/<id>/overview``): the machines a signed-in user may read,
filterable by status, and one machine's overview with its status history. Users sign in with
their user name and password in this cloud (as on the device login pages); the session is an
HMAC-signed cookie that expires, ends with a new password and is refused once its user signed
out of it; nothing is writable. Pages are in ``portal_html.py``."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from urllib.parse import unquote

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from cmagent.cloud import envelopes
from cmagent.cloud import models
from cmagent.cloud import portal_html as pages
from cmagent.cloud import status as machine_status
from cmagent.cloud.arm import rbac
from cmagent.cloud.clock import Clock
from cmagent.cloud.http import Request
from cmagent.cloud.http import Response
from cmagent.cloud.http import route
from cmagent.cloud.identity import directory
from cmagent.cloud.identity import lockout
from cmagent.cloud.store import Store

COOKIE = "__Host-cmagent_portal"  # (the prefix: only this host, over HTTPS, for every path)
SESSION_SECONDS = 8 * 3600
HISTORY_SHOWN = 100  # the newest status changes (the cloud keeps beats.HISTORY_KEPT)
KEY_SETTING = "portal.cookieKey"
READ = "Microsoft.HybridCompute/machines/read"
_OVERVIEW = re.compile(r"^subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/"
                       r"Microsoft\.HybridCompute/machines/([^/]+)/overview$", re.IGNORECASE)


@dataclass(frozen=True)
class PortalSession:
    user: str  # the user's object id
    expires: int  # by real time (the cookie also ends by the cloud's clock)
    digest: str  # of the session id, as a sign-out records it


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Portal:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._cookie_key: bytes | None = None  # read once: every request checks a cookie

    # --- sessions ----------------------------------------------------------------------------

    def _key(self) -> bytes:
        if self._cookie_key is None:
            key = self.store.setting(KEY_SETTING)
            if key is None:
                with self.store.writing() as session:
                    session.merge(models.Setting(key=KEY_SETTING, value=secrets.token_hex(32)))
                key = self.store.setting(KEY_SETTING) or ""
            self._cookie_key = bytes.fromhex(key)
        return self._cookie_key

    def cookie_for(self, user: models.User) -> str:
        expires, really = int(self.clock.now()) + SESSION_SECONDS, int(time.time()) + \
            SESSION_SECONDS  # (by both clocks: the cloud's may be moved back later)
        payload = f"{user.object_id}.{expires}.{really}.{secrets.token_hex(16)}"
        return f"{payload}.{self._signed(payload, user.password_hash)}"

    def _signed(self, payload: str, password_hash: str) -> str:
        """The cookie's signature, over the user's password hash too: a new password ends
        every session signed in with the old one."""
        return hmac.new(self._key(), f"{payload}.{password_hash}".encode(),
                        hashlib.sha256).hexdigest()

    def user_of(self, request: Request) -> str | None:
        """The signed-in user's object id, from a valid cookie unexpired by the cloud's clock
        (moving the clock ends sessions as it ends tokens) and not signed out."""
        held = self._session_of(request)
        return held.user if held is not None else None

    def _session_of(self, request: Request) -> PortalSession | None:
        value = _cookie(request.header("cookie"), COOKIE)
        parts = value.split(".") if value else []
        if len(parts) != 5 or not (parts[1].isdigit() and parts[2].isdigit()) or \
                int(parts[1]) < self.clock.now() or int(parts[2]) < time.time():
            return None
        held = PortalSession(parts[0], int(parts[2]), _digest(parts[3]))
        with self.store.session() as session:
            user = session.get(models.User, held.user)
            stored = user.password_hash if user is not None else None
            ended = session.get(models.PortalSignout, held.digest) is not None
        if stored is None or ended:
            return None
        expected = self._signed(".".join(parts[:4]), stored)
        return held if hmac.compare_digest(expected.encode(), parts[4].encode()) else None

    def _end(self, held: PortalSession) -> None:
        """Sign-out: the session's cookie, wherever it was copied, opens nothing more. Rows
        go once their cookie expired by real time: it opens nothing after that, wherever the
        cloud's clock is moved."""
        gone = time.time()
        with self.store.writing() as session:
            session.merge(models.PortalSignout(session_hash=held.digest,
                                               expires_at=held.expires))
            session.execute(delete(models.PortalSignout).where(
                models.PortalSignout.expires_at < gone))

    # --- handlers ----------------------------------------------------------------------------

    def root(self, request: Request) -> Response:
        """The agent's overview link opens here in a browser; to anything else (a network
        check, a client that asks for JSON) the root stays a path no service answers."""
        if "text/html" not in request.header("accept"):
            return envelopes.for_service("identity")(
                404, "NotFound", "No service answers the path '/'.", None)
        return pages.root()

    def signin_page(self, request: Request) -> Response:
        return pages.signin(_next(request.query.get("next", "")), "")

    def signin(self, request: Request) -> Response:
        form = request.form()
        target = _next(form.get("next", ""))
        if request.from_other_site:
            refused = pages.signin(target, "This sign-in was sent from another site; sign in "
                                           "here.")
            refused.status = 403
            return refused
        user, problem = self._signed_in(request, form)
        if user is None:
            return pages.signin(target, problem)
        return _redirect(target, {"Set-Cookie": f"{COOKIE}={self.cookie_for(user)}; "
                                                f"Path=/; Secure; HttpOnly; SameSite=Lax; "
                                                f"Max-Age={SESSION_SECONDS}"})

    def _signed_in(self, request: Request, form: dict[str, str],
                   ) -> tuple[models.User | None, str]:
        """The user the form names, when its password is right and the user is not locked
        out from the caller's address; else None and what to tell the person."""
        now = self.clock.now()
        with self.store.session() as session:
            user = directory.user_by_upn(session, form.get("login", "").strip())
            key = lockout.user_key(user.object_id, request.client[0]) if user else ""
            locked = user is not None and lockout.locked_for(session, key, now)
            good = directory.password_of(user, form.get("passwd", "")) and not locked
        if locked:
            return None, "The account is locked; try again later."
        if user is None or not good:
            if user is not None:
                lockout.user_failed(self.store, key, now)
            return None, "Your account or password is incorrect."
        lockout.succeeded(self.store, key)
        return user, ""

    def signout(self, request: Request) -> Response:
        if request.from_other_site:  # another site may not sign a person out either
            return _redirect("/portal")
        held = self._session_of(request)
        if held is not None:
            self._end(held)
        return _redirect("/portal/signin", {"Set-Cookie": f"{COOKIE}=; Path=/; Secure; "
                                                          "HttpOnly; SameSite=Lax; Max-Age=0"})

    def machines(self, request: Request) -> Response:
        user = self.user_of(request)
        if user is None:
            return _redirect(f"/portal/signin?next={quote('/portal')}")
        wanted = request.query.get("status", "")
        with self.store.session() as session:
            rows = [self._summary(m, session) for m in _readable(session, user)]
            name = _display_name(session, user)
        chosen = [r for r in rows if not wanted or r["status"].lower() == wanted.lower()]
        return pages.machine_list(name, chosen, wanted, sorted({r["status"] for r in rows}))

    def overview(self, request: Request) -> Response:
        path = request.params.get("path", "")
        user = self.user_of(request)
        if user is None:
            return _redirect(f"/portal/signin?next={quote('/portal/resource/' + path)}")
        match = _OVERVIEW.match(path)
        with self.store.session() as session:
            machine = _find(session, user, *match.groups()) if match else None
            if machine is None:
                return pages.not_found(path)
            details = self._details(machine, session)
            name = _display_name(session, user)
        return pages.overview(name, details)

    # --- data --------------------------------------------------------------------------------

    def _summary(self, machine: models.Machine, session: Session) -> dict[str, Any]:
        now = self.clock.now()
        status, since = machine_status.derive(machine.status, machine.last_status_change,
                                              machine.last_heartbeat, now)
        reported = machine.reported or {}
        group = _group_name(session, machine)
        return {"name": machine.name, "group": group,
                "subscription": machine.subscription_id, "status": status, "since": since,
                "lastHeartbeat": machine.last_heartbeat, "now": now,
                "agentVersion": str(reported.get("agentVersion", "")),
                "os": str(reported.get("osSku") or reported.get("osName") or ""),
                "location": machine.location, "tags": dict((machine.body or {}).get("tags") or {}),
                "id": _resource_id(machine, group)}

    def _details(self, machine: models.Machine, session: Session) -> dict[str, Any]:
        summary = self._summary(machine, session)
        app = session.get(models.Application, machine.identity_app_id) \
            if machine.identity_app_id else None
        errors = (machine.reported or {}).get("errorDetails") or []
        errors = errors if isinstance(errors, list) else []  # (reports of older clouds)
        return {**summary, "vmId": machine.vm_id, "created": machine.created_at,
                "principalId": app.sp_object_id if app else "",
                "fqdn": str((machine.reported or {}).get("machineFqdn", "")),
                "osVersion": str((machine.reported or {}).get("osVersion", "")),
                "lastError": errors[0] if errors and isinstance(errors[0], dict) else None,
                "history": _history(session, machine, summary)}


def _history(session: Session, machine: models.Machine,
             summary: dict[str, Any]) -> list[tuple[float, str, str]]:
    events = [(machine.created_at, "Created (AwaitingConnection)", "")]
    recent = list(session.scalars(
        select(models.MachineEvent).where(models.MachineEvent.machine_id == machine.id)
        .order_by(models.MachineEvent.id.desc()).limit(HISTORY_SHOWN)))
    events += [(e.at, e.status, e.detail or "") for e in sorted(recent,
                                                                key=lambda e: (e.at, e.id))]
    if summary["status"] != (events[-1][1] if len(events) > 1 else machine.status):
        events.append((summary["since"], summary["status"], "no heartbeat since"))
    return events


def _readable(session: Session, user: str) -> list[models.Machine]:
    subscriptions = rbac.visible_subscriptions(session, user)
    rows = session.scalars(select(models.Machine).where(
        models.Machine.subscription_id.in_(subscriptions))
        .order_by(models.Machine.subscription_id, models.Machine.name_key)).all()
    return [m for m in rows if rbac.allowed(session, user, READ, _resource_id(m, m.group_key))]


def _find(session: Session, user: str, subscription: str, group: str,
          name: str) -> models.Machine | None:
    machine = session.scalars(select(models.Machine).filter_by(
        subscription_id=subscription.lower(), group_key=group.lower(),
        name_key=name.lower())).first()
    if machine is None or not rbac.allowed(session, user, READ,
                                           _resource_id(machine, machine.group_key)):
        return None  # not there, or not the user's to read: the same answer
    return machine


def _group_name(session: Session, machine: models.Machine) -> str:
    group = session.scalars(select(models.ResourceGroup).filter_by(
        subscription_id=machine.subscription_id, name_key=machine.group_key)).first()
    return group.name if group else machine.group_key


def _resource_id(machine: models.Machine, group: str) -> str:
    return (f"/subscriptions/{machine.subscription_id}/resourceGroups/{group}/providers/"
            f"Microsoft.HybridCompute/machines/{machine.name}")


def _display_name(session: Session, user: str) -> str:
    row = session.get(models.User, user)
    return row.upn if row else user


def _cookie(header: str, name: str) -> str:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


_PORTAL_PATH = re.compile(r"^/portal(?:[/?][A-Za-z0-9._~()/?=&%+:@,-]*)?\Z")


def _next(target: str) -> str:
    """Only a path of this portal, as given (no '..', '//', control or non-ASCII characters,
    which a Location header could not carry): never another site or page."""
    segments = unquote(target.split("?")[0]).split("/")
    fine = _PORTAL_PATH.match(target) and "//" not in target and \
        not {".", ".."} & set(segments)
    return target if fine else "/portal"


def _redirect(location: str, headers: dict[str, str] | None = None) -> Response:
    return Response(303, b"", "text/plain", {"Location": location, **(headers or {})})


def routes(portal: Portal) -> list[Any]:
    plain = envelopes.for_service("portal")
    return [route("/", {"GET": portal.root}, plain),
            route("/portal", {"GET": portal.machines}, plain, offload=True),
            route("/portal/signin", {"GET": portal.signin_page, "POST": portal.signin}, plain,
                  offload=True),
            route("/portal/signout", {"POST": portal.signout}, plain),
            route("/portal/resource/{path:path}", {"GET": portal.overview}, plain,
                  offload=True)]
