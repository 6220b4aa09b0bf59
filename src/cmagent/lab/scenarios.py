"""The built-in scenarios: the seed document's failures (the agent's rows, the install
script's rows) and the pre-flight cases, each a file in ``builtin_scenarios/<group>/`` that a
user can copy and change (``scenario_files.py`` reads them).

``cmagent-cloud scenario list`` / ``scenario run NAME|FILE...``. A scenario whose agent
command is not built yet is reported as such and never counts as passed.
"""

from __future__ import annotations

from pathlib import Path

from cmagent.lab import scenario_files
from cmagent.lab.cases import SEED_TABLE_1
from cmagent.lab.cases import Outcome
from cmagent.lab.cases import Scenario
from cmagent.lab.cases import built
from cmagent.lab.cases import run

__all__ = ["BY_NAME", "NOT_ON_LINUX", "SCENARIOS", "SEED_TABLE_1", "Outcome", "built", "run"]
SEED_TABLE_2 = "seed table 2 (known connection errors)"


def _group(name: str) -> tuple[Scenario, ...]:
    return tuple(scenario_files.load(path) for path in scenario_files.builtin_files()
                 if path.parent.name == name)


AGENT_SCENARIOS = _group("agent")
PREFLIGHT_SCENARIOS = _group("preflight")
INSTALLER_SCENARIOS = _group("installer")
SCENARIOS = AGENT_SCENARIOS + PREFLIGHT_SCENARIOS + INSTALLER_SCENARIOS
BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}


def chosen(words: list[str]) -> list[Scenario]:
    """Built-in scenarios by name, and scenario files by path (a word with a '/' or ending in
    .yaml, .yml or .toml)."""
    found = []
    for word in words:
        if "/" in word or word.endswith((".yaml", ".yml", ".toml")):
            found.append(scenario_files.load(Path(word)))
        elif word in BY_NAME:
            found.append(BY_NAME[word])
        else:
            raise scenario_files.ScenarioFileError(
                f"no built-in scenario '{word}' and no such file; see 'scenario list'")
    return found


NOT_ON_LINUX = ("AZCM0147-0152 and 0153-0156, 0158-0160, 0171 as Windows installer codes (the "
                "Windows installer is not part of cmagent, which targets Linux); AZCM0134-0140 "
                "and 0144 (the real Linux script documents no condition for them); AZCM0001: "
                "an unexpected agent failure has no network or data condition that provokes it "
                "(tests/agent covers it in-process)")


