"""Machine GET and PUT read and write by Core statements, not the ORM: what they store is what
the ORM reads back, and every check they make reads the database afresh (a revoked role, an
unregistered provider or a deleted group counts at the next call), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cmagent.cloud import models
from cmagent.cloud.store import Store
from cmagent.cloud.store import lean_first
from cmagent.cloud.store import lean_run
from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import machine_body
from tests.cloud.arm_helpers import machine_key
from tests.cloud.arm_helpers import machine_url
from tests.cloud.arm_helpers import onboarding_token


def _stored(cloud: Any, vm_id: str) -> tuple[models.Machine, models.Application]:
    with cloud.services.store.session() as session:
        machine = session.scalars(select(models.Machine).filter_by(vm_id=vm_id)).one()
        app = session.get(models.Application, machine.identity_app_id)
        assert app is not None
        return machine, app


def test_a_created_machine_is_stored_as_the_orm_reads_it(cloud, http, onboarding) -> None:
    token = onboarding_token(http, onboarding)
    body = machine_body(machine_key()[1], vm_id="5D3B1C2A-0F6E-4B8A-9C7D-1E2F3A4B5C6D")
    created = call(http, "PUT", machine_url(onboarding, "Lean01"), token, body)
    assert created.status_code == 200, created.text
    machine, app = _stored(cloud, "5d3b1c2a-0f6e-4b8a-9c7d-1e2f3a4b5c6d")
    assert (machine.name, machine.name_key, machine.group_key, machine.location) == \
        ("Lean01", "lean01", onboarding["resourceGroup"].lower(), "westeurope")
    assert (machine.status, machine.reported, machine.last_heartbeat) == \
        ("AwaitingConnection", {}, None)
    assert machine.body["tags"] == {"env": "test"}
    assert machine.body["properties"]["clientPublicKey"] == body["properties"]["clientPublicKey"]
    assert machine.body["systemData"]["createdByType"] == "Application"
    assert (app.kind, app.display_name, app.tenant_id, app.public_client) == \
        ("managedIdentity", "Lean01", onboarding["tenantId"], False)
    assert created.json()["identity"] == {"type": "SystemAssigned",
                                          "principalId": app.sp_object_id,
                                          "tenantId": onboarding["tenantId"]}
    assert call(http, "GET", machine_url(onboarding, "lean01"), token).json() == created.json()


def test_a_put_of_an_existing_machine_still_replaces_it(cloud, http, onboarding) -> None:
    token = onboarding_token(http, onboarding)
    url = machine_url(onboarding, "lean02")
    first = call(http, "PUT", url, token, machine_body()).json()
    again = dict(machine_body(vm_id=first["properties"]["vmId"]), tags={"env": "prod"})
    second = call(http, "PUT", url, token, again)
    assert second.status_code == 200, second.text
    assert second.json()["tags"] == {"env": "prod"}
    assert second.json()["identity"] == first["identity"]
    assert second.json()["systemData"]["createdAt"] == first["systemData"]["createdAt"]


@pytest.mark.parametrize("change, status, code", [
    ("revoke", 403, "AuthorizationFailed"),
    ("unregister", 409, "MissingSubscriptionRegistration"),
    ("delete group", 404, "ResourceGroupNotFound")])
def test_every_check_reads_the_database_afresh(cloud, http, onboarding, change, status,
                                               code) -> None:
    token = onboarding_token(http, onboarding)
    url = machine_url(onboarding, "lean03")
    assert call(http, "PUT", url, token, machine_body()).status_code == 200
    assert call(http, "GET", url, token).status_code == 200
    _change(cloud.services.store, onboarding, change)
    for method, body in (("GET", None), ("PUT", machine_body())):
        answer = call(http, method, url, token, body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)


def _change(store: Store, onboarding: dict[str, Any], change: str) -> None:
    subscription = onboarding["subscriptionId"]
    with store.writing() as session:
        if change == "revoke":
            session.execute(delete(models.RoleAssignment).where(
                models.RoleAssignment.scope_key.startswith(f"/subscriptions/{subscription}")))
        elif change == "unregister":
            session.execute(delete(models.ProviderRegistration).filter_by(
                subscription_id=subscription))
        else:
            session.execute(delete(models.Machine).filter_by(subscription_id=subscription))
            session.execute(delete(models.ResourceGroup).filter_by(
                subscription_id=subscription))


_TENANTS = select(*models.Tenant.__table__.columns).where(models.Tenant.id == "t-lean")


def test_a_lean_read_sees_what_its_session_has_not_flushed(tmp_path) -> None:
    store = Store.in_data_dir(tmp_path)
    try:
        with store.session() as session:
            session.add(models.Tenant(id="t-lean", display_name="Lean", domain="lean.example"))
            row = lean_first(session, _TENANTS)
            assert (row.id, row.display_name) == ("t-lean", "Lean")
            session.commit()
            session.delete(session.get(models.Tenant, "t-lean"))
            assert lean_first(session, _TENANTS) is None  # read in the session's new transaction
    finally:
        store.close()


def test_a_driver_error_of_a_lean_statement_is_sqlalchemys_own(tmp_path) -> None:
    """So that the endpoint's IntegrityError (409) and DataError (400) answers still apply."""
    store = Store.in_data_dir(tmp_path)
    insert_tenant = insert(models.Tenant.__table__).values(
        {name: bindparam(name) for name in ("id", "domain", "display_name")})
    try:
        with pytest.raises(IntegrityError), store.session() as session:
            for _ in range(2):
                lean_run(session, insert_tenant, id="t-twice", domain="twice.example",
                         display_name="Twice")
        with store.session() as session:
            assert lean_first(session, _TENANTS) is None  # the failed request left nothing
    finally:
        store.close()


