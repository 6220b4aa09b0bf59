"""Putting conditions (``conditions.py``) into force on a lab, while it runs: routes and the
router's firewall, the machines' hosts files and trust stores, and the processes some conditions
need on the proxy host (squid, the TLS interceptor, the slow relays). Each change is seen by the
machines at once: routes and firewall rules apply to the next packet, hosts files and trust
stores are rewritten in place and read again by every new connection.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cmagent.lab import names as lab_names
from cmagent.lab import proxies
from cmagent.lab.conditions import Condition
from cmagent.lab.conditions import matching
from cmagent.lab.topology import CLOUD
from cmagent.lab.topology import LINKS
from cmagent.lab.topology import PROXY

if TYPE_CHECKING:
    from cmagent.lab.lab import Lab

PROXY_PORT = 3128
RELAY_BASE = 3  # slow relays listen on 10.77.2.3, .4, ... (one per delay)
TRUST_MARK = "# cmagent-lab: the TLS interceptor's CA"


def proxy_url() -> str:
    return f"http://{LINKS[PROXY][1]}:{PROXY_PORT}"


def apply(lab: Lab, condition: Condition, targets: list[str]) -> None:
    """Put one more condition (already among ``lab.conditions``) into force on ``targets``,
    the lab names it chooses."""
    if condition.kind == "no-route":
        for name in targets:
            lab.topology.unroute(lab.topology.names[name])
    elif condition.kind in ("drop", "reject"):
        for name in targets:
            lab.topology.firewall(lab.topology.names[name], condition.kind)
    elif condition.kind == "proxy":
        _start_proxy(lab, condition)
    elif condition.kind == "intercept":
        _intercept(lab, condition)
    elif condition.kind == "slow":
        _slow(lab, condition.delay_ms)
    lab.refresh_agent_hosts()  # name-missing, intercept and slow act through the hosts files


def name_effects(lab: Lab) -> tuple[set[str], dict[str, str]]:
    """What the conditions in force make of the names in the machines' hosts files: the names
    left out, and the names led to another address (the interceptor's, a slow relay's); a
    later condition wins over an earlier one."""
    missing: set[str] = set()
    redirected: dict[str, str] = {}
    for condition in lab.conditions:
        if condition.kind not in ("name-missing", "intercept", "slow"):
            continue
        names = matching(condition.names, lab.name_list())
        if condition.kind == "name-missing":
            missing.update(names)
        else:
            address = LINKS[PROXY][1] if condition.kind == "intercept" \
                else lab.relays[condition.delay_ms]
            redirected.update(dict.fromkeys(names, address))
    return missing, redirected


def reset(lab: Lab) -> None:
    """Back to a healthy network: every condition's process stopped, routes, firewall, hosts
    and trust stores as the lab made them."""
    lab.stop_condition_processes()
    lab.relays.clear()
    lab.topology.restore_routes()
    lab.topology.clear_firewall()
    trust(lab, None)
    lab.refresh_agent_hosts()


def _start_proxy(lab: Lab, condition: Condition) -> None:
    lab.stop_condition_processes("squid")
    address = LINKS[PROXY][1]
    directory = lab.dir / "squid"
    config = proxies.squid_config(directory, address, PROXY_PORT, directory / "hosts",
                                  condition)
    (directory / "hosts").write_text(lab_names.hosts_file(lab.topology.names))
    lab.spawn_condition(PROXY, "squid", "-N", "-f", str(config))
    proxies.wait_listening(lab.topology, PROXY, address, PROXY_PORT)


def _intercept(lab: Lab, condition: Condition) -> None:
    """The names answer through mitmproxy, which forges certificates from its own CA (kept in
    the lab's directory, so that it stays the same while the lab runs)."""
    address = LINKS[PROXY][1]
    if not lab.running_condition("mitmdump"):
        lab.spawn_condition(PROXY, "mitmdump", "--mode", f"reverse:https://{LINKS[CLOUD][1]}:443",
                            "--listen-host", address, "--listen-port", "443", "--ssl-insecure",
                            "--set", f"confdir={lab.dir / 'mitm'}", "-q")
        proxies.wait_listening(lab.topology, PROXY, address, 443)
    if condition.trusted:
        trust(lab, (lab.dir / "mitm" / "mitmproxy-ca-cert.pem").read_text())


def _slow(lab: Lab, delay_ms: int) -> None:
    """Through a TCP relay on the proxy host that holds every chunk back. (tc netem would be
    the kernel's way, but the kernels this project runs on ship without sch_netem.)"""
    if delay_ms not in lab.relays:
        address = f"10.77.2.{RELAY_BASE + len(lab.relays)}"
        lab.topology.exec(PROXY, "ip", "addr", "add", f"{address}/24", "dev", "eth0",
                          check=False)
        lab.spawn_condition(PROXY, sys.executable, "-m", "cmagent.lab.relay", address, "443",
                            LINKS[CLOUD][1], "443", str(delay_ms))
        proxies.wait_listening(lab.topology, PROXY, address, 443)
        lab.topology.route_to(address)
        lab.relays[delay_ms] = address


def trust(lab: Lab, pem: str | None) -> None:
    """The interceptor's CA in (``pem``) or out of (None) the trust store of the agent host
    and of every machine."""
    bundles = [lab.topology.etc("agent") / "ssl" / "certs" / "ca-certificates.crt"]
    bundles += [m.merged / "etc" / "ssl" / "certs" / "ca-certificates.crt" for m in lab.machines]
    for bundle in bundles:
        if bundle.exists():
            _set_trusted(bundle, pem)


def _set_trusted(bundle: Path, pem: str | None) -> None:
    text = bundle.read_text()
    kept = text.split(f"\n{TRUST_MARK}\n")[0]
    added = f"\n{TRUST_MARK}\n{pem}" if pem else ""
    if kept + added != text:
        bundle.write_text(kept + added)
