"""What a scenario is and how one runs: a machine of its own (with the agent installed, or plain
Debian for the installer), the set-up that makes its condition, one command, and the exit
status, AZCM code and words it must end with (and words it must not). Scenarios are written as
files (``scenario_files.py``); the built-in ones are listed by ``scenarios.py``."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from collections.abc import Callable
from typing import Any

from cmagent.lab.lab import BIN
from cmagent.lab.lab import Lab
from cmagent.lab.machines import Machine
from cmagent.lab.switchboard import proxy_url

Setup = Callable[[Lab, "Context"], None]
# A check after the command: what is wrong (empty when all is as it should be).
Verify = Callable[[Lab, "Context", "subprocess.CompletedProcess[str]"], str]

AGENT_PATH = f"{BIN}:/usr/sbin:/usr/bin:/sbin:/bin"
CONFIG = "/root/connect.json"  # where the scenario's connect flags are, on its machine
SEED_TABLE_1 = "seed table 1 (AZCM codes)"


class Context:
    """One scenario's machine, its connect flags, and how its command runs (environment,
    prefix words, user)."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.flags: dict[str, str] = {}
        self.env: dict[str, str] = {}
        self.prefix: list[str] = []
        self.words: list[str] = []  # appended to the scenario's command
        self.others: list[Machine] = []  # more machines the set-up booted, removed at the end
        self.before: Any = None  # what a set-up noted for the check after the command
        self.user: str | None = None
        self.expected_code = 0
        # what {name} stands for in a scenario's words (the quickstart adds tenant, ...)
        self.values = {"config": CONFIG, "proxy": proxy_url(),
                       "proxy-host": proxy_url().removeprefix("http://"),
                       "machine": machine.name}

    def fill(self, text: str) -> str:
        """``text`` with each ``{name}`` of ``values`` replaced (other braces stay); naming
        ``{config}`` writes the connect flags as they are now."""
        if "{config}" in text:
            self.write_config()
        for name, value in self.values.items():
            text = text.replace(f"{{{name}}}", value)
        return text

    def write_config(self) -> str:
        path = self.machine.merged / CONFIG.lstrip("/")
        path.write_text(json.dumps(self.flags))
        path.chmod(0o600)
        return CONFIG

    def agent(self, *words: str) -> subprocess.CompletedProcess[str]:
        return self.command("azcmagent", *words)

    def command(self, program: str, *words: str) -> subprocess.CompletedProcess[str]:
        return self.machine.run(*self.prefix, program, *words, user=self.user, env=self.env)


class SetUpFailed(RuntimeError):
    """A set-up step did not do what the scenario needs: the scenario fails, saying why."""


class Scenario:
    """``command`` runs ``program`` (the agent unless said otherwise); it must exit with
    ``status`` (the AZCM number unless said otherwise) and print ``AZCM<code>`` and every
    ``message``."""

    def __init__(self, name: str, seed: str, summary: str, command: list[str], code: int,
                 message: tuple[str, ...] = (), setup: Setup | None = None,
                 needs: str = "", *, program: str = "azcmagent", status: int | None = None,
                 agent_installed: bool = True, verify: Verify | None = None,
                 absent: tuple[str, ...] = (), source: str = "") -> None:
        self.name = name
        self.seed = seed
        self.summary = summary
        self.command = command
        self.code = code
        self.message = message
        self.setup = setup
        self.needs = needs or command[0]
        self.program = program
        self.status = code if status is None else status
        self.agent_installed = agent_installed
        self.verify = verify
        self.absent = absent  # words the output must not hold
        self.source = source  # the file it was read from


class Outcome:
    def __init__(self, scenario: Scenario, state: str, status: int | None = None,
                 output: str = "", problems: list[str] | None = None) -> None:
        self.scenario = scenario
        self.state = state  # matched, mismatched or not-built
        self.status = status
        self.output = output
        self.problems = problems or []  # why it did not match, one phrase each

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario.name, "file": self.scenario.source,
                "state": self.state, "exitStatus": self.status,
                "expected": self.scenario.code, "problems": self.problems,
                "output": self.output}


