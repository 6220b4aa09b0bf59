"""The read-only portal in headless Chromium, for a fleet in every state: the agent's overview
link (the resource in the URL's fragment) leads through sign-in to the machine's overview with
its status history; the list shows every machine the user may read and filters by status.
Screenshots of both are written (to $CMAGENT_SCREENSHOTS when set, e.g. docs/images)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from cmagent.cloud.portal import COOKIE
from tests.cloud.arm_helpers import ADMINISTRATOR
from tests.cloud.helpers import new_user
from tests.cloud.test_devicelogin_browser import browser  # noqa: F401 (the fixture)
from tests.cloud.test_his import Enrolled

DAY = 86400


@pytest.fixture
def fleet(cloud, http):
    """Five machines: expired, disconnected, error, connected (after a silence), waiting."""
    onboarding = cloud.quickstart(ADMINISTRATOR)
    move = lambda seconds: cloud.admin.call("POST", "/clock", {"advanceSeconds": seconds})  # noqa: E731
    try:
        Enrolled(cloud, http, onboarding, "db-expired").heartbeat()
        move(46 * DAY)
        Enrolled(cloud, http, onboarding, "web-disconnected").heartbeat()
        connected = Enrolled(cloud, http, onboarding, "web-connected")
        connected.heartbeat()
        move(20 * 60)
        connected.heartbeat()
        Enrolled(cloud, http, onboarding, "app-error").heartbeat(
            errorDetails=[{"code": "AZCM0026", "message": "management.azure.com unreachable"}])
        Enrolled(cloud, http, onboarding, "new-waiting")
        user = new_user(cloud, onboarding["tenantId"])
        cloud.admin.call("POST", "/roleAssignments", {
            "principalId": user["userPrincipalName"], "role": "Reader",
            "scope": f"/subscriptions/{onboarding['subscriptionId']}"})
        yield onboarding, user
    finally:
        cloud.admin.call("POST", "/clock", {"reset": True})


def _shots(tmp_path: Path) -> Path:
    target = Path(os.environ.get("CMAGENT_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


def test_the_agents_link_and_the_list(cloud, fleet, browser, tmp_path) -> None:  # noqa: F811
    onboarding, user = fleet
    resource = (f"/subscriptions/{onboarding['subscriptionId']}/resourceGroups/"
                f"{onboarding['resourceGroup']}/providers/Microsoft.HybridCompute/machines/"
                "web-connected")
    browser.set_window_size(1280, 900)
    browser.get(f"{cloud.url}/#@{onboarding['tenantId']}/resource{resource}/overview")
    browser.find_element(By.ID, "login").send_keys(user["userPrincipalName"])
    browser.find_element(By.ID, "passwd").send_keys(user["password"])
    browser.find_element(By.ID, "signin").click()
    history = browser.find_element(By.ID, "history").text
    assert [s for s in ("Created", "Connected", "Disconnected") if s in history] == \
        ["Created", "Connected", "Disconnected"]
    assert history.index("Disconnected") < history.rindex("Connected")  # it came back
    properties = browser.find_element(By.ID, "properties").text
    assert "Identity principal ID" in properties and "Connected" in properties
    browser.save_screenshot(str(_shots(tmp_path) / "portal-overview.png"))

    browser.get(f"{cloud.url}/portal")
    table = browser.find_element(By.ID, "machines").text
    for name, status in (("db-expired", "Expired"), ("web-disconnected", "Disconnected"),
                         ("web-connected", "Connected"), ("app-error", "Error"),
                         ("new-waiting", "AwaitingConnection")):
        row = next(line for line in table.splitlines() if line.startswith(name))
        assert status in row or status in table.split(name, 1)[1].splitlines()[1], table
    browser.save_screenshot(str(_shots(tmp_path) / "portal-machines.png"))
    background = "return getComputedStyle(document.body).backgroundColor"
    assert browser.execute_script(background) == "rgb(255, 255, 255)"
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    assert browser.execute_script(background) == "rgb(31, 31, 31)"  # readable in dark mode
    browser.save_screenshot(str(_shots(tmp_path) / "portal-machines-dark.png"))
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    browser.get(f"{cloud.url}/portal?status=Expired")
    assert browser.find_element(By.ID, "count").text == "1 machine(s) (Expired)"


def test_without_a_browser(cloud, fleet, http) -> None:
    onboarding, user = fleet
    signin = f"{cloud.url}/portal/signin"
    wrong = http.post(signin, data={"login": user["userPrincipalName"], "passwd": "no"})
    assert "Your account or password is incorrect." in wrong.text
    assert http.get(f"{cloud.url}/portal", allow_redirects=False).headers["Location"] \
        .startswith("/portal/signin")
    escape = http.post(signin, data={"login": user["userPrincipalName"],
                                     "passwd": user["password"], "next": "https://evil.example"},
                       allow_redirects=False)
    assert escape.status_code == 303 and escape.headers["Location"] == "/portal"
    cookie = escape.cookies.get(COOKIE) or \
        escape.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    http.cookies.clear()  # each request below says who it is
    forged = cookie.rsplit(".", 1)[0] + "." + "0" * 64
    assert http.get(f"{cloud.url}/portal", cookies={COOKIE: forged},
                    allow_redirects=False).status_code == 303
    page = http.get(f"{cloud.url}/portal", cookies={COOKIE: cookie})
    assert "5 machine(s)" in page.text and "<script" not in page.text
    root = http.get(f"{cloud.url}/", headers={"Accept": "application/json"})
    assert root.status_code == 404 and "html" not in root.headers["Content-Type"]
    for method in ("PUT", "DELETE", "PATCH"):
        assert http.request(method, f"{cloud.url}/portal",
                            cookies={COOKIE: cookie}).status_code == 405
    stranger = new_user(cloud, onboarding["tenantId"])
    other = http.post(signin, data={"login": stranger["userPrincipalName"],
                                    "passwd": stranger["password"]}, allow_redirects=False)
    token = other.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    http.cookies.clear()
    assert "0 machine(s)" in http.get(f"{cloud.url}/portal",
                                      cookies={COOKIE: token}).text
