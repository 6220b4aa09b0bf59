"""Injected faults, per service and path: status with a realistic body, latency, a dropped
connection, throttling; always, a number of times, or with a probability."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import machine_url
from tests.cloud.arm_helpers import onboarding_token
from tests.cloud.helpers import ARM_SCOPE

CLOUD = str(Path(sys.executable).with_name("cmagent-cloud"))


@pytest.fixture(autouse=True)
def clean(cloud):
    yield
    cloud.admin.call("DELETE", "/faults")


def test_arm_status_fault_a_number_of_times(cloud, http, onboarding) -> None:
    token = onboarding_token(http, onboarding)
    url = machine_url(onboarding, "faulty")
    cloud.admin.call("POST", "/faults", {"service": "arm", "status": 500, "count": 2,
                                         "pathPattern": "/machines/faulty"})
    for _ in range(2):
        response = call(http, "GET", url, token)
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "InternalServerError"
    assert call(http, "GET", url, token).status_code == 404
    assert cloud.admin.call("GET", "/faults") == []


def test_identity_fault_has_the_oauth_shape(cloud, http, onboarding) -> None:
    cloud.admin.call("POST", "/faults", {"service": "identity", "status": 503,
                                         "pathPattern": "/oauth2/v2.0/token$"})
    response = http.post(f"{cloud.url}/{onboarding['tenantId']}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "scope": ARM_SCOPE[0]})
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.json()["error"] == "temporarily_unavailable"
    assert response.json()["error_description"].startswith("AADSTS90033")


def test_throttle_latency_drop_and_probability(cloud, http, onboarding) -> None:
    metadata = f"{cloud.url}/metadata/endpoints?api-version=2022-09-01"
    fault = cloud.admin.call("POST", "/faults", {"service": "metadata", "action": "throttle",
                                                 "retryAfter": 7})
    throttled = http.get(metadata)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    cloud.admin.call("DELETE", f"/faults/{fault['id']}")
    cloud.admin.call("POST", "/faults", {"service": "metadata", "action": "latency",
                                         "latencyMs": 300})
    started = time.monotonic()
    assert http.get(metadata).status_code == 200
    assert time.monotonic() - started >= 0.3
    cloud.admin.call("DELETE", "/faults")
    cloud.admin.call("POST", "/faults", {"service": "his", "action": "drop"})
    with pytest.raises(requests.ConnectionError):
        cloud.session().get(f"{cloud.url}/discovery?location=westeurope")
    cloud.admin.call("DELETE", "/faults")
    cloud.admin.call("POST", "/faults", {"service": "metadata", "status": 500,
                                         "probability": 0.0})
    assert all(http.get(metadata).status_code == 200 for _ in range(20))


def test_bad_fault_specs_are_refused(cloud) -> None:
    from cmagent.cloud.adminclient import AdminError

    for spec in ({"service": "dns"}, {"service": "arm", "action": "explode"},
                 {"service": "arm", "pathPattern": "("}, {"service": "arm", "probability": 2}):
        with pytest.raises(AdminError, match="InvalidFault"):
            cloud.admin.call("POST", "/faults", spec)


def test_fault_cli(cloud) -> None:
    def cli(*args):
        return json.loads(subprocess.run([CLOUD, *args, "--data-dir", str(cloud.data_dir)],
                                         check=True, capture_output=True, text=True).stdout)

    added = cli("fault", "add", "--service", "arm", "--status", "503", "--count", "1")
    assert added["status"] == 503 and added["remaining"] == 1
    assert [f["id"] for f in cli("fault", "list")] == [added["id"]]
    cli("fault", "clear")
    assert cli("fault", "list") == []
