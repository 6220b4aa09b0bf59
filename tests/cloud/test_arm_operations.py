"""ARM's asynchronous operations on the wire: a group's deletion is a 202 whose Location
answers 200 once done, a machine's (from 2025-01-13) names its status URLs, and a status URL
for an operation the cloud never started is 404, never 'Succeeded'."""

from __future__ import annotations

import uuid

from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import machine_body
from tests.cloud.arm_helpers import machine_url
from tests.cloud.arm_helpers import onboarding_token
from tests.cloud.arm_helpers import subscription_owner


def test_a_group_deletion_is_polled_to_its_end(cloud, http) -> None:
    owner = subscription_owner(cloud)
    token = onboarding_token(http, owner)
    group = (f"{cloud.url}/subscriptions/{owner['subscriptionId']}/resourcegroups/"
             f"{owner['resourceGroup']}?api-version=2021-04-01")
    call(http, "PUT", machine_url(owner, "inside"), token, machine_body())
    deleted = call(http, "DELETE", group, token)
    assert deleted.status_code == 202 and deleted.content == b""
    assert deleted.headers["Retry-After"] == "1"
    location = deleted.headers["Location"]
    assert location.startswith(f"{cloud.url}/subscriptions/{owner['subscriptionId']}/"
                               "operationresults/") and "api-version=2021-04-01" in location
    done = call(http, "GET", location, token)
    assert done.status_code == 200 and done.content == b""
    assert call(http, "GET", group, token).status_code == 404
    assert call(http, "GET", machine_url(owner, "inside"), token).status_code == 404
    made_up = location.replace(location.split("/operationresults/")[1].split("?")[0],
                               str(uuid.uuid4()))
    assert call(http, "GET", made_up, token).json()["error"]["code"] == "NotFound"


def test_a_machine_deletion_names_status_urls_that_exist(cloud, http) -> None:
    admin = cloud.quickstart("Azure Connected Machine Resource Administrator")
    token = onboarding_token(http, admin)
    url = machine_url(admin, "gone", "2026-07-15")
    call(http, "PUT", url, token, machine_body())
    deleted = call(http, "DELETE", url, token)
    assert deleted.status_code == 202
    status = call(http, "GET", deleted.headers["Azure-AsyncOperation"], token)
    assert status.status_code == 200 and status.json()["status"] == "Succeeded"
    assert call(http, "GET", deleted.headers["Location"], token).status_code == 204
    for made_up in (str(uuid.uuid4()), "not-an-operation"):
        for header in ("Azure-AsyncOperation", "Location"):
            parts = deleted.headers[header].split("/")
            parts[-1] = made_up + "?" + parts[-1].split("?")[1]
            answer = call(http, "GET", "/".join(parts), token)
            assert answer.status_code == 404, answer.text
            assert answer.json()["error"]["code"] == "NotFound"
