"""The cloud's pages against a hostile web: one answer per device code, forms from other sites
refused, sign-in guesses that lock a user out only where they come from, sessions that end with
the password and the clock, and what a machine reports kept to the shape the portal reads."""

from __future__ import annotations

import json
import re

from sqlalchemy import func
from sqlalchemy import select

from cmagent.cloud import models
from cmagent.cloud.his.beats import HISTORY_KEPT
from cmagent.cloud.portal import COOKIE
from tests.cloud.helpers import ARM_SCOPE
from tests.cloud.helpers import AZURE_CLI
from tests.cloud.helpers import approve_device_code
from tests.cloud.helpers import new_user
from tests.cloud.helpers import post_form_from
from tests.cloud.helpers import validate
from tests.cloud.his_helpers import Enrolled


def _device_code(http, cloud) -> tuple[str, str]:
    answer = http.post(f"{cloud.url}/organizations/oauth2/v2.0/devicecode",
                       data={"client_id": AZURE_CLI, "scope": ARM_SCOPE[0]}).json()
    return answer["user_code"], answer["device_code"]


def _consent_session(http, cloud, code: str, user: dict) -> str:
    page = http.post(f"{cloud.url}/devicelogin/signin", data={
        "otc": code, "login": user["userPrincipalName"], "passwd": user["password"]})
    found = re.search(r"name='session' value='([^']+)'", page.text)
    assert found, page.text
    return found.group(1)


def test_a_device_code_takes_one_answer(cloud, onboarding, http) -> None:
    first, second = (new_user(cloud, onboarding["tenantId"]) for _ in range(2))
    code, device = _device_code(http, cloud)
    waiting = _consent_session(http, cloud, code, second)  # signed in, not yet answered
    assert "You have signed in" in approve_device_code(
        http, cloud.url, code, first["userPrincipalName"], first["password"])
    late = http.post(f"{cloud.url}/devicelogin/consent", data={"session": waiting,
                                                               "action": "approve"})
    assert "That code was already used." in late.text
    token = http.post(f"{cloud.url}/organizations/oauth2/v2.0/token", data={
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": AZURE_CLI,
        "device_code": device}).json()["access_token"]
    claims = validate(http, cloud.url, onboarding["tenantId"], token)
    assert claims["upn"] == first["userPrincipalName"]  # the first answer stands


