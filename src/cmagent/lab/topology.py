"""The lab's hosts: Linux network namespaces joined through a router namespace.

```
agent 10.77.0.2 ── 10.77.0.1 router 10.77.1.1 ── cloud 10.77.1.2 (+ one address per real name)
                              router 10.77.2.1 ── proxy 10.77.2.2
```
Each lab machine (``machines.py``) is a host of its own like the agent host: namespace
``cml<id>m<n>`` on 10.77.<32+n>.0/24, with the agent host's routes and conditions.
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
MACHINE_SUBNET_BASE = 32


def run(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=check, capture_output=True, text=True)


class Topology:
    """The namespaces of one lab; ``ns(role)`` is the namespace name of a host."""

    def __init__(self, names: list[str], lab_id: str | None = None) -> None:
        self.id = lab_id or uuid.uuid4().hex[:6]
        self.names = {name: f"{NAME_BASE}{10 + index}" for index, name in enumerate(names)}
        self.machines: dict[str, str] = {}  # namespace of each machine host -> its gateway
        self._next_machine = 0

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
        self._veth(self.ns(role), role[0], LINKS[role])
        if role != AGENT:  # the cloud and the proxy answer anyone through the router
            run("ip", "-n", self.ns(role), "route", "add", "default", "via", LINKS[role][0])

    def _veth(self, namespace: str, tag: str, addresses: tuple[str, str]) -> None:
        outside, inside = f"r{self.id}{tag}", f"h{self.id}{tag}"
        run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
        run("ip", "link", "set", outside, "netns", self.ns(ROUTER))
        run("ip", "link", "set", inside, "netns", namespace)
        run("ip", "-n", namespace, "link", "set", inside, "name", "eth0")
        router_side, host_side = addresses
        run("ip", "-n", self.ns(ROUTER), "addr", "add", f"{router_side}/24", "dev", outside)
        run("ip", "-n", namespace, "addr", "add", f"{host_side}/24", "dev", "eth0")
        run("ip", "-n", self.ns(ROUTER), "link", "set", outside, "up")
        run("ip", "-n", namespace, "link", "set", "eth0", "up")

    def add_machine(self) -> str:
        """A new machine host (its namespace, linked to the router like the agent host)."""
        index = self._next_machine
        if index > 200:
            raise ValueError("a lab has room for 200 machine hosts")
        self._next_machine += 1
        namespace = f"cml{self.id}m{index}"
        run("ip", "netns", "add", namespace)
        run("ip", "-n", namespace, "link", "set", "lo", "up")
        subnet = f"10.77.{MACHINE_SUBNET_BASE + index}"
        self.machines[namespace] = f"{subnet}.1"
        self._veth(namespace, f"m{index}", (f"{subnet}.1", f"{subnet}.2"))
        self._routes(namespace, f"{subnet}.1")
        return namespace

    def adopt_machine(self, namespace: str) -> None:
        """A machine host another process made (the lab is attached to from its record)."""
        index = int(namespace.rsplit("m", 1)[1])
        self.machines[namespace] = f"10.77.{MACHINE_SUBNET_BASE + index}.1"
        self._next_machine = max(self._next_machine, index + 1)

    def remove_machine(self, namespace: str) -> None:
        remove_namespace(namespace)  # its veth pair goes with it
        self.machines.pop(namespace, None)

    def restore_routes(self) -> None:
        """The agent reaches each cloud address and the proxy; it has no default route, so an
        address without a route answers 'network is unreachable'."""
        self._routes(self.ns(AGENT), LINKS[AGENT][0])
        for namespace, gateway in self.machines.items():
            self._routes(namespace, gateway)

    def _routes(self, namespace: str, gateway: str) -> None:
        run("ip", "-n", namespace, "route", "flush", "proto", "static", check=False)
        for address in [*self.names.values(), LINKS[CLOUD][1], LINKS[PROXY][1]]:
            run("ip", "-n", namespace, "route", "replace", f"{address}/32", "via", gateway,
                "proto", "static")

    def route_to(self, address: str) -> None:
        """A route from the agent host and every machine to one more address of the lab."""
        hosts = {self.ns(AGENT): LINKS[AGENT][0], **self.machines}
        for namespace, gateway in hosts.items():
            run("ip", "-n", namespace, "route", "replace", f"{address}/32", "via", gateway,
                "proto", "static")

    def unroute(self, address: str) -> None:
        for namespace in (self.ns(AGENT), *self.machines):
            run("ip", "-n", namespace, "route", "replace", "throw", f"{address}/32",
                "proto", "static")

    def _firewall(self) -> None:
        script = ("table inet lab {\n chain forward {\n  type filter hook forward priority 0;\n"
                  " }\n}\n")
        subprocess.run(["ip", "netns", "exec", self.ns(ROUTER), "nft", "-f", "-"], input=script,
                       check=True, capture_output=True, text=True)

    def firewall(self, address: str, verdict: str) -> None:
        """Drop or reject (TCP reset) the traffic of the agent host and the machines (not the
        proxy's) to ``address``."""
        action = "drop" if verdict == "drop" else "reject with tcp reset"
        self.exec(ROUTER, "nft", "add", "rule", "inet", "lab", "forward", "iifname", "!=",
                  f"r{self.id}p", "ip", "daddr", address, "tcp", "dport", "443",
                  *action.split())

    def clear_firewall(self) -> None:
        self.exec(ROUTER, "nft", "flush", "chain", "inet", "lab", "forward", check=False)

    def etc(self, role: str) -> Path:
        return ETC_NETNS / self.ns(role)

    def teardown(self) -> None:
        for namespace in [*self.machines, *(self.ns(role) for role in (AGENT, CLOUD, PROXY,
                                                                         ROUTER))]:
            remove_namespace(namespace)
        self.machines.clear()


def remove_namespace(namespace: str) -> None:
    for pid in run("ip", "netns", "pids", namespace, check=False).stdout.split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), 9)
    run("ip", "netns", "del", namespace, check=False)
    shutil.rmtree(ETC_NETNS / namespace, ignore_errors=True)


def leftovers() -> list[str]:
    """Namespaces, /etc/netns entries, mounts and machine processes of any lab still present
    (for tests and cleanup)."""
    namespaces = [line.split()[0] for line in run("ip", "netns", "list").stdout.splitlines()
                  if line.startswith("cml")]
    entries = [p.name for p in ETC_NETNS.glob("cml*")] if ETC_NETNS.exists() else []
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()
              if "/cmagent-lab-" in line.split()[1]]
    machines = [f"process {pid}" for pid in run("pgrep", "-f", "systemd-nspawn.*cmagent-lab-",
                                                check=False).stdout.split()]
    return sorted(set(namespaces + entries)) + mounts + machines
