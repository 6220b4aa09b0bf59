"""Labs that outlive the command that made them: ``cmagent-cloud lab up`` leaves the lab running
with its record (``records.py``); ``lab exec`` enters a machine through the record; ``lab down``
removes what a record names, from any shell, also after a crash."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cmagent.lab import records
from cmagent.lab.lab import Lab
from cmagent.lab.lab import LabError
from cmagent.lab.lab import stop_process
from cmagent.lab.machines import Machine
from cmagent.lab.topology import remove_namespace


def up(machines: int, agent: bool = True, packages: bool = False,
       roles: tuple[str, ...] = ()) -> dict[str, Any]:
    """A lab with ``machines`` machines (with the agent, or plain Debian), left running; its
    record. ``packages``: the cloud serves the azcmagent repository and install script."""
    lab = Lab()
    lab.__enter__()
    try:
        lab.quickstart(*roles)
        if packages:
            from cmagent.lab import packages as built

            lab.publish(built.repository())
        for _ in range(machines):
            _give_onboarding(lab, lab.add_machine(agent=agent))
        lab.detach()
    except BaseException:
        lab.__exit__(None, None, None)
        raise
    return load(lab.topology.id)


ONBOARDING_FILE = "/root/onboarding.json"


def _give_onboarding(lab: Lab, target: Machine) -> None:
    """The quickstart's connect flags (secret included, 0600) on the machine, for
    ``azcmagent connect --config /root/onboarding.json``; the lab's cloud is AzureCloud."""
    flags = json.loads((lab.dir / "cloud" / "onboarding.json").read_text())
    flags.pop("cloud", None)
    path = target.merged / ONBOARDING_FILE.lstrip("/")
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        json.dump(flags, out, indent=2)


def load(lab_id: str | None) -> dict[str, Any]:
    """The record of lab ``lab_id``, or of the only lab when none is named."""
    labs = records.all_records()
    chosen = [r for r in labs if lab_id in (None, r["id"])]
    if not chosen:
        raise LabError(f"no lab {lab_id} is up" if lab_id else "no lab is up: run "
                       "'cmagent-cloud lab up' first")
    if len(chosen) > 1:
        raise LabError(f"{len(chosen)} labs are up ({', '.join(r['id'] for r in chosen)}): "
                       "name one with --lab")
    return chosen[0]


@contextlib.contextmanager
def attached(lab_id: str | None) -> Iterator[Lab]:
    """The running lab ``lab_id`` (the only one when None), to switch its conditions; one
    switch at a time (two shells switching at once would each rebuild from a stale record)."""
    state = load(lab_id)
    with open(records.lock_path(state["id"]), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield Lab.attach(load(state["id"]))


def shown(state: dict[str, Any]) -> dict[str, Any]:
    """A lab's record as ``lab status`` shows it: the proxy password masked."""
    from cmagent.lab.conditions import Condition

    conditions = [Condition.from_json(c).to_json(secrets=False)
                  for c in state.get("conditions", [])]
    return {**state, "conditions": conditions}


def cloud_command(state: dict[str, Any], command: list[str]) -> int:
    """Run a cmagent-cloud command on the lab's cloud host, against its data directory."""
    if not command:
        raise LabError("give the cloud's command after '--': lab cloud -- fault list")
    cloud = state["cloud"]
    program = str(Path(sys.executable).parent / "cmagent-cloud")
    return subprocess.run(["ip", "netns", "exec", cloud["namespace"], program, *command,
                           "--data-dir", cloud["dataDir"]]).returncode


def machine(state: dict[str, Any], name: str) -> Machine:
    for entry in state["machines"]:
        if entry["name"] == name:
            return Machine.from_state(entry)
    names = ", ".join(m["name"] for m in state["machines"]) or "none"
    raise LabError(f"lab {state['id']} has no machine '{name}' (its machines: {names})")


def down(state: dict[str, Any]) -> None:
    """Remove everything the record names: machines, processes, namespaces, files."""
    for entry in state["machines"]:
        Machine.from_state(entry).stop()
    for pid in [*state.get("conditionProcesses", []), *state["processes"]]:
        stop_process(pid, state["dir"])
    for namespace in state["namespaces"]:
        remove_namespace(namespace)
    shutil.rmtree(state["dir"], ignore_errors=True)
    records.remove(state["id"])


def enter(state: dict[str, Any], name: str, command: list[str]) -> int:
    """Run ``command`` in machine ``name`` with this terminal; its exit status."""
    target = machine(state, name)
    return subprocess.run(target.entering(tuple(command), None, None)).returncode
