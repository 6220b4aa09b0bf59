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
    """Built-in scenarios by name, and scenario files by path (an existing file, or a word with
    a '/' or ending in .yaml, .yml, .json or .toml). Every file is read before anything runs;
    two scenarios of one name are refused (reports tell scenarios apart by name)."""
    found = []
    for word in words:
        if Path(word).is_file() or "/" in word or \
                word.endswith((".yaml", ".yml", ".json", ".toml")):
            found.append(scenario_files.load(Path(word)))
        elif word in BY_NAME:
            found.append(BY_NAME[word])
        else:
            raise scenario_files.ScenarioFileError(
                f"no built-in scenario '{word}' and no file of that name; see 'scenario list'")
    _refuse_same_names(found)
    return found


def _refuse_same_names(found: list[Scenario]) -> None:
    seen: dict[str, Scenario] = {}
    for scenario in found:
        other = seen.setdefault(scenario.name, scenario)
        if other is not scenario:
            where = [s.source or "built in" for s in (other, scenario)]
            raise scenario_files.ScenarioFileError(
                f"two scenarios are named '{scenario.name}' ({where[0]}; {where[1]}): give one "
                "of them another name")


NOT_ON_LINUX = ("AZCM0148, 0149, 0151, 0152 and 0153-0156, 0158-0160, 0171 as Windows "
                "installer codes (the Windows installer is not part of cmagent, which targets "
                "Linux; of the seed's Windows range 0147-0152 the Linux script also uses 0147 "
                "and 0150, reproduced above); AZCM0134-0140 "
                "and 0144 (the real Linux script documents no condition for them); AZCM0001: "
                "an unexpected agent failure has no network or data condition that provokes it "
                "(tests/agent covers it in-process)")


