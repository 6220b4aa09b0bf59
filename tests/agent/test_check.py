"""azcmagent check without the lab: endpoint plans, proxy choice, reasons on loopback, JSON."""

from __future__ import annotations

import socket

import pytest

from cmagent.agent import clouds
from cmagent.agent import netcheck
from cmagent.wire import netconfig
from tests.net import free_port


def test_azure_cloud_plan_has_stable_ids_and_required_flags() -> None:
    plan = {e.check_id: e for e in clouds.endpoints(clouds.BUILT_IN["AzureCloud"], "westeurope")}
    assert set(plan) == {"aad.login", "aad.pas", "aad.legacy", "arm", "arc.his.global",
                         "arc.his.regional", "arc.gc.agentservice", "arc.gc.regional",
                         "notification"}
    assert plan["arc.his.regional"].url == "https://weu.his.arc.azure.com"
    assert plan["arc.gc.regional"].url == "https://westeurope-gas.guestconfiguration.azure.com"
    assert not plan["aad.legacy"].required and not plan["notification"].required
    assert plan["arc.his.global"].private_capable and not plan["arm"].private_capable
    sql = clouds.endpoints(clouds.BUILT_IN["AzureCloud"], "eastus", "sql")
    assert sql[-1].url == "https://eastus.arcdataservices.com" and not sql[-1].required
    gov = clouds.endpoints(clouds.BUILT_IN["AzureUSGovernment"], "usgovvirginia")
    assert any(e.url == "https://usgv.his.arc.azure.us" for e in gov)


def test_proxy_choice_follows_the_agents_precedence() -> None:
    env = {"HTTPS_PROXY": "http://env-proxy:3128", "NO_PROXY": "corp.example"}
    configured = {"proxy.url": "http://config-proxy:8080", "proxy.bypass": ["ARM"]}
    assert netconfig.choose_proxy("login.microsoftonline.com", configured, env).url == \
        "http://config-proxy:8080"
    assert netconfig.choose_proxy("management.azure.com", configured, env).label == "bypassed"
    assert netconfig.choose_proxy("gbl.his.arc.azure.com", {}, env).url == "http://env-proxy:3128"
    assert netconfig.choose_proxy("api.corp.example", {}, env).label == "bypassed"
    assert netconfig.choose_proxy("x.example", {}, {}).label == "not set"


def test_private_link_classification(monkeypatch) -> None:
    def answers(addresses):
        return lambda host, port, type=0: [(socket.AF_INET, socket.SOCK_STREAM, 6, "",
                                             (a, port)) for a in addresses]

    endpoint = clouds.Endpoint("arc.his.global", "https://gbl.his.arc.azure.com", True, True)
    for addresses, reason in ((["20.50.1.1"], "resolves to public address 20.50.1.1"),
                              (["10.0.0.4", "20.50.1.1"], "mix of private and public")):
        monkeypatch.setattr(netcheck.socket, "getaddrinfo", answers(addresses))
        result = netcheck.Result(endpoint, netconfig.ProxyChoice(None, "no proxy"))
        with pytest.raises(netcheck.Failure, match=reason):
            netcheck._resolve(result, private_link=True)
    monkeypatch.setattr(netcheck.socket, "getaddrinfo", answers(["10.0.0.4"]))
    result = netcheck.Result(endpoint, netconfig.ProxyChoice(None, "no proxy"))
    netcheck._resolve(result, private_link=True)
    assert result.private is True


def test_check_against_the_local_cloud_by_url(azcmagent, cloud, monkeypatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", cloud.ca)
    run = azcmagent("check", "--cloud", cloud.url, "--location", "westeurope", "--json")
    document = run.json
    assert run.status == 0 and document["status"] == "success"
    # one origin serves all three: listed and probed once, with every purpose it serves
    assert document["schemaVersion"] == 1 and [c["ids"] for c in document["checks"]] == \
        [["aad.login", "arm", "arc.his.global"]]
    assert all(c["tls"] in ("TLS 1.2", "TLS 1.3") and c["httpStatus"] == 200
               for c in document["checks"])


def test_refused_port_is_azcm0026_with_the_reason(azcmagent) -> None:
    port = free_port()
    run = azcmagent("check", "--cloud", f"https://127.0.0.1:{port}", "-l", "westeurope")
    assert run.status == 26
    assert "tcp: connection refused" in run.stdout and "AZCM0026" in run.stdout
    assert run.stdout.index("ENDPOINT") < run.stdout.index("AZCM0026")
    ja = azcmagent("check", "--cloud", f"https://127.0.0.1:{port}", "-l", "westeurope",
                   lang="ja_JP.UTF-8")
    assert "必須エンドポイント" in ja.stdout


def test_check_arguments(azcmagent) -> None:
    assert azcmagent("check").status == 16
    assert "--location" in azcmagent("check").stdout
    bad = azcmagent("check", "-l", "westeurope", "--cloud", "MoonCloud")
    assert bad.status == 23 and "AzureCloud" in bad.stdout
    assert azcmagent("check", "-l", "westeurope", "-e", "everything").status == 23


def test_include_all_plans_every_extension_endpoint(agent_root) -> None:
    """``--include-all`` (1.52+): on Linux the extended use cases are the extensions'
    endpoints, as ``--extensions all`` gives them. Planned only: no public name is looked up."""
    from types import SimpleNamespace

    from cmagent.agent.commands import check
    from cmagent.machine.paths import Paths

    def plan(**flags) -> set[str]:
        options = SimpleNamespace(**{"location": "westeurope", "cloud": "AzureCloud",
                                     "extensions": None, "include_all": False, **flags})
        context = SimpleNamespace(options=options, env=SimpleNamespace(environ={}),
                                  paths=Paths(str(agent_root)))
        return {endpoint.check_id for endpoint in check._plan(context)[2]}

    assert "ext.sql" in plan(include_all=True) - plan()
    assert plan(include_all=True) == plan(extensions="all")
