"""The directory's principals as every service creates and finds them: applications with their
service principals, machines' managed identities, users. ARM (a machine's identity), the
management API (applications, role assignments) and HIS all call these; none owns them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from cmagent.cloud import models
from cmagent.cloud.identity import directory

MANAGED_IDENTITY = "managedIdentity"


def create_application(session: Session, tenant_id: str, display_name: str,
                       public_client: bool = False, kind: str = "application",
                       app_id: str | None = None) -> models.Application:
    row = models.Application(**_application(tenant_id, display_name, public_client, kind,
                                            app_id))
    session.add(row)
    return row


def _application(tenant_id: str, display_name: str, public_client: bool, kind: str,
                 app_id: str | None) -> dict[str, Any]:
    return {"app_id": app_id or str(uuid.uuid4()), "tenant_id": tenant_id,
            "object_id": str(uuid.uuid4()), "sp_object_id": str(uuid.uuid4()),
            "display_name": display_name, "public_client": public_client, "kind": kind}


def create_machine_identity(session: Session, tenant_id: str,
                            machine_name: str) -> models.Application:
    """A machine's system-assigned identity: a service principal named after the machine."""
    return create_application(session, tenant_id, machine_name, kind=MANAGED_IDENTITY)


def new_machine_identity(tenant_id: str, machine_name: str) -> dict[str, Any]:
    """The columns of a new machine identity, for a caller that inserts it by Core."""
    return _application(tenant_id, machine_name, False, MANAGED_IDENTITY, None)


def delete_application(session: Session, app_id: str | None) -> None:
    """Remove an application (or identity) and its credentials. Its role assignments stay, as
    Azure leaves them, naming a principal that no longer signs in."""
    app = session.get(models.Application, app_id) if app_id else None
    if app is not None:
        session.delete(app)


def find(session: Session, name: str) -> tuple[str, str] | None:
    """(object id, principal type) of a user (object id or UPN) or a service principal (its
    object id or its application id)."""
    user = directory.user_by_upn(session, name) or session.get(models.User, name.lower())
    if user:
        return user.object_id, "User"
    app = session.get(models.Application, name.lower()) or session.scalars(
        select(models.Application).filter_by(sp_object_id=name.lower())).first()
    if app:
        return app.sp_object_id, "ServicePrincipal"
    return None


def delete_user(session: Session, user: models.User) -> None:
    """Remove a user with its refresh tokens (its sessions end at once). Its role assignments
    stay, as Azure leaves them."""
    session.execute(delete(models.RefreshToken).where(
        models.RefreshToken.user_object_id == user.object_id))
    session.delete(user)


def set_password(user: models.User, password: str) -> None:
    """A new password; every refresh token issued under the old one stops working."""
    user.password_hash = directory.hash_password(password)
