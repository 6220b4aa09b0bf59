"""The resource manager's lists and checks on the wire: $filter, $top, $expand and paging, HEAD
answers, api-version refusals, '//' in paths — what the SDKs hide."""

from __future__ import annotations

import pytest

from cmagent.cloud.arm import filters
from cmagent.cloud.http import HttpError
from tests.cloud.arm_helpers import arm_refusal as _error
from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import contributor
from tests.cloud.arm_helpers import machine_body
from tests.cloud.arm_helpers import machine_url
from tests.cloud.arm_helpers import onboarding_token

MACHINES = "Microsoft.HybridCompute/machines"


@pytest.fixture
def owner(cloud, http):
    onboarding = contributor(cloud)
    return onboarding | {"token": onboarding_token(http, onboarding)}


def _sub(owner) -> str:
    return f"{owner['cloud']}/subscriptions/{owner['subscriptionId']}"


ITEMS = [{"name": "web01", "resourcetype": MACHINES, "location": "westeurope",
          "resourcegroup": "Arc", "tags": {"env": "prod", "Team": "ops"}},
         {"name": "db01", "resourcetype": MACHINES, "location": "eastus",
          "resourcegroup": "data", "tags": {"env": "test"}}]


@pytest.mark.parametrize(("text", "chosen"), [
    ("", ["web01", "db01"]),
    ("name eq 'WEB01'", ["web01"]),
    ("location ne 'westeurope'", ["db01"]),
    ("resourceGroup eq 'arc' or name eq 'db01'", ["web01", "db01"]),
    (f"resourceType eq '{MACHINES}' and substringof('db', name)", ["db01"]),
    ("tagName eq 'env' and tagValue eq 'test'", ["db01"]),
    ("tagName eq 'team'", ["web01"]),
    ("startswith(tagName, 'te')", ["web01"]),
    ("(name eq 'x' or name eq 'db01') and location eq 'eastus'", ["db01"]),
    ("name eq 'it''s'", []),
])
def test_filter_grammar(text, chosen) -> None:
    predicate = filters.compile_filter(text)
    assert [item["name"] for item in ITEMS if predicate(item)] == chosen


def test_deep_nesting_is_refused_not_crashed_on() -> None:
    with pytest.raises(HttpError):
        filters.compile_filter("(" * 400 + "name eq 'a'" + ")" * 400)


@pytest.mark.parametrize("text", ["name gt 'a'", "sku eq 'x'", "name eq 'open", "(name eq 'a'",
                                  "name eq 'a' and", "endswith(name, 'a')", "name eq a",
                                  "identity/principalId eq 'x'", "name eq 'a' xor name eq 'b'"])
def test_filters_outside_the_grammar_compile_to_a_refusal(text) -> None:
    with pytest.raises(HttpError) as refused:
        filters.compile_filter(text)
    assert refused.value.response.status == 400


def test_filters_outside_the_grammar(http, owner) -> None:
    token = owner["token"]
    message = _error(call(http, "GET", f"{_sub(owner)}/resources?api-version=2025-04-01"
                                       "&$filter=name gt 'a'", token),
                     400, "InvalidFilterInQueryString")
    assert message == "Invalid $filter 'name gt 'a'' specified in the query string."
    _error(call(http, "GET", f"{_sub(owner)}/resourcegroups?api-version=2025-04-01"
                             "&$filter=name eq 'x'", token), 400, "InvalidFilterInQueryString")
    _error(call(http, "GET", f"{_sub(owner)}/resources?api-version=2025-04-01&$top=-1", token),
           400, "InvalidTopInQueryString")
    _error(call(http, "GET", f"{_sub(owner)}/resources?api-version=2025-04-01&$expand=sku",
                token), 400, "InvalidExpandInQueryString")


