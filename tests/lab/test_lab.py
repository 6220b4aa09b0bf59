"""The network lab: each condition observed from the agent host with a plain HTTPS request,
clean set-up and teardown, and the seed's scenarios."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from cmagent.lab import scenarios
from cmagent.lab.lab import Lab
from cmagent.lab.topology import leftovers
from tests.lab.conftest import ROOT

pytestmark = ROOT
METADATA = "https://management.azure.com/metadata/endpoints?api-version=2022-09-01"


def probe(lab: Lab, url: str, proxy: str | None = None) -> dict:
    result = lab.agent(sys.executable, "-m", "cmagent.lab.probe", url, *([proxy] if proxy else []))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_real_names_reach_the_cloud_with_its_ca_trusted(lab) -> None:
    for name in ("login.microsoftonline.com", "management.azure.com", "gbl.his.arc.azure.com",
                 "weu.his.arc.azure.com"):
        verdict = probe(lab, f"https://{name}/metadata/endpoints?api-version=2022-09-01")
        assert verdict["ok"] and verdict["status"] == 200, verdict


def test_no_route_is_network_unreachable(lab) -> None:
    lab.no_route("login.microsoftonline.com")
    verdict = probe(lab, "https://login.microsoftonline.com/")
    assert verdict["errno"] == 101 and "Network is unreachable" in verdict["error"]
    assert probe(lab, METADATA)["ok"]  # only that name


def test_firewall_reject_and_drop(lab) -> None:
    lab.firewall("reject", "management.azure.com")
    assert probe(lab, METADATA)["errno"] == 111
    lab.clear()
    lab.firewall("drop", "management.azure.com")
    dropped = probe(lab, METADATA)
    assert "timed out" in dropped["error"] and dropped["seconds"] >= 4.5


def test_missing_name_is_not_found(lab) -> None:
    lab.remove_names("gbl.his.arc.azure.com")
    verdict = probe(lab, "https://gbl.his.arc.azure.com/")
    assert verdict["errno"] == -2 and "not known" in verdict["error"]


def test_squid_allows_denies_and_asks_for_credentials(lab) -> None:
    proxy = lab.proxy(deny=("login.windows.net",))
    assert probe(lab, METADATA, proxy)["status"] == 200
    assert "403 Forbidden" in probe(lab, "https://login.windows.net/", proxy)["error"]
    lab.clear()
    proxy = lab.proxy(credentials=("arc", "proxy-password"))
    assert "407 Proxy Authentication Required" in probe(lab, METADATA, proxy)["error"]
    authenticated = proxy.replace("http://", "http://arc:proxy-password@")
    assert probe(lab, METADATA, authenticated)["status"] == 200


def test_tls_interception_by_an_untrusted_ca(lab) -> None:
    lab.intercept("management.azure.com")
    verdict = probe(lab, METADATA)
    assert "CERTIFICATE_VERIFY_FAILED" in verdict["error"]
    assert probe(lab, "https://login.microsoftonline.com/common/discovery/keys")["ok"]


def test_slow_link_adds_latency(lab) -> None:
    fast = probe(lab, METADATA)["seconds"]
    lab.slow(200, "management.azure.com")
    slow = probe(lab, METADATA)
    assert slow["status"] == 200 and slow["seconds"] >= fast + 0.8  # several round trips


def test_cloud_faults_from_the_agent_host(lab) -> None:
    lab.cloud_cli("fault", "add", "--service", "metadata", "--status", "503", "--count", "1")
    assert probe(lab, METADATA)["status"] == 503
    assert probe(lab, METADATA)["status"] == 200


def test_two_labs_one_after_the_other_leave_nothing(lab) -> None:
    before = set(leftovers())
    for _ in range(2):
        with Lab(["login.microsoftonline.com"]) as other:
            other.proxy()
            directory = other.dir
            assert set(leftovers()) > before
        assert set(leftovers()) == before and not directory.exists()
    stray = subprocess.run(["pgrep", "-f", str(directory)], capture_output=True, text=True)
    assert stray.stdout == ""


def test_scenarios_cover_the_seed_rows() -> None:
    second_table = [s for s in scenarios.AGENT_SCENARIOS if s.seed == scenarios.SEED_TABLE_2]
    assert len(second_table) == 9  # its eight rows; the fifth (SP or tenant id) twice
    codes = {s.code for s in scenarios.SCENARIOS}
    assert codes >= {0, 11, 12, 16, 18, 19, 23, 26, 41, 42, 43, 44, 62, 63, 64, 67, 68, 81,
                     101, 102, 103, 105}


def test_every_scenario_runs_and_none_passes_unbuilt(lab) -> None:
    outcomes = [scenarios.run(lab, scenario) for scenario in scenarios.AGENT_SCENARIOS]
    states = {o.scenario.name: o.state for o in outcomes}
    assert "mismatched" not in states.values(), [o.to_json() for o in outcomes
                                                 if o.state == "mismatched"]
    for outcome in outcomes:
        assert (outcome.state == "not-built") == (not scenarios.built(lab, outcome.scenario))
    assert states["invalid-value"] == states["not-root"] == states["rsa-key-fails"] == "matched"


def test_scenario_cli() -> None:
    cloud = os.path.join(os.path.dirname(sys.executable), "cmagent-cloud")
    listing = subprocess.run([cloud, "scenario", "list"], capture_output=True, text=True)
    assert "spn-invalid-secret" in listing.stdout and "AZCM0041" in listing.stdout
    run = subprocess.run([cloud, "scenario", "run", "invalid-value", "device-flow-no-route"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "matched" in run.stdout and "AZCM0023" in run.stdout
    assert "NOT BUILT" in run.stdout or "device-flow-no-route" in run.stdout
