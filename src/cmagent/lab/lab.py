"""A lab: the topology, the cloud on port 443 under the public cloud's real names, and the
conditions a scenario switches on (per name, or for all names).

Use it as a context manager; everything it made is removed on exit, also after a failure or
Ctrl+C (and at interpreter exit, as a last resort).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cmagent.lab import image
from cmagent.lab import names as lab_names
from cmagent.lab import records
from cmagent.lab import switchboard
from cmagent.lab.conditions import Condition
from cmagent.lab.conditions import matching
from cmagent.lab.conditions import without
from cmagent.lab.machines import Machine
from cmagent.lab.machines import check_inotify_room
from cmagent.lab.topology import AGENT
from cmagent.lab.topology import CLOUD
from cmagent.lab.topology import PROXY
from cmagent.lab.topology import ROUTER
from cmagent.lab.topology import Topology

BIN = Path(sys.executable).parent


def _shown(words: tuple[str, ...]) -> str:
    """A command's words with the value of any --...password or --...secret flag masked."""
    return " ".join("***" if index and words[index - 1].startswith("--") and any(
        kind in words[index - 1].lower() for kind in ("password", "secret")) else word
        for index, word in enumerate(words))


class LabError(RuntimeError):
    pass


TOOLS = ("ip", "nft", "nsenter", "systemd-nspawn", "mmdebstrap", "squid", "mitmdump")


def missing_requirements() -> str:
    """Why a lab cannot run here (empty when it can): root, and the programs it uses."""
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces, mounts, containers)"
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    return f"the lab needs {', '.join(missing)} (see scripts/setup)" if missing else ""


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise LabError("timed out waiting for the lab")
        time.sleep(0.1)


_teardowns = 0  # while one runs, SIGTERM is dropped: the teardown is what it asks for already


def _interrupt_on_sigterm() -> None:
    """SIGTERM (``kill``, a CI job's time limit) ends a process that made a lab as Ctrl+C does,
    so that the lab is torn down; Python's default would end it at once and leave it all."""
    if (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL):
        signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: object) -> None:
    if not _teardowns:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_ignored() -> Iterator[None]:
    global _teardowns
    _teardowns += 1
    try:
        yield
    finally:
        _teardowns -= 1


