"""Hostile inputs to the cloud end in the 4xx its real counterpart gives, never a 500: nesting,
wrong types, forged paging tokens, foreign keys, clock jumps, oversized bodies, dotted names
(issue 12, items 15-16). Each route family has a property-based sweep in test_fuzz.py."""

from __future__ import annotations

import base64
import socket
import ssl
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import machine_body
from tests.cloud.arm_helpers import machine_key
from tests.cloud.arm_helpers import machine_url
from tests.cloud.arm_helpers import onboarding_token

DEEP = 100_000


def _nested(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def _admin(cloud, http, method: str, path: str, raw: str):
    key = (cloud.data_dir / "admin.key").read_text().strip()
    return http.request(method, f"{cloud.url}/_admin{path}", data=raw, headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})


@pytest.fixture
def machine(cloud, http, onboarding):
    token = onboarding_token(http, onboarding)
    url = machine_url(onboarding, f"in-{uuid.uuid4().hex[:8]}")
    assert call(http, "PUT", url, token, machine_body(machine_key()[1])).status_code == 200
    return url, token


def _raw_json(http, method: str, url: str, token: str | None, raw: str):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return http.request(method, url, data=raw, headers=headers)


def test_deep_nesting_is_a_400_everywhere(cloud, http, machine) -> None:
    url, token = machine
    answers = {
        "PUT machine": _raw_json(http, "PUT", url, token, f'{{"location": {_nested()}}}'),
        "PATCH machine": _raw_json(http, "PATCH", url, token,
                                   f'{{"properties": {{"osProfile": {_nested()}}}}}'),
        "HIS challenge": _raw_json(http, "POST", f"{cloud.url}/his/v1/challenges", None,
                                   f'{{"vmId": {_nested()}}}'),
        "management": _admin(cloud, http, "POST", "/clock", f'{{"set": {_nested()}}}'),
    }
    for where, answer in answers.items():
        assert answer.status_code == 400, (where, answer.status_code, answer.text[:200])
        assert "error" in answer.json()


@pytest.mark.parametrize("properties", [5, ["extensions"], [{}], "osProfile", True])
def test_patch_properties_of_the_wrong_type(http, machine, properties) -> None:
    url, token = machine
    answer = call(http, "PATCH", url, token, {"properties": properties})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "InvalidRequestContent"
    assert "'properties' must be an object" in answer.json()["error"]["message"]


def test_patch_of_a_property_that_cannot_change(http, machine) -> None:
    url, token = machine
    answer = call(http, "PATCH", url, token, {"properties": {"vmId": str(uuid.uuid4()),
                                                             "osProfile": {}}})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "HCRP400"
    assert answer.json()["error"]["message"] == "These properties cannot be updated: vmId."


