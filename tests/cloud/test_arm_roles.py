"""Role assignments and definitions through ARM, with azure-mgmt-authorization unmodified: an
owner grants a fleet's onboarding principal its role, the grant takes effect at once, and the
refusals are ARM's."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.authorization import AuthorizationManagementClient

from tests.cloud.arm_helpers import TokenCredential
from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import contributor
from tests.cloud.arm_helpers import machine_body
from tests.cloud.arm_helpers import machine_url
from tests.cloud.arm_helpers import onboarding_token
from tests.cloud.arm_helpers import subscription_owner

ONBOARDING_ROLE = "b64e21ea-ac4e-4cdf-9dc9-5b892992bee7"


def _client(cloud, principal) -> AuthorizationManagementClient:
    return AuthorizationManagementClient(TokenCredential(cloud.session(), principal),
                                         principal["subscriptionId"], base_url=cloud.url,
                                         connection_verify=cloud.ca)


def _object_id(cloud, app_id: str) -> str:
    apps = cloud.admin.call("GET", "/applications")
    return next(a["servicePrincipalObjectId"] for a in apps if a["appId"] == app_id)


@pytest.fixture
def owner(cloud):
    return subscription_owner(cloud)


def _fleet_principal(cloud, owner) -> dict:
    """A new service principal in the owner's tenant, with no role yet."""
    app = cloud.admin.call("POST", "/applications", {"tenantId": owner["tenantId"],
                                                     "displayName": "fleet"})
    secret = cloud.admin.call("POST", f"/applications/{app['appId']}/secrets", {})
    return {**owner, "servicePrincipalId": app["appId"],
            "servicePrincipalSecret": secret["secretText"],
            "objectId": app["servicePrincipalObjectId"]}


def test_an_owner_grants_the_onboarding_role_and_takes_it_back(cloud, http, owner) -> None:
    client = _client(cloud, owner)
    group = f"/subscriptions/{owner['subscriptionId']}/resourceGroups/{owner['resourceGroup']}"
    [role] = client.role_definitions.list(group, filter="roleName eq "
                                                        "'Azure Connected Machine Onboarding'")
    assert role.name == ONBOARDING_ROLE and role.role_type == "BuiltInRole"
    fleet = _fleet_principal(cloud, owner)
    token = onboarding_token(http, fleet)
    assert call(http, "PUT", machine_url(fleet, "m1"), token, machine_body()).status_code == 403
    name = str(uuid.uuid4())
    made = client.role_assignments.create(group, name, {"role_definition_id": role.id,
                                                        "principal_id": fleet["objectId"]})
    assert (made.name, made.principal_type, made.scope) == (name, "ServicePrincipal", group)
    assert made.id == f"{group}/providers/Microsoft.Authorization/roleAssignments/{name}"
    assert call(http, "PUT", machine_url(fleet, "m1"), token, machine_body()).status_code == 200
    mine = client.role_assignments.list_for_scope(
        f"/subscriptions/{owner['subscriptionId']}", filter=f"principalId eq '{fleet['objectId']}'")
    assert [a.name for a in mine] == [name]  # below the scope, for one principal
    at_subscription = client.role_assignments.list_for_scope(
        f"/subscriptions/{owner['subscriptionId']}", filter="atScope()")
    assert name not in {a.name for a in at_subscription}  # at and above only
    with pytest.raises(HttpResponseError) as twice:
        client.role_assignments.create(group, str(uuid.uuid4()), {
            "role_definition_id": role.id, "principal_id": fleet["objectId"]})
    assert twice.value.status_code == 409 and twice.value.error.code == "RoleAssignmentExists"
    assert client.role_assignments.delete(group, name).name == name
    assert client.role_assignments.delete(group, name) is None  # 204: nothing to delete
    assert call(http, "PUT", machine_url(fleet, "m2"), token, machine_body()).status_code == 403


