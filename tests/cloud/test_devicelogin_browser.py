"""Device login end to end in headless Chromium: MSAL waits while a person types the code, signs in
and approves on the /devicelogin pages."""

from __future__ import annotations

import shutil
import threading

import msal
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.cloud.helpers import ARM_SCOPE
from tests.cloud.helpers import AZURE_CLI
from tests.cloud.helpers import new_user
from tests.cloud.helpers import validate


@pytest.fixture
def browser(cloud, tmp_path):
    assert shutil.which("chromium") and shutil.which("chromedriver"), \
        "Debian packages chromium and chromium-driver are needed (scripts/setup installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.add_argument("--ignore-certificate-errors-spki-list=")
    options.accept_insecure_certs = True  # the page is served with the cloud's own CA
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or ""),
                              options=options)
    driver.implicitly_wait(15)  # each click loads the next page
    yield driver
    driver.quit()


def _sign_in(browser, url: str, user_code: str, upn: str, password: str, button: str) -> str:
    browser.get(url)
    browser.find_element(By.ID, "otc").send_keys(user_code)
    browser.find_element(By.ID, "next").click()
    browser.find_element(By.ID, "login").send_keys(upn)
    browser.find_element(By.ID, "passwd").send_keys(password)
    browser.find_element(By.ID, "signin").click()
    browser.find_element(By.ID, button).click()
    return browser.find_element(By.ID, "result").text


@pytest.mark.parametrize("button,expect", [("approve", "You have signed in"),
                                           ("decline", "You declined")])
def test_person_signs_in_through_the_page(cloud, onboarding, http, browser, button, expect):
    cloud.admin.call("PATCH", "/settings", {"deviceCodeInterval": 1})
    user = new_user(cloud, onboarding["tenantId"])
    app = msal.PublicClientApplication(AZURE_CLI, authority=f"{cloud.url}/{onboarding['tenantId']}",
                                       instance_discovery=False, http_client=http)
    flow = app.initiate_device_flow(scopes=ARM_SCOPE)
    outcome: dict = {}
    waiter = threading.Thread(target=lambda: outcome.update(app.acquire_token_by_device_flow(flow)))
    waiter.start()
    text = _sign_in(browser, flow["verification_uri"], flow["user_code"],
                    user["userPrincipalName"], user["password"], button)
    waiter.join(timeout=30)
    assert expect in text
    if button == "approve":
        claims = validate(http, cloud.url, onboarding["tenantId"], outcome["access_token"])
        assert claims["upn"] == user["userPrincipalName"]
    else:
        assert outcome["error"] == "authorization_declined"
