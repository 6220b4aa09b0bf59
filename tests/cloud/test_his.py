"""The Hybrid Identity Service: proof of possession, the identity certificate, managed-identity
tokens, renewal, heartbeats and status, clone detection, and deletion."""

from __future__ import annotations

import uuid

import pytest
from cryptography import x509

from tests.cloud.arm_helpers import ADMINISTRATOR
from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import machine_key
from tests.cloud.helpers import validate
from tests.cloud.his_helpers import Enrolled

DAY = 86400


@pytest.fixture
def clock(cloud):
    yield lambda seconds: cloud.admin.call("POST", "/clock", {"advanceSeconds": seconds})
    cloud.admin.call("POST", "/clock", {"reset": True})


def test_discovery_names_the_regional_service(cloud, http) -> None:
    answer = http.get(f"{cloud.url}/discovery?location=westeurope&api-version=2.1").json()
    assert answer["endpoints"]["hybridIdentityService"] == cloud.url
    assert answer["geography"] == "weu"


def test_identity_certificate_binds_the_machine_key(cloud, http, onboarding) -> None:
    enrolled = Enrolled(cloud, http, onboarding)
    cert = x509.load_pem_x509_certificate(enrolled.certificate["certificate"].encode())
    assert cert.public_key().public_numbers() == enrolled.key.public_key().public_numbers()
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert 89.9 < lifetime.total_seconds() / DAY < 90.1
    assert enrolled.certificate["principalId"] == enrolled.machine["identity"]["principalId"]
    assert enrolled.certificate["resourceId"] == enrolled.machine["id"]


def test_managed_identity_tokens_for_known_resources(cloud, http, onboarding) -> None:
    enrolled = Enrolled(cloud, http, onboarding)
    for resource in ("https://management.azure.com", "https://vault.azure.net"):
        result = enrolled.token(resource)
        assert "access_token" in result, result
        claims = validate(http, cloud.url, onboarding["tenantId"], result["access_token"],
                          audience=resource)
        assert claims["oid"] == enrolled.machine["identity"]["principalId"]
        assert claims["appidacr"] == "2" and claims["xms_mirid"] == (
            f"/subscriptions/{onboarding['subscriptionId']}/resourcegroups/"
            f"{onboarding['resourceGroup']}/providers/Microsoft.HybridCompute/machines/his01")
    unknown = enrolled.token("https://unknown.example")
    assert unknown["error"] == "invalid_resource"


def test_possession_must_be_proven(cloud, http, onboarding) -> None:
    enrolled = Enrolled(cloud, http, onboarding)
    stranger, _ = machine_key()
    refused = enrolled.fetch_certificate(key=stranger)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "ProofOfPossessionFailed"
    reused = enrolled.fetch_certificate(challenge_id="not-a-challenge")
    assert reused.status_code == 400 and reused.json()["error"]["code"] == "InvalidChallenge"
    unknown = http.post(f"{cloud.url}/his/v1/challenges", json={"vmId": str(uuid.uuid4())})
    assert unknown.status_code == 404
    for body in ({}, {"vmId": None}, {"vmId": 7}):
        missing = http.post(f"{cloud.url}/his/v1/challenges", json=body)
        assert missing.status_code == 400 and "'vmId' is required" in missing.text


def test_renewal_only_within_45_days(cloud, http, onboarding, clock) -> None:
    enrolled = Enrolled(cloud, http, onboarding)
    early = enrolled.fetch_certificate()
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "CertificateRenewalNotDue"
    assert enrolled.heartbeat().json()["renewCertificate"] is False
    clock(46 * DAY)
    assert enrolled.heartbeat().json()["renewCertificate"] is True
    renewed = enrolled.fetch_certificate()
    assert renewed.status_code == 201
    assert renewed.json()["notAfter"] > enrolled.certificate["notAfter"]


def test_heartbeats_drive_the_status(cloud, http, onboarding, clock) -> None:
    enrolled = Enrolled(cloud, http, onboarding)
    assert enrolled.arm()["properties"]["status"] == "AwaitingConnection"
    assert enrolled.heartbeat().status_code == 200
    properties = enrolled.arm()["properties"]
    assert properties["status"] == "Connected"
    assert properties["agentVersion"] == "0.1.0" and properties["osSku"] == "Debian GNU/Linux 12"
    clock(16 * 60)
    properties = enrolled.arm()["properties"]
    assert properties["status"] == "Disconnected"
    assert enrolled.heartbeat().status_code == 200
    assert enrolled.arm()["properties"]["status"] == "Connected"
    error = {"code": "AZCM0026", "message": "network"}
    enrolled.heartbeat(errorDetails=[error])
    assert enrolled.arm()["properties"]["status"] == "Error"
    assert enrolled.arm()["properties"]["errorDetails"] == [error]
    clock(46 * DAY)
    assert enrolled.arm()["properties"]["status"] == "Expired"


def test_a_clone_heartbeating_is_answered_429(cloud, http, onboarding) -> None:
    enrolled = Enrolled(cloud, http, onboarding)
    assert enrolled.heartbeat(fingerprint="host-a").status_code == 200
    clone = enrolled.heartbeat(fingerprint="host-b")
    assert clone.status_code == 429 and int(clone.headers["Retry-After"]) > 0
    assert clone.json()["error"]["code"] == "DuplicateMachineIdentity"
    assert "--force-local-only" in clone.json()["error"]["message"]
    listed = {m["vmId"]: m for m in cloud.admin.call("GET", "/machines")}
    assert listed[enrolled.vm_id]["statusReason"] == "Cloned"


def test_an_upgraded_agents_new_fingerprint_form_is_no_clone(cloud, http, onboarding) -> None:
    """The first heartbeat of another fingerprint form is taken as the machine's new one; a
    different fingerprint of that form afterwards is a clone again."""
    enrolled = Enrolled(cloud, http, onboarding)
    assert enrolled.heartbeat(fingerprint="a1b2").status_code == 200
    assert enrolled.heartbeat(fingerprint="v2:c3d4").status_code == 200
    assert enrolled.heartbeat(fingerprint="v2:c3d4").status_code == 200
    assert enrolled.heartbeat(fingerprint="v2:e5f6").status_code == 429


def test_heartbeat_needs_the_machines_own_identity(cloud, http, onboarding) -> None:
    enrolled = Enrolled(cloud, http, onboarding)
    other = Enrolled(cloud, http, onboarding, name="his02")
    token = other.token()["access_token"]
    response = http.post(f"{cloud.url}/his/v1/machines/{enrolled.vm_id}/heartbeat", json={},
                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    arm_token = enrolled.arm_token
    wrong_audience = http.post(f"{cloud.url}/his/v1/machines/{enrolled.vm_id}/heartbeat",
                               json={}, headers={"Authorization": f"Bearer {arm_token}"})
    assert wrong_audience.status_code == 401


def test_deleting_the_machine_retires_its_identity(cloud, http) -> None:
    admin_sp = cloud.quickstart(ADMINISTRATOR)
    enrolled = Enrolled(cloud, http, admin_sp)
    assert "access_token" in enrolled.token()
    assert call(http, "DELETE", enrolled.url, enrolled.arm_token).status_code == 200
    refused = enrolled.token()
    assert refused["error"] == "unauthorized_client" and 700016 in refused["error_codes"]
    heartbeat = http.post(f"{cloud.url}/his/v1/machines/{enrolled.vm_id}/heartbeat", json={},
                          headers={"Authorization": "Bearer x.y.z"})
    assert heartbeat.status_code == 401