def built(lab: Lab, scenario: Scenario) -> bool:
    """Whether the agent has the scenario's command (asked under the lab's root: even
    ``--help`` logs); the install script is always there."""
    if scenario.program != "azcmagent":
        return True
    help_run = lab.agent(str(BIN / "azcmagent"), scenario.needs, "--help", env={
        "PATH": AGENT_PATH, "AZCMAGENT_ROOT": str(lab.dir)})
    return help_run.returncode == 0


def run(lab: Lab, scenario: Scenario) -> Outcome:
    """Run ``scenario`` on a machine of its own, removed afterwards. What stops the set-up
    (a step that fails, a condition naming nothing in the lab, a user the machine lacks) or the
    command (it does not end within ``COMMAND_SECONDS``) is this scenario's failure, said in a
    line; the other scenarios of the run go on."""
    if not built(lab, scenario):
        return Outcome(scenario, "not-built")
    lab.clear()
    name = machine_name(scenario.name)
    try:
        machine = lab.add_machine(name, agent=scenario.agent_installed)
    except RuntimeError as failure:
        _remove_unbooted(lab, name)
        return _failed(scenario, f"its machine did not boot: {failure}")
    context = Context(machine)
    context.expected_code = scenario.code
    try:
        return _set_up(lab, scenario, context) or _carried_out(lab, scenario, context)
    finally:
        for other in [*context.others, machine]:
            lab.remove_machine(other)


def _set_up(lab: Lab, scenario: Scenario, context: Context) -> Outcome | None:
    """None when the set-up made the scenario's condition; else the mismatch saying why."""
    try:
        if scenario.setup:
            scenario.setup(lab, context)
        context.write_config()
    except (SetUpFailed, ValueError, LookupError, RuntimeError) as failure:
        return _failed(scenario, f"the set-up failed: {failure}")
    except subprocess.TimeoutExpired as late:  # (its words may hold secrets: not shown)
        return _failed(scenario, f"a set-up step did not end within {late.timeout:.0f} s")
    return None


def _carried_out(lab: Lab, scenario: Scenario, context: Context) -> Outcome:
    words = [context.fill(w) for w in scenario.command] + context.words
    try:
        result = context.command(scenario.program, *words)
    except subprocess.TimeoutExpired as late:
        return _failed(scenario, f"the command did not end within {late.timeout:.0f} s")
    output = result.stdout + result.stderr
    problem = scenario.verify(lab, context, result) if scenario.verify else ""
    problems = [p for p in (problem, *_differences(scenario, result, output)) if p]
    return Outcome(scenario, "mismatched" if problems else "matched", result.returncode, output,
                   problems)


def _failed(scenario: Scenario, why: str) -> Outcome:
    return Outcome(scenario, "mismatched", problems=[why])


def _remove_unbooted(lab: Lab, name: str) -> None:
    """A machine that did not boot, removed now: a later scenario may want its name."""
    for machine in [m for m in lab.machines if m.name == name]:
        with contextlib.suppress(RuntimeError, OSError):
            lab.remove_machine(machine)


def machine_name(name: str) -> str:
    """A machine name systemd accepts (letters, digits, single hyphens, at most 40) for a scenario's
    name, which may be anything a file holds ('my_case', 'proxy test')."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return cleaned or "scenario"


def _differences(scenario: Scenario, result: subprocess.CompletedProcess[str],
                 output: str) -> list[str]:
    """How the run differs from what the scenario expects, one phrase each."""
    found = []
    if result.returncode != scenario.status:
        found.append(f"exit status {result.returncode}, expected {scenario.status}")
    if scenario.code and f"AZCM{scenario.code:04d}" not in output:
        found.append(f"AZCM{scenario.code:04d} was not printed")
    found += [f"'{words}' was not printed" for words in scenario.message if words not in output]
    found += [f"'{words}' was printed" for words in scenario.absent if words in output]
    return found