def test_forms_from_another_site_are_refused(cloud, onboarding, http) -> None:
    user = new_user(cloud, onboarding["tenantId"])
    code, _ = _device_code(http, cloud)
    other_site = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    pushed = http.post(f"{cloud.url}/devicelogin", data={"otc": code}, headers=other_site)
    assert pushed.status_code == 403 and "sent from another site" in pushed.text
    assert "passwd" not in pushed.text  # no sign-in form for a code the person never typed
    login = http.post(f"{cloud.url}/portal/signin", headers={"Origin": "https://evil.example"},
                      data={"login": user["userPrincipalName"], "passwd": user["password"]},
                      allow_redirects=False)
    assert login.status_code == 403 and "Set-Cookie" not in login.headers
    fetched = http.post(f"{cloud.url}/devicelogin", data={"otc": code},
                        headers={"Sec-Fetch-Site": "cross-site"})  # no Origin: still another site
    assert fetched.status_code == 403
    signed_in = http.post(f"{cloud.url}/portal/signin", allow_redirects=False, data={
        "login": user["userPrincipalName"], "passwd": user["password"]})
    out = http.post(f"{cloud.url}/portal/signout", headers={"Origin": "https://evil.example"},
                    allow_redirects=False)
    assert "Max-Age=0" not in out.headers.get("Set-Cookie", "") and signed_in.ok
    own = http.post(f"{cloud.url}/devicelogin", data={"otc": code},
                    headers={"Origin": cloud.url, "Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 200 and "passwd" in own.text
    csp = own.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    portal = http.get(f"{cloud.url}/", headers={"Accept": "text/html"})
    assert "'unsafe-inline'" not in portal.headers["Content-Security-Policy"].split(
        "script-src")[1].split(";")[0]  # the one script is named by its hash


def _password_from(address: str, cloud, tenant: str, upn: str, password: str) -> int:
    """The AADSTS code of a password grant sent from ``address`` (0: a token)."""
    _, text = post_form_from(address, cloud, f"/{tenant}/oauth2/v2.0/token", {
        "grant_type": "password", "client_id": AZURE_CLI, "scope": ARM_SCOPE[0],
        "username": upn, "password": password})
    answer = json.loads(text)
    return 0 if "access_token" in answer else int(answer["error_codes"][0])


def test_guesses_lock_a_user_out_only_where_they_come_from(cloud, onboarding) -> None:
    cloud.admin.call("PATCH", "/settings", {"lockoutThreshold": 3, "lockoutSeconds": 600})
    try:
        user = new_user(cloud, onboarding["tenantId"])
        upn, tenant = user["userPrincipalName"], "organizations"
        assert [_password_from("127.0.0.3", cloud, tenant, upn, "guess") for _ in range(3)] \
            == [50126] * 3
        assert _password_from("127.0.0.3", cloud, tenant, upn, user["password"]) == 50053
        assert _password_from("127.0.0.4", cloud, tenant, upn, user["password"]) == 0
    finally:
        cloud.admin.call("PATCH", "/settings", {"lockoutThreshold": 10, "lockoutSeconds": 60})


def test_a_new_password_and_the_clock_end_portal_sessions(cloud, onboarding, http) -> None:
    user = new_user(cloud, onboarding["tenantId"])
    signed_in = http.post(f"{cloud.url}/portal/signin", allow_redirects=False, data={
        "login": user["userPrincipalName"], "passwd": user["password"]})
    cookie = signed_in.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    http.cookies.clear()

    def reads() -> bool:
        return http.get(f"{cloud.url}/portal", cookies={COOKIE: cookie},
                        allow_redirects=False).status_code == 200
    assert reads()
    cloud.admin.call("POST", "/clock", {"advanceSeconds": 9 * 3600})
    try:
        assert not reads()  # eight hours on the cloud's clock
    finally:
        cloud.admin.call("POST", "/clock", {"reset": True})
    assert reads()
    cloud.admin.call("PATCH", f"/users/{user['userPrincipalName']}", {"password": "N3w-pass!"})
    assert not reads()
    for target in ("/portal/../devicelogin", "/portal\r\nSet-Cookie: x=1", "/portalé",
                   "/portal/%2e%2e/devicelogin", "/portal/%2E%2E/x"):
        moved = http.post(f"{cloud.url}/portal/signin", allow_redirects=False, data={
            "login": user["userPrincipalName"], "passwd": "N3w-pass!", "next": target})
        assert moved.headers["Location"] == "/portal", target


def test_signing_out_ends_the_session_also_for_a_copied_cookie(cloud, onboarding, http) -> None:
    user = new_user(cloud, onboarding["tenantId"])

    def sign_in() -> str:
        signed_in = http.post(f"{cloud.url}/portal/signin", allow_redirects=False, data={
            "login": user["userPrincipalName"], "passwd": user["password"]})
        http.cookies.clear()
        return signed_in.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]

    def reads(cookie: str) -> bool:
        return http.get(f"{cloud.url}/portal", cookies={COOKIE: cookie},
                        allow_redirects=False).status_code == 200
    copied, elsewhere = sign_in(), sign_in()
    assert reads(copied) and reads(elsewhere)
    out = http.post(f"{cloud.url}/portal/signout", cookies={COOKIE: copied},
                    allow_redirects=False)
    assert out.status_code == 303 and "Max-Age=0" in out.headers["Set-Cookie"]
    assert not reads(copied)  # a copy kept by someone else opens nothing
    assert reads(elsewhere)  # the user's other browser stays signed in
    forged = copied.split(".")
    forged[1] = str(int(forged[1]) + 1)  # a changed expiry breaks the signature
    assert not reads(".".join(forged))


def test_a_machine_reports_only_what_the_portal_can_show(cloud, http) -> None:
    owner = cloud.quickstart("Azure Connected Machine Resource Administrator")
    enrolled = Enrolled(cloud, http, owner, "weird01")
    token = enrolled.token()["access_token"]
    for report, field in (({"errorDetails": {"code": "x"}}, "errorDetails"),
                          ({"osName": ["list"]}, "osName"),
                          ({"agentVersion": "x" * 1001}, "agentVersion")):
        refused = enrolled.heartbeat(token=token, **report)
        assert refused.status_code == 400 and field in refused.json()["error"]["message"]
    for index in range(HISTORY_KEPT + 60):  # a machine that flips at every heartbeat
        errors = [{"code": "E", "message": f"m{index}"}] if index % 2 else []
        assert enrolled.heartbeat(token=token, errorDetails=errors).status_code == 200
    with cloud.services.store.session() as session:
        machine = session.scalars(select(models.Machine).where(
            func.lower(models.Machine.vm_id) == enrolled.vm_id.lower())).one()
        details = [d for d in session.scalars(select(models.MachineEvent.detail).where(
            models.MachineEvent.machine_id == machine.id).order_by(models.MachineEvent.id))]
    assert len(details) == HISTORY_KEPT
    assert details[-1] == f"m{HISTORY_KEPT + 59}"  # the newest are the ones kept


def test_guessing_user_codes_is_throttled_per_place(cloud, onboarding, http) -> None:
    user = new_user(cloud, onboarding["tenantId"])
    code, _ = _device_code(http, cloud)
    guesses = [http.post(f"{cloud.url}/devicelogin", data={"otc": f"ZZZZZZZ{i:02d}"}).text
               for i in range(30)]
    assert all("found. Check the code" in page for page in guesses)
    stopped = http.post(f"{cloud.url}/devicelogin", data={"otc": code})
    assert "Too many codes that match no sign-in" in stopped.text  # even a right one, for now
    through_sign_in = http.post(f"{cloud.url}/devicelogin/signin", data={
        "otc": code, "login": user["userPrincipalName"], "passwd": user["password"]})
    assert "Too many codes" in through_sign_in.text
    cloud.admin.call("POST", "/clock", {"advanceSeconds": 61})
    try:
        assert "passwd" in http.post(f"{cloud.url}/devicelogin", data={"otc": code}).text
    finally:
        cloud.admin.call("POST", "/clock", {"reset": True})


def test_every_answer_forbids_sniffing_and_asks_for_https_once(cloud, http) -> None:
    """JSON errors of Entra, HIS and the management API too: a browser must not read any of
    them as a page."""
    answers = [http.get(f"{cloud.url}/metadata/endpoints?api-version=2022-09-01"),
               http.post(f"{cloud.url}/organizations/oauth2/v2.0/token", data={"x": "<b>"}),
               http.get(f"{cloud.url}/subscriptions?api-version=2022-12-01"),
               http.get(f"{cloud.url}/_admin/tenants"), http.get(f"{cloud.url}/devicelogin"),
               http.get(f"{cloud.url}/no/such/path"),
               http.post(f"{cloud.url}/his/v1/challenges", data="{")]
    for answer in answers:
        sent = answer.raw.headers  # (every header line, also a name sent twice)
        assert sent.getlist("X-Content-Type-Options") == ["nosniff"], answer.url
        assert len(sent.getlist("Date")) == 1, answer.url
        assert sent.getlist("Strict-Transport-Security") == [
            "max-age=31536000; includeSubDomains"], answer.url