def test_role_refusals(cloud, http, owner) -> None:
    client = _client(cloud, owner)
    group = f"/subscriptions/{owner['subscriptionId']}/resourceGroups/{owner['resourceGroup']}"
    role_id = (f"/subscriptions/{owner['subscriptionId']}/providers/Microsoft.Authorization/"
               f"roleDefinitions/{ONBOARDING_ROLE}")
    cases = [(str(uuid.uuid4()), role_id, str(uuid.uuid4()), 400, "PrincipalNotFound"),
             (str(uuid.uuid4()), role_id.replace(ONBOARDING_ROLE, str(uuid.uuid4())),
              _object_id(cloud, owner["servicePrincipalId"]), 400, "RoleDefinitionDoesNotExist"),
             ("not-a-guid", role_id, _object_id(cloud, owner["servicePrincipalId"]), 400,
              "InvalidRoleAssignmentId")]
    for name, definition, principal, status, code in cases:
        with pytest.raises(HttpResponseError) as refused:
            client.role_assignments.create(group, name, {"role_definition_id": definition,
                                                         "principal_id": principal})
        assert (refused.value.status_code, refused.value.error.code) == (status, code)
    with pytest.raises(HttpResponseError) as missing:
        client.role_definitions.get(group, str(uuid.uuid4()))
    assert missing.value.error.code == "RoleDefinitionDoesNotExist"
    with pytest.raises(HttpResponseError) as nowhere:
        list(client.role_assignments.list_for_scope(group.replace(owner["resourceGroup"],
                                                                  "nope")))
    assert nowhere.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(HttpResponseError) as odd:
        list(client.role_assignments.list_for_scope(group, filter="roleName eq 'x'"))
    assert odd.value.status_code == 400 and odd.value.error.code == "UnsupportedQuery"


def test_a_contributor_may_read_roles_but_not_grant_them(cloud) -> None:
    helper = contributor(cloud)
    client = _client(cloud, helper)
    scope = f"/subscriptions/{helper['subscriptionId']}"
    assert any(a.role_definition_id.endswith("b24988ac-6180-42a0-ab88-20f7382dd24c")
               for a in client.role_assignments.list_for_scope(scope))
    with pytest.raises(HttpResponseError) as denied:
        client.role_assignments.create(scope, str(uuid.uuid4()), {
            "role_definition_id": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/"
                                  f"{ONBOARDING_ROLE}",
            "principal_id": _object_id(cloud, helper["servicePrincipalId"])})
    assert denied.value.status_code == 403 and "roleAssignments/write" in denied.value.message


def test_a_grant_that_raced_past_the_check_is_stored_once(cloud, owner, monkeypatch) -> None:
    """Two workers may both find no such grant before either writes (the check is skipped
    here to make that happen): the database keeps one, the other PUT is a conflict, and the
    management API gives a grant twice as the one it has."""
    from cmagent.cloud.arm import authorization

    client = _client(cloud, owner)
    group = f"/subscriptions/{owner['subscriptionId']}/resourceGroups/{owner['resourceGroup']}"
    fleet = _fleet_principal(cloud, owner)
    grant = {"role_definition_id": f"{group}/providers/Microsoft.Authorization/roleDefinitions/"
                                   f"{ONBOARDING_ROLE}", "principal_id": fleet["objectId"]}
    first = client.role_assignments.create(group, str(uuid.uuid4()), grant)
    monkeypatch.setattr(authorization, "_refuse_duplicate", lambda *args: None)
    with pytest.raises(HttpResponseError) as raced:
        client.role_assignments.create(group, str(uuid.uuid4()), grant)
    assert (raced.value.status_code, raced.value.error.code) == (409, "Conflict")
    again = cloud.admin.call("POST", "/roleAssignments", {
        "principalId": fleet["servicePrincipalId"], "role": ONBOARDING_ROLE, "scope": group})
    assert again["id"] == first.name
    held = client.role_assignments.list_for_scope(group, filter=f"principalId eq "
                                                                f"'{fleet['objectId']}'")
    assert [a.name for a in held] == [first.name]
