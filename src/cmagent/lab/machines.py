"""Lab machines: booted Debian hosts (systemd-nspawn --boot) in network namespaces of the lab.

Each machine is an overlay of the cached agent layer and base image (``image.py``) with a
private upper directory, so N machines share one image and each one's writes vanish with it.
It has its own host name, machine-id, hosts file (the lab's names), trust store (the cloud's CA
added to Debian's) and network namespace, and runs systemd as PID 1 with ``himdsd`` as the
``himds`` user. This host has no systemd as PID 1, hence ``--register=no --keep-unit``;
commands run inside by entering the container's namespaces and root (``nsenter`` on its PID 1).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from cmagent.lab.image import ImageError

BOOT_SECONDS = 90
HIMDS_SOCKET = "/var/opt/azcmagent/socks/himds.sock"  # himdsd has started serving
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class MachineError(RuntimeError):
    pass


class Machine:
    def __init__(self, name: str, directory: Path, netns: str, lowers: list[Path],
                 agent: bool = True) -> None:
        self.name = name
        self.agent = agent  # installed in the image: booted means himdsd serves
        self.dir = directory
        self.netns = netns
        self.lowers = lowers
        self.merged = directory / "root"
        self.process: subprocess.Popen[bytes] | None = None
        self.nspawn_pid = 0
        self.pid = 0  # the container's PID 1, as the host sees it

    def to_state(self) -> dict[str, Any]:
        return {"name": self.name, "dir": str(self.dir), "netns": self.netns,
                "lowers": [str(p) for p in self.lowers], "pid": self.pid,
                "nspawnPid": self.nspawn_pid, "agent": self.agent}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Machine:
        """A machine another process booted (``cmagent-cloud lab up``), to enter or stop."""
        machine = cls(state["name"], Path(state["dir"]), state["netns"],
                      [Path(p) for p in state["lowers"]], bool(state.get("agent", True)))
        machine.pid, machine.nspawn_pid = int(state["pid"]), int(state["nspawnPid"])
        return machine

    # --- lifecycle -------------------------------------------------------------------------

    def boot(self, hosts: str, cloud_ca: bytes) -> None:
        for part in ("upper", "work", "root"):
            (self.dir / part).mkdir(parents=True, exist_ok=True)
        lower = ":".join(str(p) for p in self.lowers)
        _run("mount", "-t", "overlay", "overlay", "-o", f"lowerdir={lower},upperdir="
             f"{self.dir / 'upper'},workdir={self.dir / 'work'}", str(self.merged))
        self._personalise(hosts, cloud_ca)
        with (self.dir / "console.log").open("wb") as console:
            self.process = subprocess.Popen(
                ["systemd-nspawn", "--boot", "--quiet", "--register=no", "--keep-unit",
                 "--console=passive", "--resolv-conf=off", "--link-journal=no",
                 f"--directory={self.merged}", f"--machine={self.name}",
                 f"--network-namespace-path=/run/netns/{self.netns}"],
                stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.nspawn_pid = self.process.pid
        self.pid = self._container_init()
        self._wait_for_systemd()
        if self.agent:
            self._wait_for(HIMDS_SOCKET)

    def _wait_for(self, path: str) -> None:
        """Until ``path`` exists in the machine (a service started by systemd is ready)."""
        deadline = time.monotonic() + BOOT_SECONDS
        while not (self.merged / path.lstrip("/")).exists():
            if time.monotonic() > deadline:
                status = self.run("systemctl", "status", "--no-pager", "himdsd").stdout
                raise MachineError(f"{self.name}: no {path} after {BOOT_SECONDS} s; {status}")
            time.sleep(0.05)

    def _personalise(self, hosts: str, cloud_ca: bytes) -> None:
        etc = self.merged / "etc"
        (etc / "hostname").write_text(f"{self.name}\n")
        (etc / "machine-id").write_text(uuid.uuid4().hex + "\n")
        (etc / "resolv.conf").unlink(missing_ok=True)
        (etc / "resolv.conf").write_text("# names come from /etc/hosts only (the lab's)\n")
        nsswitch = (etc / "nsswitch.conf").read_text().splitlines()
        (etc / "nsswitch.conf").write_text("\n".join(
            "hosts: files" if line.startswith("hosts:") else line for line in nsswitch) + "\n")
        self.write_hosts(hosts)
        bundle = etc / "ssl" / "certs" / "ca-certificates.crt"
        bundle.write_bytes(bundle.read_bytes() + cloud_ca)

    def write_hosts(self, hosts: str) -> None:
        """The lab's names, rewritten in place while the machine runs (it sees them at once)."""
        (self.merged / "etc" / "hosts").write_text(f"127.0.0.1 localhost {self.name}\n"
                                                   f"::1 localhost\n{hosts}")

    def _container_init(self) -> int:
        assert self.process is not None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise MachineError(f"{self.name} did not boot: {self._console_tail()}")
            init = _container_init(self.process.pid)
            if init:
                return init
            time.sleep(0.05)
        raise MachineError(f"{self.name}: systemd-nspawn started no init within 20 s")

    def _wait_for_systemd(self) -> None:
        deadline = time.monotonic() + BOOT_SECONDS
        state = ""
        while time.monotonic() < deadline:
            state = self.run("systemctl", "is-system-running", timeout=30).stdout.strip()
            if state in ("running", "degraded"):
                return
            time.sleep(0.2)
        raise MachineError(f"{self.name}: systemd is '{state}' after {BOOT_SECONDS} s; "
                           f"{self._console_tail()}")

    def _console_tail(self) -> str:
        with contextlib.suppress(OSError):
            return (self.dir / "console.log").read_text(errors="replace")[-1500:]
        return ""

    def stop(self) -> None:
        """Shut the machine down (systemd's own way first), then remove everything of it."""
        if not self.nspawn_pid:  # booting when its record was written: find it by its root
            found = subprocess.run(["pgrep", "-f", f"systemd-nspawn.*--directory={self.merged}"],
                                   capture_output=True, text=True).stdout.split()
            self.nspawn_pid = int(found[0]) if found else 0
        if self.nspawn_pid and _alive(self.nspawn_pid, self.process):
            os.kill(self.nspawn_pid, signal.SIGTERM)  # nspawn asks init to power off
            if not _ended(self.nspawn_pid, self.process, 20):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.nspawn_pid, signal.SIGKILL)
                _ended(self.nspawn_pid, self.process, 10)
        self.process, self.nspawn_pid, self.pid = None, 0, 0
        if os.path.ismount(self.merged):
            subprocess.run(["umount", str(self.merged)], capture_output=True, check=False)
        if os.path.ismount(self.merged):  # something still holds it: detach it anyway
            subprocess.run(["umount", "--lazy", str(self.merged)], capture_output=True,
                           check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- commands --------------------------------------------------------------------------

    def run(self, *command: str, user: str | None = None, env: dict[str, str] | None = None,
            stdin: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run ``command`` inside the machine (as root, or as ``user`` with its groups), with a
        clean environment plus ``env``."""
        return subprocess.run(self.entering(command, user, env), input=stdin,
                               capture_output=True, text=True, timeout=timeout)

    def spawn(self, *command: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(self.entering(command, None, env), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def entering(self, command: tuple[str, ...], user: str | None,
                  env: dict[str, str] | None) -> list[str]:
        if not self.pid:
            raise MachineError(f"{self.name} is not running")
        environment = {"PATH": PATH, "LANG": "C.UTF-8", "HOME": "/root", **(env or {})}
        drop = self._as_user(user) if user else []
        return ["nsenter", f"--target={self.pid}", "--mount", "--uts", "--ipc", "--net",
                "--pid", "--cgroup", "--root", "--wd", "env", "-i",
                *(f"{k}={v}" for k, v in environment.items()), *drop, *command]


    def _as_user(self, user: str) -> list[str]:
        """setpriv words for ``user`` with its primary and supplementary groups (the machine's
        own account database decides, not this host's)."""
        for line in (self.merged / "etc" / "passwd").read_text().splitlines():
            fields = line.split(":")
            if fields[0] == user:
                return ["setpriv", f"--reuid={fields[2]}", f"--regid={fields[3]}",
                        "--init-groups", "--"]
        raise MachineError(f"{self.name} has no user '{user}'")


INOTIFY_PER_MACHINE = 8  # measured: systemd and its services hold 7-8 instances


def check_inotify_room(booting: int = 0) -> None:
    """Each machine's systemd needs inotify instances, which count against root's limit on
    this host (the machines share its user ids): past the limit a machine's systemd hangs in
    'initializing', so say so before booting it."""
    limit = int(Path("/proc/sys/fs/inotify/max_user_instances").read_text())
    used = sum(map(_inotify_instances, (p for p in os.listdir("/proc") if p.isdigit())))
    if used + INOTIFY_PER_MACHINE * (booting + 1) > limit:
        raise MachineError(f"no room for another machine: root holds {used} of "
                           f"fs.inotify.max_user_instances={limit} inotify instances and a "
                           f"machine needs about {INOTIFY_PER_MACHINE}; raise the limit, e.g. "
                           "sysctl -w fs.inotify.max_user_instances=1024")


def _inotify_instances(pid: str) -> int:
    """How many inotify instances a process holds; 0 for one that ended while it was read
    (a glob over /proc raised for it)."""
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return 0
    held = 0
    for fd in descriptors:
        with contextlib.suppress(OSError):
            held += os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:inotify"
    return held


def _alive(pid: int, process: subprocess.Popen[bytes] | None) -> bool:
    if process is not None:
        return process.poll() is None
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        command = Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return False
    return state != "Z" and "systemd-nspawn" in command


def _ended(pid: int, process: subprocess.Popen[bytes] | None, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid, process):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _container_init(nspawn: int) -> int:
    """The descendant of ``nspawn`` that is PID 1 of its own PID namespace (nspawn forks
    helpers on the way, which a first child may still be)."""
    pending = _children(nspawn)
    while pending:
        pid = pending.pop()
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text()
            ns_pids = next(line for line in status.splitlines() if line.startswith("NSpid:"))
            if ns_pids.split()[-1] == "1" and len(ns_pids.split()) > 2:
                return pid
        pending += _children(pid)
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise ImageError(f"{' '.join(command[:4])}... failed: {done.stderr.strip()[-800:]}")