class Lab:
    def __init__(self, names: list[str] | None = None) -> None:
        self.topology = Topology(names or lab_names.ALL)
        self.dir = Path(tempfile.mkdtemp(prefix="cmagent-lab-"))
        self.dir.chmod(0o711)  # squid drops to the 'proxy' user and must reach its files (by
        # name: other users may not list what the lab holds)
        self.conditions: list[Condition] = []
        self.relays: dict[int, str] = {}  # delay in ms -> the slow relay's address
        self.processes: list[subprocess.Popen[bytes]] = []  # the cloud's, the lab's own
        self.condition_processes: list[int] = []  # squid, the interceptor, relays
        self.inherited: list[int] = []  # processes of the lab's own another process started
        self._children: dict[int, subprocess.Popen[bytes]] = {}
        self.onboarding: dict[str, Any] = {}
        self.published: Path | None = None  # the tree the download names serve
        self.machines: list[Machine] = []
        self.cloud_ca = self.dir / "cloud" / "ca.pem"  # once the cloud has started
        self._machines_lock = threading.Lock()
        self._up = False

    # --- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Lab:
        _interrupt_on_sigterm()
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

    @classmethod
    def attach(cls, state: dict[str, Any]) -> Lab:
        """The running lab a record describes (``lab up`` in another process brought it up),
        to switch its conditions; it is never torn down from here (``lab down`` does that)."""
        lab = cls.__new__(cls)
        lab.__init_attached(state)
        return lab

    def __init_attached(self, state: dict[str, Any]) -> None:
        self.topology = Topology(state["names"], lab_id=state["id"])
        self.dir = Path(state["dir"])
        self.conditions = [Condition.from_json(c) for c in state.get("conditions", [])]
        self.relays = {int(k): v for k, v in state.get("relays", {}).items()}
        self.processes, self._children = [], {}
        self.condition_processes = list(state.get("conditionProcesses", []))
        self.inherited = list(state["processes"])
        self.onboarding = state["onboarding"]
        self.published = None
        self.machines = [Machine.from_state(m) for m in state["machines"]]
        for machine in self.machines:
            self.topology.adopt_machine(machine.netns)
        self.cloud_ca = self.dir / "cloud" / "ca.pem"
        self._machines_lock = threading.Lock()
        self._up = False

    def detach(self) -> None:
        """Leave the lab running when this process ends (``lab down`` removes it later)."""
        atexit.unregister(self.teardown)

    def record(self) -> None:
        """Put what the lab has made on record (``records.py``), before its next step."""
        roles = (AGENT, CLOUD, PROXY, ROUTER)
        with self._machines_lock:  # machines are added from several threads at once
            records.write(self.topology.id, {
                "id": self.topology.id, "dir": str(self.dir),
                "names": list(self.topology.names),
                "namespaces": [*self.topology.machines,
                               *(self.topology.ns(role) for role in roles)],
                "processes": [*self.inherited, *(p.pid for p in self.processes)],
                "conditions": [c.to_json() for c in self.conditions],
                "conditionProcesses": self.condition_processes,
                "relays": {str(k): v for k, v in self.relays.items()},
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
        with _sigterm_ignored():
            self._remove_all()

    def _remove_all(self) -> None:
        for machine in self.machines:
            machine.stop()
        self.machines.clear()
        self.stop_condition_processes()
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
        if result.returncode != 0:  # (its message reaches scenario reports: no password)
            raise LabError(f"cmagent-cloud {_shown(args)}: {result.stderr.strip()}")
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

    def spawn(self, role: str, *command: str, kept: bool = True) -> subprocess.Popen[bytes]:
        program = Path(command[0]).name
        name = "cloud.err" if program == "cmagent-cloud" else f"{program}-{len(self.processes)}.err"
        with (self.dir / name).open("wb") as log:  # the child keeps its own descriptor
            process = subprocess.Popen(["ip", "netns", "exec", self.topology.ns(role), *command],
                                       stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)  # outlives 'lab up'
        if kept:
            self.processes.append(process)
        else:  # a condition's: stopped by pid (see stop_condition_processes)
            self._children[process.pid] = process
        return process

    def _write_resolution(self, role: str, hosts: str) -> None:
        etc = self.topology.etc(role)
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "hosts").write_text(hosts)
        # Files only: a name missing from the hosts file is "not found", never asked of a DNS.
        (etc / "nsswitch.conf").write_text("hosts: files\n")
        (etc / "resolv.conf").write_text("# the lab resolves names from its hosts file only\n")

    def _write_agent_etc(self) -> None:
        self.refresh_agent_hosts()
        ssl = self.topology.etc(AGENT) / "ssl"
        (ssl / "certs").mkdir(parents=True, exist_ok=True)
        shutil.copy(self.cloud_ca, ssl / "certs" / "ca-certificates.crt")
        if Path("/etc/ssl/openssl.cnf").exists():
            shutil.copy("/etc/ssl/openssl.cnf", ssl / "openssl.cnf")

    def refresh_agent_hosts(self) -> None:
        hosts = self._agent_hosts()
        self._write_resolution(AGENT, hosts)
        for machine in self.machines:
            machine.write_hosts(hosts)

    def _agent_hosts(self) -> str:
        missing, redirected = switchboard.name_effects(self)
        addresses = {name: redirected.get(name, address)
                     for name, address in self.topology.names.items() if name not in missing}
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

    # --- conditions (``conditions.py``, put in force by ``switchboard.py``) -----------------

    def switch_on(self, condition: Condition) -> None:
        """Put ``condition`` in force, on top of those already in force (a proxy replaces the
        one before)."""
        targets = [] if condition.kind == "proxy" else matching(condition.names, self.name_list())
        self.conditions = [c for c in self.conditions
                           if condition.kind != "proxy" or c.kind != "proxy"] + [condition]
        try:
            switchboard.apply(self, condition, targets)
        except BaseException:
            self.conditions.remove(condition)  # the record lists only what is in force
            raise
        self.record()

    def switch_off(self, kind: str | None = None, patterns: tuple[str, ...] = ()) -> None:
        """Switch ``kind`` (every kind when None) off, for all names or only ``patterns``; the
        conditions left are put in force again from a healthy network."""
        if patterns:
            matching(patterns, self.name_list())  # a pattern that names nothing is an error
        remaining = without(self.conditions, kind, patterns)
        self.conditions = []
        switchboard.reset(self)
        for condition in remaining:
            self.switch_on(condition)
        self.record()

    def no_route(self, *names: str) -> None:
        self.switch_on(Condition("no-route", names or ("*",)))

    def firewall(self, verdict: str, *names: str) -> None:
        self.switch_on(Condition(verdict, names or ("*",)))

    def remove_names(self, *names: str) -> None:
        self.switch_on(Condition("name-missing", names or ("*",)))

    def proxy(self, deny: tuple[str, ...] = (), credentials: tuple[str, str] | None = None,
              allow: tuple[str, ...] = ()) -> str:
        """Start squid on the proxy host; the URL the agent should use."""
        user, password = credentials or ("", "")
        self.switch_on(Condition("proxy", allow=allow, deny=deny, user=user, password=password))
        return switchboard.proxy_url()

    def intercept(self, *names: str, trusted: bool = False) -> None:
        self.switch_on(Condition("intercept", names or ("*",), trusted=trusted))

    def slow(self, delay_ms: int, *names: str) -> None:
        self.switch_on(Condition("slow", names or ("*",), delay_ms=delay_ms))

    def clear(self) -> None:
        """Back to a healthy network, a cloud without faults and with its clock in time (the
        cloud's data stays)."""
        self.cloud_cli("fault", "clear")
        self.cloud_cli("clock", "reset")
        self.switch_off()

    def name_list(self) -> list[str]:
        return list(self.topology.names)

    def spawn_condition(self, role: str, *command: str) -> None:
        """Start a process a condition needs (it outlives this process when the lab does)."""
        self.condition_processes.append(self.spawn(role, *command, kept=False).pid)

    def running_condition(self, program: str) -> bool:
        return any(program in _command_line(pid) for pid in self.condition_processes)

    def stop_condition_processes(self, program: str = "") -> None:
        """Stop the conditions' processes (only those of ``program`` when given)."""
        chosen = [p for p in self.condition_processes if program in _command_line(p)]
        for pid in chosen:
            child = self._children.pop(pid, None)
            if child:
                child.kill()
                child.wait(timeout=10)
            else:
                stop_process(pid, str(self.dir))
        self.condition_processes = [p for p in self.condition_processes if p not in chosen]


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def stop_process(pid: int, lab_dir: str) -> None:
    """Kill ``pid`` only if it still is a process of this lab (pids are reused), and wait
    until it is gone (reaping it when it is a child of this process)."""
    command = _command_line(pid)
    if not command or (lab_dir not in command and "cmagent.lab" not in command):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if not Path(f"/proc/{pid}").exists():
            return
        time.sleep(0.02)
