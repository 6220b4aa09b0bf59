"""Every refusal of the identity service in Entra's shape: status, error, AADSTS code, text."""

from __future__ import annotations

import datetime
import time
import uuid

import jwt
import msal
import pytest
from cryptography.hazmat.primitives import serialization

from tests.cloud.helpers import ARM_SCOPE
from tests.cloud.helpers import AZURE_CLI
from tests.cloud.helpers import approve_device_code
from tests.cloud.helpers import certificate
from tests.cloud.helpers import new_user


def _token(http, cloud, tenant, **form):
    return http.post(f"{cloud.url}/{tenant}/oauth2/v2.0/token", data=form)


def _assert_aadsts(response, status, error, code, text=""):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error and body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: {text}")
    assert "\r\nTrace ID: " in body["error_description"]
    assert "\r\nCorrelation ID: " in body["error_description"]
    assert body["trace_id"] and body["correlation_id"] and body["timestamp"]


def _secret_form(onboarding, secret=None):
    return {"grant_type": "client_credentials", "client_id": onboarding["servicePrincipalId"],
            "client_secret": secret or onboarding["servicePrincipalSecret"],
            "scope": ARM_SCOPE[0]}


def test_invalid_secret_is_7000215(cloud, onboarding, http) -> None:
    response = _token(http, cloud, onboarding["tenantId"], **_secret_form(onboarding, "nope"))
    _assert_aadsts(response, 401, "invalid_client", 7000215, "Invalid client secret provided.")


def test_expired_secret_is_7000222(cloud, onboarding, http) -> None:
    past = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)).isoformat()
    expired = cloud.admin.call("POST", f"/applications/{onboarding['servicePrincipalId']}/secrets",
                               {"endDateTime": past})
    response = _token(http, cloud, onboarding["tenantId"],
                      **_secret_form(onboarding, expired["secretText"]))
    _assert_aadsts(response, 401, "invalid_client", 7000222,
                   f"The provided client secret keys for app '{onboarding['servicePrincipalId']}'"
                   " are expired.")


def test_secret_expires_when_the_cloud_clock_moves(cloud, onboarding, http) -> None:
    short = cloud.admin.call("POST", f"/applications/{onboarding['servicePrincipalId']}/secrets",
                             {"durationDays": 1})
    form = _secret_form(onboarding, short["secretText"])
    assert _token(http, cloud, onboarding["tenantId"], **form).status_code == 200
    cloud.admin.call("POST", "/clock", {"advanceSeconds": 2 * 86400})
    try:
        _assert_aadsts(_token(http, cloud, onboarding["tenantId"], **form), 401,
                       "invalid_client", 7000222)
    finally:
        cloud.admin.call("POST", "/clock", {"reset": True})


def test_unknown_application_is_700016(cloud, onboarding, http) -> None:
    stranger = str(uuid.uuid4())
    form = {**_secret_form(onboarding), "client_id": stranger}
    response = _token(http, cloud, onboarding["tenantId"], **form)
    _assert_aadsts(response, 400, "unauthorized_client", 700016,
                   f"Application with identifier '{stranger}' was not found in the directory "
                   f"'{onboarding['tenantId']}'.")


def test_application_of_another_tenant_is_700016(cloud, onboarding, http) -> None:
    other = cloud.quickstart()
    response = _token(http, cloud, other["tenantId"], **_secret_form(onboarding))
    _assert_aadsts(response, 400, "unauthorized_client", 700016)


def test_unknown_tenant_is_90002(cloud, onboarding, http) -> None:
    tenant = str(uuid.uuid4())
    _assert_aadsts(_token(http, cloud, tenant, **_secret_form(onboarding)), 400,
                   "invalid_request", 90002, f"Tenant '{tenant}' not found.")
    discovery = http.get(f"{cloud.url}/{tenant}/v2.0/.well-known/openid-configuration")
    _assert_aadsts(discovery, 400, "invalid_tenant", 90002)