def test_a_nul_in_a_machine_name_is_refused_or_not_found(cloud, http, onboarding) -> None:
    """PostgreSQL cannot hold a NUL (400, InvalidRequestContent); SQLite finds nothing (404)."""
    token = onboarding_token(http, onboarding)
    answer = call(http, "GET", machine_url(onboarding, "lean%00x"), token)
    expected = (400, "InvalidRequestContent") if cloud.services.store.shared else \
        (404, "ResourceNotFound")
    assert (answer.status_code, answer.json()["error"]["code"]) == expected


_TENANT = select(*models.Tenant.__table__.columns).where(models.Tenant.id == bindparam("id"))
_INSERT_TENANT = insert(models.Tenant.__table__).values(
    {name: bindparam(name) for name in ("id", "domain", "display_name")})


def _tenant(store: Store, tenant_id: str) -> Any:
    with store.session() as session:
        return lean_first(session, _TENANT, id=tenant_id)


def test_a_unit_holds_lean_statements_and_its_orm_session_in_one_transaction(cloud) -> None:
    """ARM's front door: lean statements first, an ORM session on the same connection later."""
    store = cloud.services.store
    first, second = (f"t-unit-{uuid.uuid4().hex[:8]}" for _ in range(2))
    with store.unit(writing=True) as unit:
        lean_run(unit, _INSERT_TENANT, id=first, domain=f"{first}.example", display_name="First")
        assert unit.session.connection().connection is unit.raw
        stored = unit.session.get(models.Tenant, first)
        assert stored is not None and stored.display_name == "First"
        unit.session.add(models.Tenant(id=second, display_name="Second",
                                       domain=f"{second}.example"))
        assert lean_first(unit, _TENANT, id=second).display_name == "Second"  # flushed first
    assert (_tenant(store, first).domain, _tenant(store, second).domain) == \
        (f"{first}.example", f"{second}.example")


def test_a_failed_unit_leaves_nothing_of_either_kind(cloud) -> None:
    store = cloud.services.store
    first, second = (f"t-unit-{uuid.uuid4().hex[:8]}" for _ in range(2))
    with pytest.raises(RuntimeError, match="handler failed"), \
            store.unit(writing=True) as unit:
        lean_run(unit, _INSERT_TENANT, id=first, domain=f"{first}.example", display_name="First")
        unit.session.add(models.Tenant(id=second, display_name="Second",
                                       domain=f"{second}.example"))
        unit.flush()
        raise RuntimeError("handler failed")
    assert (_tenant(store, first), _tenant(store, second)) == (None, None)


def test_a_unit_whose_commit_fails_leaves_its_lean_writes_undone(cloud) -> None:
    """The ORM's flush at commit fails (a duplicate key): the lean INSERT before it goes too."""
    store = cloud.services.store
    first, second = (f"t-unit-{uuid.uuid4().hex[:8]}" for _ in range(2))
    with pytest.raises(IntegrityError), store.unit(writing=True) as unit:
        lean_run(unit, _INSERT_TENANT, id=first, domain=f"{first}.example", display_name="First")
        unit.session.add(models.Tenant(id=second, display_name="Second",
                                       domain=f"{first}.example"))  # the domain is unique
    assert (_tenant(store, first), _tenant(store, second)) == (None, None)
