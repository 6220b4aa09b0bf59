"""Resources as every service removes them, the way Azure does: a machine goes with its
system-assigned identity (which then signs in no more), a resource group with every machine in
it. ARM and the management API both call these, so neither can leave an identity or a machine
behind that would outlive its resource or reappear with a new group of the same name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cmagent.cloud import models
from cmagent.cloud import principals


def delete_machine(session: Session, machine: models.Machine) -> None:
    principals.delete_application(session, machine.identity_app_id)
    session.delete(machine)


def delete_group(session: Session, group: models.ResourceGroup) -> int:
    """Delete ``group`` with its machines and their identities; how many machines went. The
    group's row is locked first: machines being created into it (which hold it shared, see
    ``arm.groups.hold_group``) are committed before they are listed, later ones find no group."""
    session.execute(select(models.ResourceGroup.name_key).where(
        models.ResourceGroup.subscription_id == group.subscription_id,
        models.ResourceGroup.name_key == group.name_key).with_for_update())
    machines = session.scalars(select(models.Machine).filter_by(
        subscription_id=group.subscription_id, group_key=group.name_key)).all()
    for machine in machines:
        delete_machine(session, machine)
    session.delete(group)
    return len(machines)