def test_msal_refuses_an_unknown_tenant_at_construction(cloud, onboarding, http) -> None:
    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        msal.ConfidentialClientApplication(onboarding["servicePrincipalId"], "x",
                                           authority=f"{cloud.url}/{uuid.uuid4()}",
                                           instance_discovery=False, http_client=http)


def _assertion(key_pem, client_id, audience, **overrides):
    now = time.time()
    claims = {"aud": audience, "iss": client_id, "sub": client_id, "jti": str(uuid.uuid4()),
              "iat": now, "exp": now + 600, **overrides}
    return claims


def _signed(claims, key_pem, sha1, alg="RS256"):
    key = serialization.load_pem_private_key(key_pem.encode(), None)
    x5t = jwt.utils.base64url_encode(bytes.fromhex(sha1)).decode()
    return jwt.encode(claims, key, algorithm=alg, headers={"x5t": x5t})


def _assertion_form(onboarding, token):
    return {"grant_type": "client_credentials", "client_id": onboarding["servicePrincipalId"],
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": token, "scope": ARM_SCOPE[0]}


@pytest.fixture
def cert_sp(cloud, onboarding):
    key_pem, cert_pem, sha1 = certificate()
    cloud.admin.call("POST", f"/applications/{onboarding['servicePrincipalId']}/certificates",
                     {"certificatePem": cert_pem})
    audience = f"{cloud.url}/{onboarding['tenantId']}/oauth2/v2.0/token"
    return key_pem, sha1, audience


def test_assertion_with_a_wrong_signature_is_700027(cloud, onboarding, http, cert_sp) -> None:
    key_pem, sha1, audience = cert_sp
    other_key, _, _ = certificate()
    token = _signed(_assertion(key_pem, onboarding["servicePrincipalId"], audience), other_key, sha1)
    _assert_aadsts(_token(http, cloud, onboarding["tenantId"], **_assertion_form(onboarding, token)),
                   401, "invalid_client", 700027, "Client assertion failed signature validation.")


def test_assertion_with_an_unknown_key_is_700027(cloud, onboarding, http, cert_sp) -> None:
    key_pem, _, audience = cert_sp
    token = _signed(_assertion(key_pem, onboarding["servicePrincipalId"], audience), key_pem,
                    "00" * 20)
    _assert_aadsts(_token(http, cloud, onboarding["tenantId"], **_assertion_form(onboarding, token)),
                   401, "invalid_client", 700027)


def test_expired_assertion_is_700024(cloud, onboarding, http, cert_sp) -> None:
    key_pem, sha1, audience = cert_sp
    past = time.time() - 3600
    claims = _assertion(key_pem, onboarding["servicePrincipalId"], audience, iat=past - 600,
                        exp=past)
    token = _signed(claims, key_pem, sha1, alg="PS256")
    _assert_aadsts(_token(http, cloud, onboarding["tenantId"], **_assertion_form(onboarding, token)),
                   400, "invalid_client", 700024, "Client assertion is not within its valid time")


def test_device_code_pending_expired_and_declined(cloud, onboarding, http) -> None:
    tenant = onboarding["tenantId"]
    user = new_user(cloud, tenant)

    def start():
        return http.post(f"{cloud.url}/{tenant}/oauth2/v2.0/devicecode",
                         data={"client_id": AZURE_CLI, "scope": ARM_SCOPE[0]}).json()

    def poll(code):
        return _token(http, cloud, tenant, client_id=AZURE_CLI, device_code=code["device_code"],
                      grant_type="urn:ietf:params:oauth:grant-type:device_code")

    pending = start()
    _assert_aadsts(poll(pending), 400, "authorization_pending", 70016)
    declined = start()
    page = approve_device_code(cloud.session(), cloud.url, declined["user_code"],
                               user["userPrincipalName"], user["password"], action="decline")
    assert "declined" in page
    _assert_aadsts(poll(declined), 400, "authorization_declined", 65004)
    cloud.admin.call("POST", "/clock", {"advanceSeconds": 901})
    try:
        _assert_aadsts(poll(pending), 400, "expired_token", 70020)
    finally:
        cloud.admin.call("POST", "/clock", {"reset": True})
    _assert_aadsts(_token(http, cloud, tenant, client_id=AZURE_CLI, device_code="forged",
                          grant_type="urn:ietf:params:oauth:grant-type:device_code"),
                   400, "bad_verification_code", 70000)


def test_device_login_rejects_bad_codes_and_passwords(cloud, onboarding, http) -> None:
    page = http.post(f"{cloud.url}/devicelogin", data={"otc": "NOSUCHCODE"})
    assert page.status_code == 200 and "Check the code and try again" in page.text
    tenant = onboarding["tenantId"]
    code = http.post(f"{cloud.url}/{tenant}/oauth2/v2.0/devicecode",
                     data={"client_id": AZURE_CLI, "scope": ARM_SCOPE[0]}).json()
    user = new_user(cloud, tenant)
    wrong = http.post(f"{cloud.url}/devicelogin/signin", data={
        "otc": code["user_code"], "login": user["userPrincipalName"], "passwd": "guess"})
    assert "account or password is incorrect" in wrong.text
    outsider = new_user(cloud, cloud.quickstart()["tenantId"])
    foreign = http.post(f"{cloud.url}/devicelogin/signin", data={
        "otc": code["user_code"], "login": outsider["userPrincipalName"],
        "passwd": outsider["password"]})
    assert "does not exist in the tenant" in foreign.text


@pytest.mark.parametrize("form,status,error,code", [
    ({"grant_type": "urn:example:no-such-grant"}, 400, "unsupported_grant_type", 70003),
    ({}, 400, "invalid_request", 900144),
    ({"grant_type": "client_credentials", "scope": ARM_SCOPE[0]}, 400, "invalid_request", 900144),
    ({"grant_type": "client_credentials", "client_id": "x", "scope": ARM_SCOPE[0]}, 400,
     "unauthorized_client", 700016),
])
def test_malformed_token_requests(cloud, onboarding, http, form, status, error, code) -> None:
    _assert_aadsts(_token(http, cloud, onboarding["tenantId"], **form), status, error, code)


def test_scopes_and_resources_are_checked(cloud, onboarding, http) -> None:
    tenant = onboarding["tenantId"]
    no_default = {**_secret_form(onboarding), "scope": "https://management.azure.com/user.read"}
    _assert_aadsts(_token(http, cloud, tenant, **no_default), 400, "invalid_scope", 1002012)
    unknown = {**_secret_form(onboarding), "scope": "https://nowhere.example/.default"}
    _assert_aadsts(_token(http, cloud, tenant, **unknown), 400, "invalid_resource", 500011)
    missing = {**_secret_form(onboarding)}
    del missing["scope"]
    _assert_aadsts(_token(http, cloud, tenant, **missing), 400, "invalid_request", 900144,
                   "The request body must contain the following parameter: 'scope'.")
    _assert_aadsts(_token(http, cloud, "common", **_secret_form(onboarding)), 400,
                   "invalid_request", 9001023)


def test_no_secret_or_assertion_is_7000218(cloud, onboarding, http) -> None:
    form = {"grant_type": "client_credentials", "client_id": onboarding["servicePrincipalId"],
            "scope": ARM_SCOPE[0]}
    _assert_aadsts(_token(http, cloud, onboarding["tenantId"], **form), 401, "invalid_client",
                   7000218)


def test_wrong_method_content_type_and_size(cloud, onboarding, http) -> None:
    tenant = onboarding["tenantId"]
    _assert_aadsts(http.get(f"{cloud.url}/{tenant}/oauth2/v2.0/token"), 400, "invalid_request",
                   900561)
    as_json = http.post(f"{cloud.url}/{tenant}/oauth2/v2.0/token", json=_secret_form(onboarding))
    _assert_aadsts(as_json, 400, "invalid_request", 900144)
    huge = http.post(f"{cloud.url}/{tenant}/oauth2/v2.0/token", data=b"a=" + b"x" * (2 << 20),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "RequestEntityTooLarge"
