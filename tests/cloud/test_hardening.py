"""Hardening of the cloud's identities: nobody takes a machine's identity, an identity ends with
its resource, client assertions are bounded, guessing is throttled (issue 12, items 1-4)."""

from __future__ import annotations

import base64
import re
import time

import pytest
from cryptography.hazmat.primitives import serialization

from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import machine_body
from tests.cloud.arm_helpers import machine_key
from tests.cloud.arm_helpers import machine_url
from tests.cloud.arm_helpers import onboarding_token
from tests.cloud.arm_helpers import sp_token
from tests.cloud.helpers import ARM_SCOPE
from tests.cloud.helpers import AZURE_CLI
from tests.cloud.helpers import new_user
from tests.cloud.helpers import post_form_from
from tests.cloud.test_his import DAY
from tests.cloud.test_his import Enrolled
from tests.cloud.test_identity_errors import _assert_aadsts
from tests.cloud.test_identity_errors import _assertion
from tests.cloud.test_identity_errors import _assertion_form
from tests.cloud.test_identity_errors import _signed
from tests.cloud.test_identity_errors import _token
from tests.cloud.test_identity_errors import cert_sp  # noqa: F401 — a fixture


@pytest.fixture
def clock(cloud):
    yield lambda seconds: cloud.admin.call("POST", "/clock", {"advanceSeconds": seconds})
    cloud.admin.call("POST", "/clock", {"reset": True})


def _public(key) -> str:
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.PKCS1)
    return base64.b64encode(der).decode()


def test_the_onboarding_role_cannot_swap_a_connected_machines_key(cloud, http, onboarding,
                                                                   clock) -> None:
    victim = Enrolled(cloud, http, onboarding, "victim01")
    principal = victim.machine["identity"]["principalId"]
    attacker_key, attacker_public = machine_key()
    token = onboarding_token(http, onboarding)  # holds only "Azure Connected Machine Onboarding"
    swapped = call(http, "PUT", victim.url, token, machine_body(attacker_public, victim.vm_id))
    assert swapped.status_code == 400, swapped.text
    assert swapped.json()["error"]["code"] == "HCRP400"
    assert "ClientPublicKey" in swapped.json()["error"]["message"]
    again = call(http, "PUT", victim.url, token, machine_body(_public(victim.key), victim.vm_id))
    assert again.status_code == 200 and again.json()["identity"]["principalId"] == principal
    without_key = call(http, "PUT", victim.url, token, machine_body(None, victim.vm_id))
    assert without_key.status_code == 200  # the stored key stays
    clock(46 * DAY)  # the certificate is renewable: only the machine's own key gets one
    stolen = victim.fetch_certificate(key=attacker_key)
    assert stolen.status_code == 403 and stolen.json()["error"]["code"] == \
        "ProofOfPossessionFailed"
    assert victim.fetch_certificate().status_code == 201


def _identity_refused(enrolled: Enrolled, resource: str) -> dict:
    answer = enrolled.token(resource)
    assert "access_token" not in answer
    return answer


@pytest.mark.parametrize("via", ["arm", "management"])
def test_deleting_a_group_ends_its_machines_and_their_identities(cloud, http, via) -> None:
    owner = cloud.quickstart("Contributor")
    enrolled = Enrolled(cloud, http, owner, "doomed01")
    assert "access_token" in enrolled.token("https://vault.azure.net")
    group_url = (f"{cloud.url}/subscriptions/{owner['subscriptionId']}/resourceGroups/"
                 f"{owner['resourceGroup']}?api-version=2022-09-01")
    if via == "arm":
        gone = call(http, "DELETE", group_url, onboarding_token(http, owner))
        assert gone.status_code == 202, gone.text  # done when answered, polled as ARM's
    else:
        deleted = cloud.admin.call("DELETE", f"/resourceGroups/{owner['subscriptionId']}/"
                                             f"{owner['resourceGroup']}")
        assert deleted["machinesDeleted"] == 1
    refused = _identity_refused(enrolled, "https://storage.azure.com")
    assert refused["error_codes"] == [700016]  # the identity is gone, not just its resource
    cloud.admin.call("POST", "/resourceGroups", {"subscriptionId": owner["subscriptionId"],
                                                 "name": owner["resourceGroup"],
                                                 "location": "westeurope"})
    lookup = call(http, "GET", machine_url(owner, "doomed01"), onboarding_token(http, owner))
    assert lookup.status_code == 404, lookup.text  # nothing reappears with the new group
    assert not [m for m in cloud.admin.call("GET", "/machines")
                if m["subscriptionId"] == owner["subscriptionId"]]


