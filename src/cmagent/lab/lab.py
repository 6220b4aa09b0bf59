"""A lab: the topology, the cloud on port 443 under the public cloud's real names, and the
conditions a scenario switches on (per name, or for all names).

Use it as a context manager; everything it made is removed on exit, also after a failure or
Ctrl+C (and at interpreter exit, as a last resort).
"""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cmagent.lab import image
from cmagent.lab import names as lab_names
from cmagent.lab import proxies
from cmagent.lab import records
from cmagent.lab.machines import Machine
from cmagent.lab.machines import check_inotify_room
from cmagent.lab.topology import AGENT
from cmagent.lab.topology import CLOUD
from cmagent.lab.topology import LINKS
from cmagent.lab.topology import PROXY
from cmagent.lab.topology import ROUTER
from cmagent.lab.topology import Topology

BIN = Path(sys.executable).parent
PROXY_PORT = 3128
RELAY_ADDRESS = "10.77.2.3"


class LabError(RuntimeError):
    pass


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise LabError("timed out waiting for the lab")
        time.sleep(0.1)


class Lab:
    def __init__(self, names: list[str] | None = None) -> None:
        self.topology = Topology(names or lab_names.ALL)
        self.dir = Path(tempfile.mkdtemp(prefix="cmagent-lab-"))
        self.dir.chmod(0o755)  # squid drops to the 'proxy' user and must reach its files
        self.missing: set[str] = set()
        self.redirected: dict[str, str] = {}
        self.processes: list[subprocess.Popen[bytes]] = []
        self.onboarding: dict[str, Any] = {}
        self.published: Path | None = None  # the tree the download names serve
        self.machines: list[Machine] = []
        self.cloud_ca = self.dir / "cloud" / "ca.pem"  # once the cloud has started
        self._machines_lock = threading.Lock()
        self._up = False

    # --- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Lab:
        atexit.register(self.teardown)
        try:
            self.setup()
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.teardown()
        atexit.unregister(self.teardown)

    def detach(self) -> None:
        """Leave the lab running when this process ends (``lab down`` removes it later)."""
        atexit.unregister(self.teardown)

    def record(self) -> None:
        """Put what the lab has made on record (``records.py``), before its next step."""
        roles = (AGENT, CLOUD, PROXY, ROUTER)
        with self._machines_lock:  # machines are added from several threads at once
            records.write(self.topology.id, {
                "id": self.topology.id, "dir": str(self.dir),
                "namespaces": [*self.topology.machines,
                               *(self.topology.ns(role) for role in roles)],
                "processes": [p.pid for p in self.processes],
                "machines": [m.to_state() for m in self.machines],
                "cloud": {"ca": str(self.cloud_ca), "dataDir": str(self.dir / "cloud"),
                          "namespace": self.topology.ns(CLOUD)},
                "onboarding": {k: v for k, v in self.onboarding.items()
                               if k != "servicePrincipalSecret"}})

    def setup(self) -> None:
        self._up = True
        self.topology.create()
        self.record()
        self._start_cloud()
        self.record()
        self._write_agent_etc()
        self._write_resolution(PROXY, lab_names.hosts_file(self.topology.names))

    def teardown(self) -> None:
        for machine in self.machines:
            machine.stop()
        self.machines.clear()
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        self.processes.clear()
        if self._up:
            self.topology.teardown()
            self._up = False
        shutil.rmtree(self.dir, ignore_errors=True)
        records.remove(self.topology.id)

    # --- the cloud -------------------------------------------------------------------------

    def _start_cloud(self) -> None:
        data = self.dir / "cloud"
        ready = self.dir / "cloud-ready.json"
        hostnames = [arg for name in [*self.topology.names, *lab_names.WILDCARDS]
                     for arg in ("--hostname", name)]
        self.spawn(CLOUD, str(BIN / "cmagent-cloud"), "serve", "--data-dir", str(data),
                   "--host", "0.0.0.0", "--port", "443", "--allow-remote",
                   "--ready-file", str(ready), *hostnames)
        deadline = time.monotonic() + 60
        while not ready.exists():
            if time.monotonic() > deadline or self.processes[-1].poll() is not None:
                raise LabError(f"the cloud did not start: {(self.dir / 'cloud.err').read_text()}")
            time.sleep(0.1)

    def cloud_cli(self, *args: str) -> Any:
        """Run a cmagent-cloud management subcommand on the cloud host; its JSON answer."""
        result = self.topology.exec(CLOUD, str(BIN / "cmagent-cloud"), *args, "--data-dir",
                                    str(self.dir / "cloud"), check=False)
        if result.returncode != 0:
            raise LabError(f"cmagent-cloud {' '.join(args)}: {result.stderr.strip()}")
        return json.loads(result.stdout)

    def publish(self, tree: Path) -> None:
        """Serve the files of ``tree`` from the cloud's download names (e.g. the apt
        repository ``packaging/build_repo.py`` built, as packages.microsoft.com)."""
        if self.published == tree:
            return
        target = self.dir / "cloud" / "downloads"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(tree, target)
        self.published = tree

    def quickstart(self, *roles: str) -> dict[str, Any]:
        extra = [arg for role in roles for arg in ("--role", role)]
        self.onboarding = self.cloud_cli("quickstart", "--json", *extra)
        self.record()
        return self.onboarding

    # --- processes and files ---------------------------------------------------------------

    def spawn_env(self, role: str, env: dict[str, str], *command: str) -> None:
        """Start a long-running process (himds) with its own environment on a host."""
        with (self.dir / f"{Path(command[0]).name}-{len(self.processes)}.err").open("wb") as log:
            self.processes.append(subprocess.Popen(
                ["ip", "netns", "exec", self.topology.ns(role), *command], env=env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True))

    def spawn(self, role: str, *command: str) -> subprocess.Popen[bytes]:
        program = Path(command[0]).name
        name = "cloud.err" if program == "cmagent-cloud" else f"{program}-{len(self.processes)}.err"
        with (self.dir / name).open("wb") as log:  # the child keeps its own descriptor
            process = subprocess.Popen(["ip", "netns", "exec", self.topology.ns(role), *command],
                                       stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)  # outlives 'lab up'

        self.processes.append(process)
        return process

    def _write_resolution(self, role: str, hosts: str) -> None:
        etc = self.topology.etc(role)
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "hosts").write_text(hosts)
        # Files only: a name missing from the hosts file is "not found", never asked of a DNS.
        (etc / "nsswitch.conf").write_text("hosts: files\n")
        (etc / "resolv.conf").write_text("# the lab resolves names from its hosts file only\n")

    def _write_agent_etc(self) -> None:
        self._refresh_agent_hosts()
        ssl = self.topology.etc(AGENT) / "ssl"
        (ssl / "certs").mkdir(parents=True, exist_ok=True)
        shutil.copy(self.cloud_ca, ssl / "certs" / "ca-certificates.crt")
        if Path("/etc/ssl/openssl.cnf").exists():
            shutil.copy("/etc/ssl/openssl.cnf", ssl / "openssl.cnf")

    def _refresh_agent_hosts(self) -> None:
        hosts = self._agent_hosts()
        self._write_resolution(AGENT, hosts)
        for machine in self.machines:
            machine.write_hosts(hosts)

    def _agent_hosts(self) -> str:
        addresses = {name: self.redirected.get(name, address)
                     for name, address in self.topology.names.items()
                     if name not in self.missing}
        return lab_names.hosts_file(addresses)

    # --- machines --------------------------------------------------------------------------

    def add_machine(self, name: str | None = None, agent: bool = True) -> Machine:
        """Boot a new machine in a host of its own in the lab: with the agent installed, or
        (``agent=False``) plain Debian, for installing it as a user would."""
        with self._machines_lock:  # machines may be added from several threads at once
            check_inotify_room(booting=sum(1 for m in self.machines if not m.pid))
            layers = list(image.agent_layer()) if agent else [image.base_image()]
            name = name or f"machine{len(self.machines)}"
            machine = Machine(name, self.dir / "machines" / name, self.topology.add_machine(),
                              layers, agent)
            self.machines.append(machine)  # stopped by teardown, also when the boot fails
        self.record()
        machine.boot(self._agent_hosts(), self.cloud_ca.read_bytes())
        self.record()
        return machine

    def remove_machine(self, machine: Machine) -> None:
        machine.stop()
        self.topology.remove_machine(machine.netns)
        with self._machines_lock:
            self.machines.remove(machine)
        self.record()

    def agent(self, *command: str, env: dict[str, str] | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run a command on the agent host."""
        return subprocess.run(["ip", "netns", "exec", self.topology.ns(AGENT), *command],
                              capture_output=True, text=True, env=env, timeout=timeout)

    # --- conditions ------------------------------------------------------------------------

    def _targets(self, names: tuple[str, ...]) -> list[str]:
        unknown = set(names) - set(self.topology.names)
        if unknown:
            raise LabError(f"not a lab name: {', '.join(sorted(unknown))}")
        return list(names) or list(self.topology.names)

    def no_route(self, *names: str) -> None:
        for name in self._targets(names):
            self.topology.unroute(self.topology.names[name])

    def firewall(self, verdict: str, *names: str) -> None:
        for name in self._targets(names):
            self.topology.firewall(self.topology.names[name], verdict)

    def remove_names(self, *names: str) -> None:
        self.missing.update(self._targets(names))
        self._refresh_agent_hosts()

    def proxy(self, deny: tuple[str, ...] = (), credentials: tuple[str, str] | None = None,
              ) -> str:
        """Start squid on the proxy host; the URL the agent should use."""
        address = LINKS[PROXY][1]
        config = proxies.squid_config(self.dir / "squid", address, PROXY_PORT,
                                      self.dir / "squid" / "hosts", deny, credentials)
        (self.dir / "squid" / "hosts").write_text(lab_names.hosts_file(self.topology.names))
        self.spawn(PROXY, "squid", "-N", "-f", str(config))
        proxies.wait_listening(self.topology, PROXY, address, PROXY_PORT)
        return f"http://{address}:{PROXY_PORT}"

    def intercept(self, *names: str) -> None:
        """Names answer through mitmproxy, which forges certificates from its own CA."""
        address = LINKS[PROXY][1]
        self.spawn(PROXY, "mitmdump", "--mode", f"reverse:https://{LINKS[CLOUD][1]}:443",
                   "--listen-host", address, "--listen-port", "443", "--ssl-insecure",
                   "--set", f"confdir={self.dir / 'mitm'}", "-q")
        proxies.wait_listening(self.topology, PROXY, address, 443)
        for name in self._targets(names):
            self.redirected[name] = address
        self._refresh_agent_hosts()

    def slow(self, delay_ms: int, *names: str) -> None:
        """Add ``delay_ms`` each way on the path to the names, through a TCP relay on the proxy
        host that holds every chunk back. (tc netem would be the kernel's way, but the kernels
        this project runs on ship without the sch_netem module.)"""
        self.topology.exec(PROXY, "ip", "addr", "add", f"{RELAY_ADDRESS}/24", "dev", "eth0",
                           check=False)
        self.spawn(PROXY, sys.executable, "-m", "cmagent.lab.relay", RELAY_ADDRESS, "443",
                   LINKS[CLOUD][1], "443", str(delay_ms))
        proxies.wait_listening(self.topology, PROXY, RELAY_ADDRESS, 443)
        self.topology.route_to(RELAY_ADDRESS)
        for name in self._targets(names):
            self.redirected[name] = RELAY_ADDRESS
        self._refresh_agent_hosts()

    def clear(self) -> None:
        """Back to a healthy network, a cloud without faults and with its clock in time (the
        cloud's data stays)."""
        self.cloud_cli("fault", "clear")
        self.cloud_cli("clock", "reset")
        for process in self.processes[1:]:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        del self.processes[1:]
        self.missing.clear()
        self.redirected.clear()
        self.topology.restore_routes()
        self.topology.clear_firewall()
        self._refresh_agent_hosts()
