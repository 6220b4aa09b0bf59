"""ARM's asynchronous operations on the wire: a group's deletion is a 202 whose Location
answers 200 once done, a machine's (from 2025-01-13) names its status URLs, and a status URL
for an operation the cloud never started is 404, never 'Succeeded'."""

from __future__ import annotations

import uuid

import pytest

from cmagent.cloud.adminclient import AdminError
from tests.cloud.arm_helpers import ADMINISTRATOR
from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import machine_body
from tests.cloud.arm_helpers import machine_url
from tests.cloud.arm_helpers import on_subscription
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


def test_a_machine_created_while_its_group_is_deleted_does_not_outlive_it(cloud, http) -> None:
    """PostgreSQL, several workers: a group's deletion (its row locked here, as
    inventory.delete_group locks it) and a machine's creation into it meet; the creation
    waits, then finds no group, and no machine is left behind in a group that is gone."""
    if cloud.database is None:
        pytest.skip("SQLite has one writer at a time: the two cannot meet")
    import threading

    from sqlalchemy import text

    from cmagent.cloud.store import Store

    onboarding = on_subscription(cloud, ADMINISTRATOR, cloud.quickstart())
    cloud.admin.call("POST", "/resourceGroups", {"subscriptionId": onboarding["subscriptionId"],
                                                 "name": "going", "location": "westeurope"})
    token = onboarding_token(http, onboarding)
    url = machine_url({**onboarding, "resourceGroup": "going"}, "late01")
    answers: list = []
    other = Store(cloud.database)
    try:
        with other.engine.begin() as deleting:
            where = "subscription_id = :s AND name_key = 'going'"
            deleting.execute(text(f"SELECT 1 FROM resource_groups WHERE {where} FOR UPDATE"),
                             {"s": onboarding["subscriptionId"]})
            creating = threading.Thread(target=lambda: answers.append(
                call(cloud.session(), "PUT", url, token, machine_body())))
            creating.start()
            creating.join(timeout=1.0)
            assert creating.is_alive()  # it waits for the deletion
            deleting.execute(text(f"DELETE FROM resource_groups WHERE {where}"),
                             {"s": onboarding["subscriptionId"]})
        creating.join(timeout=30)
    finally:
        other.close()
    assert answers[0].status_code == 404, answers[0].text
    assert answers[0].json()["error"]["code"] == "ResourceGroupNotFound"
    assert not [m for m in cloud.admin.call("GET", "/machines") if m["name"] == "late01"]


def test_seeding_a_machine_whose_name_is_taken_says_so(cloud) -> None:
    onboarding = cloud.quickstart()
    seed = {"subscriptionId": onboarding["subscriptionId"], "resourceGroup": "arc-servers",
            "name": "taken01"}
    cloud.admin.call("POST", "/machines", seed)
    with pytest.raises(AdminError, match="ResourceExists: A machine named 'taken01' exists"):
        cloud.admin.call("POST", "/machines", seed)