@pytest.mark.parametrize("token_text", ["abc", "1e3", "1" * 23, "-5", "١٢", "0x10"])
def test_a_skiptoken_we_never_issued(http, machine, token_text) -> None:
    url, token = machine
    listing = url.split("/machines/")[0] + "/machines"
    answer = http.get(listing, params={"api-version": "2024-07-10", "$skiptoken": token_text},
                      headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "InvalidSkipToken"


def test_an_ec_key_cannot_get_a_certificate(cloud, http, onboarding) -> None:
    public = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    vm_id = str(uuid.uuid4())
    put = call(http, "PUT", machine_url(onboarding, "ec01"), onboarding_token(http, onboarding),
               machine_body(base64.b64encode(public).decode(), vm_id))
    assert put.status_code == 200, put.text
    challenge = http.post(f"{cloud.url}/his/v1/challenges", json={"vmId": vm_id}).json()
    answer = http.post(f"{cloud.url}/his/v1/certificates", json={
        "vmId": vm_id, "challengeId": challenge["challengeId"],
        "signature": base64.b64encode(b"\0" * 64).decode()})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "UnsupportedKeyType"


@pytest.mark.parametrize("raw", ['{"advanceSeconds": 1e308}', '{"advanceSeconds": 1e999}',
                                 '{"advanceSeconds": -Infinity}', '{"advanceSeconds": NaN}',
                                 '{"advanceSeconds": "soon"}', '{"set": "not a time"}',
                                 '{"set": 1e308}'])
def test_the_clock_refuses_impossible_moves_and_arm_keeps_working(cloud, http, machine,
                                                                  raw) -> None:
    answer = _admin(cloud, http, "POST", "/clock", raw)
    assert answer.status_code == 400, answer.text
    url, token = machine
    assert call(http, "GET", url, token).status_code == 200


def test_a_refused_body_ends_the_connection(cloud, http) -> None:
    context = ssl.create_default_context(cafile=cloud.ca)
    port = int(cloud.url.rsplit(":", 1)[1])
    head = (b"POST /common/oauth2/v2.0/token HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 3000000\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as plain, \
            context.wrap_socket(plain, server_hostname="127.0.0.1") as tls:
        tls.sendall(head + b"a" * 65536)
        answer = b""
        while chunk := tls.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413") and b"connection: close" in answer.lower()
    # a client that reuses its connection gets a fresh one, and an answer
    assert http.post(f"{cloud.url}/common/oauth2/v2.0/token", data=b"a=" + b"x" * (2 << 20),
                     headers={"Content-Type": "application/x-www-form-urlencoded"}
                     ).status_code == 413
    assert http.get(f"{cloud.url}/metadata/endpoints?api-version=2022-09-01").status_code == 200


@pytest.mark.parametrize("name", ["%2e%2e", "%2E%2e", "%2e", "web01.", "a%2e", "web01%0A"])
def test_dotted_names_are_refused_before_normalisation(http, machine, name) -> None:
    url, token = machine
    dotted = url.split("/machines/")[0] + f"/machines/{name}?api-version=2024-07-10"
    answer = call(http, "PUT", dotted, token, machine_body(machine_key()[1]))
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "InvalidResourceName"


def _admin_cases(onboarding) -> list[tuple[str, str, str, int]]:
    """(method, path, raw body, status): what the management API must refuse, so that ARM
    never serves data it could not have made (a 500 later) and no number is out of range."""
    sub, app = onboarding["subscriptionId"], onboarding["servicePrincipalId"]
    group = f'"subscriptionId": "{sub}", "location": "westeurope"'
    return [
        ("POST", "/resourceGroups", f'{{{group}, "name": "bad/name"}}', 400),
        ("POST", "/resourceGroups", f'{{{group}, "name": "tagged", "tags": [1, 2]}}', 400),
        ("POST", "/resourceGroups", f'{{"subscriptionId": "{sub}", "name": "m", '
                                    '"location": "mars"}', 400),
        ("POST", "/machines", f'{{"subscriptionId": "{sub}", "resourceGroup": '
                              f'"{onboarding["resourceGroup"]}", "name": "../../x"}}', 400),
        ("POST", "/machines", f'{{"subscriptionId": "{sub}", "resourceGroup": "no-such-rg", '
                              '"name": "x1"}', 404),
        ("POST", f"/applications/{app}/secrets", '{"durationDays": 1e308}', 400),
        ("POST", f"/applications/{app}/secrets", '{"durationDays": NaN}', 400),
        ("POST", f"/applications/{app}/secrets", '{"durationDays": 1e999}', 400),
        ("POST", f"/applications/{app}/secrets", '{"endDateTime": "garbage"}', 400),
        ("PATCH", "/throttling", '{"reads": {"capacity": 1e308, "refillPerSecond": 1}}', 400),
        ("POST", "/faults", '{"service": "arm", "action": "latency", "latencyMs": 1e12}', 400),
        ("POST", "/faults", '{"service": "arm", "status": 500, "count": 0}', 400),
        ("POST", "/faults", '{"service": "arm", "status": 500, "method": ["GET"]}', 400),
    ]


def test_the_management_api_refuses_what_arm_could_not_serve(cloud, http, onboarding) -> None:
    for method, path, raw, status in _admin_cases(onboarding):
        answer = _admin(cloud, http, method, path, raw)
        assert answer.status_code == status, (method, path, raw, answer.text)
        assert answer.json()["error"]["code"]
    token = onboarding_token(http, onboarding)
    groups = call(http, "GET", f"{cloud.url}/subscriptions/{onboarding['subscriptionId']}/"
                  "resourcegroups?api-version=2025-04-01", token)
    assert groups.status_code == 200 and "tagged" not in groups.text
    assert cloud.admin.call("GET", "/faults") == []


def test_bytes_outside_ascii_in_credentials_are_refused_not_a_500(cloud, http) -> None:
    token = http.post(f"{cloud.url}/organizations/oauth2/v2.0/token",
                      data={"grant_type": "client_credentials",
                            "scope": "https://management.azure.com/.default"},
                      headers={"Authorization": "Basic \xe9\xe9"})
    assert 400 <= token.status_code < 500, token.text
    admin = http.get(f"{cloud.url}/_admin/tenants", headers={"Authorization": "Bearer \xe9\xe9"})
    assert admin.status_code == 401 and admin.json()["error"]["code"] == "AdminKeyRequired"