def test_assertions_are_bounded_in_time_and_need_a_jti(cloud, onboarding, http,
                                                        cert_sp) -> None:  # noqa: F811
    key_pem, sha1, audience = cert_sp
    client, tenant = onboarding["servicePrincipalId"], onboarding["tenantId"]

    def attempt(**claims):
        built = {name: value for name, value in
                 _assertion(key_pem, client, audience, **claims).items() if value is not None}
        token = _signed(built, key_pem, sha1)
        return _token(http, cloud, tenant, **_assertion_form(onboarding, token))

    decade = attempt(exp=time.time() + 10 * 365 * 86400)
    _assert_aadsts(decade, 400, "invalid_client", 700024, "Client assertion is not within")
    assert "at most 60 minutes" in decade.json()["error_description"]
    _assert_aadsts(attempt(exp=1e308), 400, "invalid_client", 700024)
    _assert_aadsts(attempt(jti=None), 401, "invalid_client", 50027)
    assert attempt(iat=None).status_code == 200  # MSAL .NET sends no iat
    assert attempt(exp=time.time() + 3600).status_code == 200


def test_replayed_assertions_are_refused_when_the_operator_says_so(cloud, onboarding, http,
                                                                   cert_sp) -> None:  # noqa: F811
    key_pem, sha1, audience = cert_sp
    token = _signed(_assertion(key_pem, onboarding["servicePrincipalId"], audience), key_pem,
                    sha1)
    form = _assertion_form(onboarding, token)
    # Entra ID's own behaviour: MSAL reuses one assertion for up to nine minutes.
    assert all(_token(http, cloud, onboarding["tenantId"], **form).status_code == 200
               for _ in range(3))
    cloud.admin.call("PATCH", "/settings", {"assertionReplay": "refuse"})
    try:
        fresh = _signed(_assertion(key_pem, onboarding["servicePrincipalId"], audience),
                        key_pem, sha1)
        form = _assertion_form(onboarding, fresh)
        assert _token(http, cloud, onboarding["tenantId"], **form).status_code == 200
        _assert_aadsts(_token(http, cloud, onboarding["tenantId"], **form), 401,
                       "invalid_client", 50013, "Assertion is invalid: its 'jti' was already")
    finally:
        cloud.admin.call("PATCH", "/settings", {"assertionReplay": "allow"})


def test_guessing_a_secret_is_throttled_per_client(cloud, http, clock) -> None:
    target = cloud.quickstart()
    form = {"grant_type": "client_credentials", "client_id": target["servicePrincipalId"],
            "scope": ARM_SCOPE[0]}
    statuses = [_token(http, cloud, target["tenantId"], **form,
                       client_secret=f"guess-{i}").status_code for i in range(10)]
    assert statuses == [401] * 10
    throttled = _token(http, cloud, target["tenantId"], **form,
                       client_secret=target["servicePrincipalSecret"])
    _assert_aadsts(throttled, 429, "temporarily_unavailable", 90055)
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    other = cloud.quickstart()  # another client is not held up
    assert sp_token(http, cloud.url, other["tenantId"], other["servicePrincipalId"],
                    other["servicePrincipalSecret"])
    # nor is this client elsewhere: a client id is no secret, and guessing from one address
    # must not lock a fleet's onboarding out
    elsewhere = post_form_from("127.0.0.2", cloud, f"/{target['tenantId']}/oauth2/v2.0/token",
                               form | {"client_secret": target["servicePrincipalSecret"]})
    assert elsewhere[0] == 200, elsewhere
    clock(61)
    assert _token(http, cloud, target["tenantId"], **form,
                  client_secret=target["servicePrincipalSecret"]).status_code == 200


def _sign_in(http, cloud, tenant: str, upn: str, password: str) -> str:
    code = http.post(f"{cloud.url}/{tenant}/oauth2/v2.0/devicecode",
                     data={"client_id": AZURE_CLI, "scope": ARM_SCOPE[0]}).json()["user_code"]
    return http.post(f"{cloud.url}/devicelogin/signin",
                     data={"otc": code, "login": upn, "passwd": password}).text


def test_smart_lockout_of_a_user(cloud, onboarding, http, clock) -> None:
    tenant = onboarding["tenantId"]
    user = new_user(cloud, tenant)
    cloud.admin.call("PATCH", "/settings", {"lockoutThreshold": 3, "lockoutSeconds": 30})
    try:
        for attempt in range(3):
            page = _sign_in(http, cloud, tenant, user["userPrincipalName"], f"wrong-{attempt}")
            assert "account or password is incorrect" in page
        locked = _sign_in(http, cloud, tenant, user["userPrincipalName"], user["password"])
        assert "AADSTS50053" in locked and "Permissions requested" not in locked
        assert re.search(r"Try again in \d+ seconds", locked)
        clock(31)
        assert "Permissions requested" in _sign_in(http, cloud, tenant, user["userPrincipalName"],
                                                   user["password"])
    finally:
        cloud.admin.call("PATCH", "/settings", {"lockoutThreshold": 10, "lockoutSeconds": 60})