def test_resource_lists_page_with_top_and_next_links(http, owner) -> None:
    token = owner["token"]
    for index in range(3):
        assert call(http, "PUT", machine_url(owner, f"m{index}", "2026-07-15"), token,
                    machine_body()).status_code == 200
    url = f"{_sub(owner)}/resources?api-version=2025-04-01&$top=2"
    first = call(http, "GET", url, token).json()  # $top is the page size, as in ARM
    assert [r["name"] for r in first["value"]] == ["m0", "m1"] and "$top=2" in first["nextLink"]
    call(http, "DELETE", machine_url(owner, "m0", "2024-07-10"), token)
    second = call(http, "GET", first["nextLink"], token).json()
    assert [r["name"] for r in second["value"]] == ["m2"] and "nextLink" not in second
    call(http, "PUT", machine_url(owner, "m0", "2026-07-15"), token, machine_body())
    tagged = call(http, "GET", f"{_sub(owner)}/resources?api-version=2025-04-01&$filter="
                               "tagName eq 'env' and tagValue eq 'test'", token).json()
    assert len(tagged["value"]) == 3 and all("tags" not in r for r in tagged["value"])
    in_group = call(http, "GET", f"{_sub(owner)}/resourceGroups/{owner['resourceGroup']}/"
                                 "resources?api-version=2025-04-01&$expand=changedTime,"
                                 "provisioningState", token).json()
    assert {r["provisioningState"] for r in in_group["value"]} == {"Succeeded"}
    assert all(r["changedTime"] for r in in_group["value"])
    _error(call(http, "GET", f"{_sub(owner)}/resourceGroups/none/resources?api-version="
                             "2025-04-01", token), 404, "ResourceGroupNotFound")


def test_no_rights_no_telling_what_exists(cloud, http, owner) -> None:
    """A principal with no role on a group gets 403 whether the group exists or not."""
    stranger = cloud.quickstart()
    token = onboarding_token(http, stranger)
    base = f"{_sub(stranger)}/resourcegroups"
    cloud.admin.call("POST", "/resourceGroups", {"subscriptionId": stranger["subscriptionId"],
                                                 "name": "secret-proj", "location": "eastus"})
    for group in ("secret-proj", "nope"):
        for tail in ("/resources?api-version=2025-04-01",
                     "/providers/Microsoft.Resources/tags/default?api-version=2025-04-01",
                     "/providers/Microsoft.HybridCompute/machines/box/providers/"
                     "Microsoft.Resources/tags/default?api-version=2025-04-01"):
            _error(call(http, "GET", f"{base}/{group}{tail}", token), 403, "AuthorizationFailed")


def test_head_answers_have_no_body(http, owner) -> None:
    token = owner["token"]
    group = f"{_sub(owner)}/resourcegroups/{owner['resourceGroup']}?api-version=2025-04-01"
    present = call(http, "HEAD", group, token)
    assert present.status_code == 204 and present.content == b""
    absent = call(http, "HEAD", group.replace(owner["resourceGroup"], "nothing"), token)
    assert absent.status_code == 404 and absent.content == b""
    assert call(http, "PUT", machine_url(owner, "h1", "2026-07-15"), token,
                machine_body()).status_code == 200
    assert call(http, "HEAD", machine_url(owner, "h1", "2026-07-15"), token).status_code == 204
    assert call(http, "HEAD", machine_url(owner, "h2", "2026-07-15"), token).status_code == 404


def test_an_empty_path_segment_is_one_separator(http, owner) -> None:
    token = owner["token"]
    assert call(http, "PUT", machine_url(owner, "s1", "2026-07-15"), token,
                machine_body()).status_code == 200
    doubled = machine_url(owner, "s1", "2026-07-15").replace(
        "Microsoft.HybridCompute/machines", "Microsoft.HybridCompute//machines")
    answer = call(http, "GET", doubled, token)
    assert answer.status_code == 200 and answer.json()["name"] == "s1"


def test_api_version_refusals(http, owner) -> None:
    token = owner["token"]
    message = _error(call(http, "GET", f"{_sub(owner)}/resourcegroups?api-version=2099-01-01",
                          token), 400, "InvalidApiVersionParameter")
    assert message.startswith("The api-version '2099-01-01' is invalid. The supported versions "
                              "are '2025-04-01,")
    message = _error(call(http, "GET", machine_url(owner, "x", "2019-03-19"), token), 400,
                     "NoRegisteredProviderFound")
    assert "The supported api-versions are '2019-03-18-preview" in message
    assert "West Europe" in message


def test_group_location_must_exist(http, owner) -> None:
    url = f"{_sub(owner)}/resourcegroups/moon-rg?api-version=2025-04-01"
    message = _error(call(http, "PUT", url, owner["token"], {"location": "moonbase"}), 400,
                     "LocationNotAvailableForResourceGroup")
    assert "'moonbase'" in message and "westeurope" in message
    created = call(http, "PUT", url, owner["token"], {"location": "Japan East",
                                                      "managedBy": "/subscriptions/x"})
    assert created.status_code == 201 and created.json()["location"] == "japaneast"
    assert created.json()["managedBy"] == "/subscriptions/x"
    patched = call(http, "PATCH", url, owner["token"], {"tags": {"a": "b"}})
    assert patched.json()["tags"] == {"a": "b"} and patched.json()["managedBy"]
