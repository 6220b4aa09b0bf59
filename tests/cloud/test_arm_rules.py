"""The resource manager's rules, seen on the wire: authentication, api-version, RBAC, provider
registration, names and tags, throttling, subscription state, response headers."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.cloud.arm_helpers import ADMINISTRATOR
from tests.cloud.arm_helpers import API
from tests.cloud.arm_helpers import arm_refusal as _error
from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import machine_body
from tests.cloud.arm_helpers import machine_url
from tests.cloud.arm_helpers import onboarding_token
from tests.cloud.arm_helpers import sp_token
from tests.cloud.arm_helpers import subscription_owner


@pytest.fixture
def token(http, onboarding):
    return onboarding_token(http, onboarding)


def test_every_answer_carries_arm_headers(http, onboarding, token) -> None:
    body = machine_body()
    for response in (call(http, "GET", machine_url(onboarding, "none"), token),
                     call(http, "PUT", machine_url(onboarding, "hdr1"), token, body),
                     call(http, "GET", machine_url(onboarding, "x"), None)):
        assert uuid.UUID(response.headers["x-ms-request-id"])
        assert response.headers["x-ms-correlation-request-id"]
        assert response.headers["x-ms-routing-request-id"].startswith("WESTEUROPE:")
    given = http.get(machine_url(onboarding, "hdr1"), headers={
        "Authorization": f"Bearer {token}", "x-ms-correlation-request-id": "my-correlation"})
    assert given.headers["x-ms-correlation-request-id"] == "my-correlation"
    assert int(given.headers["x-ms-ratelimit-remaining-subscription-reads"]) > 0
    written = call(http, "PUT", machine_url(onboarding, "hdr1"), token, body)
    assert int(written.headers["x-ms-ratelimit-remaining-subscription-writes"]) > 0


def test_authentication_failures(cloud, http, onboarding, token) -> None:
    url = machine_url(onboarding, "auth")
    missing = call(http, "GET", url, None)
    assert "missing" in _error(missing, 401, "AuthenticationFailed")
    # the challenge sends a client to this cloud to sign in, not to a public Azure host...
    assert missing.headers["WWW-Authenticate"].startswith(
        f'Bearer authorization_uri="{cloud.url}/common"')
    # ...unless it came by ARM's public name (as in the lab, which answers both names)
    public = http.get(url, headers={"Host": "management.azure.com"})
    assert public.headers["WWW-Authenticate"].startswith(
        'Bearer authorization_uri="https://login.windows.net/common"')
    malformed = http.get(url, headers={"Authorization": "Token abc"})
    _error(malformed, 401, "AuthenticationFailedInvalidHeader")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(claims, rsa.generate_private_key(public_exponent=65537, key_size=2048),
                        algorithm="RS256", headers={"kid": jwt.get_unverified_header(token)["kid"]})
    _error(call(http, "GET", url, forged), 401, "InvalidAuthenticationToken")
    graph = sp_token(http, cloud.url, onboarding["tenantId"], onboarding["servicePrincipalId"],
                     onboarding["servicePrincipalSecret"], "https://graph.microsoft.com/.default")
    message = _error(call(http, "GET", url, graph), 401, "InvalidAuthenticationTokenAudience")
    assert "'https://graph.microsoft.com'" in message
    other = cloud.quickstart()
    foreign = onboarding_token(http, other)
    message = _error(call(http, "GET", url, foreign), 401, "InvalidAuthenticationTokenTenant")
    assert f"https://sts.windows.net/{onboarding['tenantId']}/" in message
    assert f"Please use the authority (URL) '{cloud.url}/{onboarding['tenantId']}'" in message
    cloud.admin.call("POST", "/clock", {"advanceSeconds": 2 * 3600})
    try:
        message = _error(call(http, "GET", url, token), 401, "ExpiredAuthenticationToken")
        assert "is earlier than current UTC time" in message
    finally:
        cloud.admin.call("POST", "/clock", {"reset": True})


def test_api_versions(http, onboarding, token) -> None:
    base = machine_url(onboarding, "ver").split("?")[0]
    _error(http.get(base, headers={"Authorization": f"Bearer {token}"}), 400,
           "MissingApiVersionParameter")
    message = _error(call(http, "GET", base + "?api-version=2019-03-19", token), 400,
                     "NoRegisteredProviderFound")
    assert "2024-07-10" in message and "2025-01-13" in message and "2026-07-15" in message
    body = machine_body()
    for version in ("2019-03-18-preview", "2023-10-03-preview", "2024-05-20-preview",
                    "2025-02-19-preview", "2025-06-01", "2024-07-10", "2025-01-13", "2026-07-15"):
        assert call(http, "PUT", f"{base}?api-version={version}", token, body).status_code == 200


def test_onboarding_role_can_write_but_not_delete(http, onboarding, token) -> None:
    url = machine_url(onboarding, "rbac1")
    assert call(http, "PUT", url, token, machine_body()).status_code == 200
    message = _error(call(http, "DELETE", url, token), 403, "AuthorizationFailed")
    scope = (f"/subscriptions/{onboarding['subscriptionId']}/resourceGroups/"
             f"{onboarding['resourceGroup']}/providers/Microsoft.HybridCompute/machines/rbac1")
    assert message == (f"The client '{onboarding['servicePrincipalId']}' with object id "
                       f"'{jwt.decode(token, options={'verify_signature': False})['oid']}' does "
                       f"not have authorization to perform action "
                       f"'Microsoft.HybridCompute/machines/delete' over scope '{scope}' or the "
                       "scope is invalid. If access was recently granted, please refresh your "
                       "credentials.")
    register = call(http, "POST", f"{onboarding['cloud']}/subscriptions/"
                    f"{onboarding['subscriptionId']}/providers/Microsoft.HybridCompute/register"
                    "?api-version=2016-02-01", token)
    assert "Microsoft.HybridCompute/register/action" in _error(register, 403,
                                                                  "AuthorizationFailed")


def test_no_role_on_another_group(cloud, http, onboarding, token) -> None:
    cloud.admin.call("POST", "/resourceGroups", {"subscriptionId": onboarding["subscriptionId"],
                                                 "name": "other-rg", "location": "westeurope"})
    url = machine_url(onboarding | {"resourceGroup": "other-rg"}, "m1")
    assert "Microsoft.HybridCompute/machines/read" in _error(call(http, "GET", url, token), 403,
                                                             "AuthorizationFailed")


def test_resource_administrator_deletes(cloud, http) -> None:
    admin_sp = cloud.quickstart(ADMINISTRATOR)
    token = onboarding_token(http, admin_sp)
    url = machine_url(admin_sp, "gone")
    call(http, "PUT", url, token, machine_body())
    assert call(http, "DELETE", url, token).status_code == 200
    assert "was not found" in _error(call(http, "GET", url, token), 404, "ResourceNotFound")
    assert call(http, "DELETE", url, token).status_code == 204


def test_unregistered_provider_is_409(cloud, http, onboarding, token) -> None:
    cloud.admin.call("PUT", f"/providers/{onboarding['subscriptionId']}/Microsoft.HybridCompute",
                     {"registrationState": "NotRegistered"})
    response = call(http, "PUT", machine_url(onboarding, "reg"), token, machine_body())
    message = _error(response, 409, "MissingSubscriptionRegistration")
    assert message == ("The subscription is not registered to use namespace "
                       "'Microsoft.HybridCompute'. See https://aka.ms/rps-not-found for how to "
                       "register subscriptions.")
    assert response.json()["error"]["details"][0]["target"] == "Microsoft.HybridCompute"


def test_provider_registration_with_owner(cloud, http, onboarding) -> None:
    owner = cloud.admin.call("POST", "/applications", {"tenantId": onboarding["tenantId"],
                                                       "displayName": "owner"})
    secret = cloud.admin.call("POST", f"/applications/{owner['appId']}/secrets", {})
    cloud.admin.call("POST", "/roleAssignments", {"principalId": owner["appId"], "role": "Owner",
                                                  "scope": f"/subscriptions/"
                                                           f"{onboarding['subscriptionId']}"})
    token = sp_token(http, cloud.url, onboarding["tenantId"], owner["appId"],
                     secret["secretText"])
    base = f"{cloud.url}/subscriptions/{onboarding['subscriptionId']}/providers"
    cloud.admin.call("PUT", f"/providers/{onboarding['subscriptionId']}/Microsoft.AzureArcData",
                     {"registrationState": "NotRegistered"})
    before = call(http, "GET", f"{base}/Microsoft.AzureArcData?api-version=2022-12-01", token)
    assert before.json()["registrationState"] == "NotRegistered"
    after = call(http, "POST", f"{base}/Microsoft.AzureArcData/register?api-version=2022-12-01",
                 token)
    assert after.status_code == 200 and after.json()["registrationState"] == "Registered"
    group = call(http, "PUT", f"{cloud.url}/subscriptions/{onboarding['subscriptionId']}/"
                 "resourceGroups/new-rg?api-version=2022-09-01", token, {"location": "eastus"})
    assert group.status_code == 201 and group.json()["name"] == "new-rg"
    subscriptions = call(http, "GET", f"{cloud.url}/subscriptions?api-version=2022-12-01",
                         token).json()["value"]
    assert [s["displayName"] for s in subscriptions] == [onboarding["subscriptionName"]]


def test_missing_group_and_subscription(http, onboarding, token) -> None:
    url = machine_url(onboarding | {"resourceGroup": "arc-servers"}, "x")
    _error(call(http, "GET", url.replace(onboarding["subscriptionId"], str(uuid.uuid4())), token),
           404, "SubscriptionNotFound")
    assert _error(call(http, "GET", url.replace(onboarding["subscriptionId"], "not-a-guid"),
                       token), 400, "InvalidSubscriptionId") == \
        "The provided subscription identifier 'not-a-guid' is malformed or invalid."
    message = _error(call(http, "GET", f"{onboarding['cloud']}/subscriptions/"
                          f"{onboarding['subscriptionId']}/resourceGroups/arc-servers-nope"
                          f"?api-version=2022-09-01", token), 403, "AuthorizationFailed")
    assert "resourceGroups/read" in message


def test_missing_group_is_404_for_an_owner(cloud, http, onboarding) -> None:
    owner = subscription_owner(cloud)
    token = onboarding_token(http, owner)
    url = machine_url(owner | {"resourceGroup": "arc-servers"}, "x")
    missing = url.replace("/resourceGroups/arc-servers/", "/resourceGroups/nowhere/")
    assert _error(call(http, "GET", missing, token), 404, "ResourceGroupNotFound") == \
        "Resource group 'nowhere' could not be found."


@pytest.mark.parametrize("name,code", [("bad name", "InvalidResourceName"),
                                       ("x" * 55, "InvalidResourceName"),
                                       ("Exchange", "ReservedResourceName"),
                                       ("my-microsoft-box", "ReservedResourceName"),
                                       ("loginserver", "ReservedResourceName")])
def test_name_rules(http, onboarding, token, name, code) -> None:
    _error(call(http, "PUT", machine_url(onboarding, name), token, machine_body()), 400, code)


@pytest.mark.parametrize("tags,code", [({"a/b": "x"}, "InvalidTagNameCharacters"),
                                       ({"n": "v" * 257}, "InvalidTagNameOrValueLength"),
                                       ({f"t{i}": "v" for i in range(51)}, "InvalidTagCount")])
def test_tag_rules(http, onboarding, token, tags, code) -> None:
    _error(call(http, "PUT", machine_url(onboarding, "tagged"), token,
                machine_body() | {"tags": tags}), 400, code)


def test_body_rules(http, onboarding, token) -> None:
    url = machine_url(onboarding, "body")
    _error(call(http, "PUT", url, token, {"properties": {}}), 400, "LocationRequired")
    nowhere = _error(call(http, "PUT", url, token, machine_body() | {"location": "nowhere"}),
                     400, "LocationNotAvailableForResourceType")
    assert "'nowhere'" in nowhere and "westeurope" in nowhere
    spaced_url = machine_url(onboarding, "spaced")
    spaced = call(http, "PUT", spaced_url, token, machine_body() | {"location": "West Europe"})
    assert spaced.status_code == 200 and spaced.json()["location"] == "westeurope", spaced.text
    again = call(http, "PUT", spaced_url, token,
                 machine_body(vm_id=spaced.json()["properties"]["vmId"]))
    assert again.status_code == 200, again.text  # 'westeurope' is the same place
    moved = call(http, "PUT", spaced_url, token,
                 machine_body(vm_id=spaced.json()["properties"]["vmId"]) |
                 {"location": "japaneast"})
    assert "cannot be created in location 'japaneast'" in _error(moved, 409,
                                                                "InvalidResourceLocation")
    unset = machine_body() | {"properties": {"vmId": None}}  # null: as if absent
    assert call(http, "PUT", machine_url(onboarding, "nullvm"), token, unset).status_code == 200
    assert call(http, "PUT", machine_url(onboarding, "nullvm"), token, unset).status_code == 200
    bad_vm = machine_body(vm_id="not-a-guid")
    assert "VmId" in _error(call(http, "PUT", url, token, bad_vm), 400, "HCRP400")
    bad_key = machine_body() | {"properties": {"clientPublicKey": "bm90IGEga2V5"}}
    assert "ClientPublicKey" in _error(call(http, "PUT", url, token, bad_key), 400, "HCRP400")
    user_assigned = machine_body() | {"identity": {"type": "UserAssigned"}}
    _error(call(http, "PUT", url, token, user_assigned), 400, "InvalidIdentityType")
    created = call(http, "PUT", url, token, machine_body()).json()
    moved = machine_body(vm_id=str(uuid.uuid4()))
    _error(call(http, "PUT", url, token, moved), 400, "HCRP400")
    assert created["properties"]["status"] == "AwaitingConnection"
    assert created["systemData"]["createdByType"] == "Application"


def test_throttling_answers_429_with_retry_after(cloud, http, onboarding, token) -> None:
    cloud.admin.call("PATCH", "/throttling", {"writes": {"capacity": 2, "refillPerSecond": 0.5}})
    try:
        url, body = machine_url(onboarding, "busy"), machine_body()
        statuses = [call(http, "PUT", url, token, body).status_code for _ in range(2)]
        throttled = call(http, "PUT", url, token, body)
        assert statuses == [200, 200]
        message = _error(throttled, 429, "SubscriptionRequestsThrottled")
        assert message.startswith(f"Number of 'write' requests for subscription "
                                  f"'{onboarding['subscriptionId']}' actor '")
        assert int(throttled.headers["Retry-After"]) >= 1
        assert throttled.headers["x-ms-ratelimit-remaining-subscription-writes"] == "0"
        assert call(http, "GET", url, token).status_code == 200  # reads have their own bucket
        time.sleep(2.1)
        assert call(http, "PUT", url, token, body).status_code == 200
    finally:
        cloud.admin.call("PATCH", "/throttling", {"writes": {"capacity": 200,
                                                             "refillPerSecond": 10}})


def test_disabled_subscription_is_read_only(cloud, http, onboarding, token) -> None:
    url, body = machine_url(onboarding, "ro"), machine_body()
    call(http, "PUT", url, token, body)
    cloud.admin.call("PATCH", f"/subscriptions/{onboarding['subscriptionId']}",
                     {"state": "Disabled"})
    _error(call(http, "PUT", url, token, body), 409, "ReadOnlyDisabledSubscription")
    assert call(http, "GET", url, token).status_code == 200
    assert API in url


def test_a_vm_id_belongs_to_one_machine(http, onboarding, token) -> None:
    """HIS finds a machine by its vmId alone: a second machine with it (any tenant, any case)
    would take over the first one's certificate flow."""
    first = call(http, "PUT", machine_url(onboarding, "first-of-vm"), token, machine_body())
    vm_id = first.json()["properties"]["vmId"]
    second = call(http, "PUT", machine_url(onboarding, "second-of-vm"), token,
                  machine_body(vm_id=vm_id.upper()))
    assert "vmId" in _error(second, 409, "HCRP409")
    assert call(http, "PUT", machine_url(onboarding, "first-of-vm"), token,
                machine_body(vm_id=vm_id)).status_code == 200  # its own replace is fine
