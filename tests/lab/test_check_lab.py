"""azcmagent check from the lab's agent host: every reason produced by its real condition."""

from __future__ import annotations

import json

import pytest

from cmagent.lab.lab import BIN
from cmagent.lab.lab import Lab
from tests.lab.conftest import ROOT

pytestmark = ROOT
TIMEOUT = "2"


def check(lab: Lab, *extra: str, **env: str) -> tuple[int, str, dict]:
    environ = {"PATH": f"{BIN}:/usr/sbin:/usr/bin:/bin", "AZCMAGENT_ROOT": str(lab.dir),
               "AZCMAGENT_CHECK_TIMEOUT": TIMEOUT, **env}
    text = lab.agent(str(BIN / "azcmagent"), "check", "-l", "westeurope", *extra, env=environ)
    as_json = lab.agent(str(BIN / "azcmagent"), "check", "-l", "westeurope", "--json", *extra,
                        env=environ)
    assert text.returncode == as_json.returncode
    return text.returncode, text.stdout, json.loads(as_json.stdout)


def by_id(document: dict, check_id: str) -> dict:
    return next(c for c in document["checks"] if c["id"] == check_id)


def test_healthy_network_passes(lab) -> None:
    status, text, document = check(lab)
    assert status == 0 and document["status"] == "success"
    assert "ENDPOINT" in text and "|true" in text
    assert all(c["reachable"] for c in document["checks"])


def _block_page(lab: Lab) -> None:
    """A filtering device answering with its own page: HTML instead of the service's JSON."""
    lab.cloud_cli("fault", "add", "--service", "identity", "--path-pattern",
                  "/common/discovery/keys", "--status", "403", "--body",
                  "<html><body><h1>Access denied by the web filter</h1></body></html>")


@pytest.mark.parametrize("condition,check_id,layer,reason", [
    (lambda lab: lab.no_route("management.azure.com"), "arm", "tcp",
     "no route to network (network is unreachable)"),
    (lambda lab: lab.firewall("reject", "management.azure.com"), "arm", "tcp",
     "connection refused"),
    (lambda lab: lab.firewall("drop", "management.azure.com"), "arm", "tcp",
     f"timed out after {TIMEOUT}s"),
    (lambda lab: lab.remove_names("gbl.his.arc.azure.com"), "arc.his.global", "dns",
     "name not found"),
    (lambda lab: lab.intercept("login.microsoftonline.com"), "aad.login", "tls",
     'TLS certificate issued by "O=mitmproxy,CN=mitmproxy", not trusted: traffic is probably '
     "being inspected"),
    (_block_page, "aad.login", "http",
     "the answer is an HTML page (status 403), not the service: probably a proxy or firewall "
     "block page"),
], ids=["no-route", "reject", "drop", "dns-missing", "tls-interception", "block-page"])
def test_each_blocker_is_named(lab, condition, check_id, layer, reason) -> None:
    condition(lab)
    status, text, document = check(lab)
    assert status == 26 and document["status"] == "failed"
    assert document["error"]["code"] == "AZCM0026"
    found = by_id(document, check_id)
    assert found["layer"] == layer and found["reason"] == reason, found
    assert f"{found['endpoint']}: {layer}: {reason}" in text


@pytest.mark.parametrize("mode,reason", [("deny", "proxy refused CONNECT (403)"),
                                         ("auth", "proxy needs credentials (407)")])
def test_proxy_refusals(lab, mode, reason) -> None:
    proxy = lab.proxy(deny=("management.azure.com",)) if mode == "deny" \
        else lab.proxy(credentials=("arc", "secret-password"))
    status, text, document = check(lab, HTTPS_PROXY=proxy)
    arm = by_id(document, "arm")
    assert status == 26 and arm["layer"] == "proxy" and arm["reason"] == reason
    assert arm["proxy"] == "set" and "|set" in text


def test_optional_endpoints_never_fail_the_run(lab) -> None:
    lab.no_route("login.windows.net", "guestnotificationservice.azure.com")
    status, text, document = check(lab)
    assert status == 0 and "Unreachable (optional):" in text
    assert not by_id(document, "aad.legacy")["reachable"]


def test_one_black_holed_endpoint_costs_one_timeout(lab) -> None:
    lab.firewall("drop", "management.azure.com", "pas.windows.net", "gbl.his.arc.azure.com")
    _, _, document = check(lab)
    assert document["durationSeconds"] < float(TIMEOUT) + 1.5  # parallel, not a sum
