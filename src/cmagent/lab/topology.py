"""The lab's hosts: Linux network namespaces joined through a router namespace.

```
agent 10.77.0.2 ── 10.77.0.1 router 10.77.1.1 ── cloud 10.77.1.2 (+ one address per real name)
                              router 10.77.2.1 ── proxy 10.77.2.2
```
Each real host name of the public cloud gets its own address on the cloud host, so that a
condition (no route, drop, reject, interception, latency) can hit one name and spare the rest.
The agent host resolves names from its own hosts file only (``/etc/netns/<ns>/``, which
``ip netns exec`` mounts over ``/etc``), and its system trust store holds the cloud's CA only.
Every namespace, file and process the lab makes is removed by ``teardown``, which is idempotent.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from pathlib import Path

ETC_NETNS = Path("/etc/netns")
AGENT, ROUTER, CLOUD, PROXY = "agent", "router", "cloud", "proxy"
LINKS = {AGENT: ("10.77.0.1", "10.77.0.2"), CLOUD: ("10.77.1.1", "10.77.1.2"),
         PROXY: ("10.77.2.1", "10.77.2.2")}
NAME_BASE = "10.77.1."


def run(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=check, capture_output=True, text=True)


class Topology:
    """The namespaces of one lab; ``ns(role)`` is the namespace name of a host."""

    def __init__(self, names: list[str]) -> None:
        self.id = uuid.uuid4().hex[:6]
        self.names = {name: f"{NAME_BASE}{10 + index}" for index, name in enumerate(names)}

    def ns(self, role: str) -> str:
        return f"cml{self.id}{role[0]}"

    def address(self, role: str) -> str:
        return LINKS[role][1]

    def exec(self, role: str, *command: str, check: bool = True,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ip", "netns", "exec", self.ns(role), *command], check=check,
                              capture_output=True, text=True, env=env)

    def create(self) -> None:
        for role in (ROUTER, AGENT, CLOUD, PROXY):
            run("ip", "netns", "add", self.ns(role))
            run("ip", "-n", self.ns(role), "link", "set", "lo", "up")
        for role in (AGENT, CLOUD, PROXY):
            self._link(role)
        run("ip", "netns", "exec", self.ns(ROUTER), "sysctl", "-qw", "net.ipv4.ip_forward=1")
        for address in self.names.values():
            run("ip", "-n", self.ns(CLOUD), "addr", "add", f"{address}/24", "dev", "eth0")
        self.restore_routes()
        self._firewall()

    def _link(self, role: str) -> None:
        outside, inside = f"r{self.id}{role[0]}", f"h{self.id}{role[0]}"
        run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
        run("ip", "link", "set", outside, "netns", self.ns(ROUTER))
        run("ip", "link", "set", inside, "netns", self.ns(role))
        run("ip", "-n", self.ns(role), "link", "set", inside, "name", "eth0")
        router_side, host_side = LINKS[role]
        run("ip", "-n", self.ns(ROUTER), "addr", "add", f"{router_side}/24", "dev", outside)
        run("ip", "-n", self.ns(role), "addr", "add", f"{host_side}/24", "dev", "eth0")
        run("ip", "-n", self.ns(ROUTER), "link", "set", outside, "up")
        run("ip", "-n", self.ns(role), "link", "set", "eth0", "up")
        if role != AGENT:  # the cloud and the proxy answer anyone through the router
            run("ip", "-n", self.ns(role), "route", "add", "default", "via", router_side)

    def restore_routes(self) -> None:
        """The agent reaches each cloud address and the proxy; it has no default route, so an
        address without a route answers 'network is unreachable'."""
        agent, gateway = self.ns(AGENT), LINKS[AGENT][0]
        run("ip", "-n", agent, "route", "flush", "proto", "static", check=False)
        for address in [*self.names.values(), LINKS[CLOUD][1], LINKS[PROXY][1]]:
            run("ip", "-n", agent, "route", "replace", f"{address}/32", "via", gateway,
                "proto", "static")

    def unroute(self, address: str) -> None:
        run("ip", "-n", self.ns(AGENT), "route", "replace", "throw", f"{address}/32",
            "proto", "static")

    def _firewall(self) -> None:
        script = ("table inet lab {\n chain forward {\n  type filter hook forward priority 0;\n"
                  " }\n}\n")
        subprocess.run(["ip", "netns", "exec", self.ns(ROUTER), "nft", "-f", "-"], input=script,
                       check=True, capture_output=True, text=True)

    def firewall(self, address: str, verdict: str) -> None:
        """Drop or reject (TCP reset) the agent's traffic to ``address``."""
        action = "drop" if verdict == "drop" else "reject with tcp reset"
        self.exec(ROUTER, "nft", "add", "rule", "inet", "lab", "forward", "ip", "saddr",
                  LINKS[AGENT][1], "ip", "daddr", address, "tcp", "dport", "443", *action.split())

    def clear_firewall(self) -> None:
        self.exec(ROUTER, "nft", "flush", "chain", "inet", "lab", "forward", check=False)

    def etc(self, role: str) -> Path:
        return ETC_NETNS / self.ns(role)

    def teardown(self) -> None:
        for role in (AGENT, CLOUD, PROXY, ROUTER):
            run("ip", "netns", "pids", self.ns(role), check=False)
            for pid in run("ip", "netns", "pids", self.ns(role), check=False).stdout.split():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), 9)
            run("ip", "netns", "del", self.ns(role), check=False)
            shutil.rmtree(self.etc(role), ignore_errors=True)


def leftovers() -> list[str]:
    """Namespaces and /etc/netns entries of any lab still present (for tests and cleanup)."""
    namespaces = [line.split()[0] for line in run("ip", "netns", "list").stdout.splitlines()
                  if line.startswith("cml")]
    entries = [p.name for p in ETC_NETNS.glob("cml*")] if ETC_NETNS.exists() else []
    return sorted(set(namespaces + entries))
