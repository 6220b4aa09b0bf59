"""Scenario files (YAML, JSON or TOML; format in ``docs/scenarios.md``, schema in
``scenario.schema.json`` beside this module): read, checked with errors that name the key, and
turned into
the ``Scenario`` that ``cases.run`` runs. The built-in scenarios are such files, shipped in
``builtin_scenarios/``.

The order of a scenario's set-up: the onboarding identity (a quickstart), the connect flags, the
cloud's data, the network conditions, the steps on the machine; then the command, then the
checks.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from cmagent.documents import strict_json
from cmagent.documents import strict_yaml
from cmagent.lab import actions
from cmagent.lab import schema
from cmagent.lab.cases import Context
from cmagent.lab.cases import Scenario
from cmagent.lab.cases import Setup
from cmagent.lab.cases import Verify
from cmagent.lab.conditions import ConditionError
from cmagent.lab.conditions import from_scenario
from cmagent.lab.lab import Lab

BUILTIN = Path(__file__).parent / "builtin_scenarios"


class ScenarioFileError(ValueError):
    """A scenario file that cannot be read or does not follow the format; names the file and
    the key."""


def builtin_files() -> list[Path]:
    return sorted(BUILTIN.glob("*/*.yaml"))


def load(path: Path) -> Scenario:
    """The scenario in ``path``, checked against the schema and the catalogue first: a file
    with a mistake is refused here, naming the key, before any lab starts."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ScenarioFileError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioFileError(f"{path}: not UTF-8 text (save it as UTF-8)") from None
    spec = _decode(path, text)
    found = schema.problem(spec) or _beyond_schema(spec)
    if found:
        raise ScenarioFileError(f"{path}: {found}")
    try:
        return _scenario(path, spec)
    except (ConditionError, KeyError, TypeError, ValueError) as error:
        raise ScenarioFileError(f"{path}: {_reason(error)}") from None


def _decode(path: Path, text: str) -> dict[str, Any]:
    import yaml

    try:
        spec = tomllib.loads(text) if path.suffix == ".toml" else \
            strict_json(text) if path.suffix == ".json" else strict_yaml(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioFileError(f"{path}: not valid TOML: {error}") from None
    except ValueError as error:  # json.JSONDecodeError, or a key given twice
        raise ScenarioFileError(f"{path}: not valid JSON: {error}") from None
    except yaml.YAMLError as error:
        raise ScenarioFileError(f"{path}: not valid YAML: {_yaml_problem(error)}") from None
    if not isinstance(spec, dict):
        raise ScenarioFileError(f"{path}: a scenario file holds one table of keys")
    return spec


def _yaml_problem(error: Any) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = " ".join(str(getattr(error, "problem", None) or error).split())
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark else problem


def _beyond_schema(spec: dict[str, Any]) -> str | None:
    """What the schema cannot say: an expected code must be one the catalogue has."""
    from cmagent.errors import catalogue

    code = spec.get("expect", {}).get("code", 0)
    if code and code not in catalogue.BY_CODE:
        return (f"expect.code: AZCM{code:04d} is not an AZCM code (docs/errors.md lists "
                "them)")
    return None


def _reason(error: Exception) -> str:
    return f"missing key {error}" if isinstance(error, KeyError) else str(error)


def _scenario(path: Path, spec: dict[str, Any]) -> Scenario:
    """The scenario of a file the schema accepted (``load``)."""
    run, expect = spec["run"], spec.get("expect", {})
    command = list(run["command"])
    code = int(expect.get("code", 0))
    machine = spec.get("machine", "agent")
    checks = [actions.check(name) for name in expect.get("checks", [])]
    needs = run.get("needs") or (command[1] if command[0] == "azcmagent" else command[0])
    return Scenario(
        str(spec.get("name") or path.stem), str(spec.get("seed", "")),
        str(spec.get("summary", "")), command[1:], code,
        tuple(expect.get("output", [])), _setup(spec, checks), needs, program=command[0],
        status=int(expect.get("status", code)), agent_installed=machine == "agent",
        verify=_verify(expect, checks), absent=tuple(expect.get("not-output", [])),
        source=str(path))


# --- set-up ------------------------------------------------------------------------------------

def _setup(spec: dict[str, Any], checks: list[actions.Check]) -> Setup:
    sign_in = spec.get("onboarding", "none")
    roles = list(spec.get("roles", []))
    flags = dict(spec.get("flags", {}))
    cloud = [_cloud_step(step) for step in spec.get("cloud", [])]
    conditions = [from_scenario(entry) for entry in spec.get("conditions", [])]
    steps = [_step(entry) for entry in spec.get("steps", [])]
    run = spec["run"]

    def setup(lab: Lab, context: Context) -> None:
        if sign_in != "none":
            actions.onboard(lab, context, sign_in, roles)
        context.flags.update({k: context.fill(str(v)) for k, v in flags.items()})
        for cloud_step in cloud:
            cloud_step(lab, context)
        for condition in conditions:
            lab.switch_on(condition)
        _run_settings(context, run)
        for step in steps:
            step(lab, context)
        for chosen in checks:
            chosen.before(lab, context)
    return setup


def _step(entry: Any) -> Setup:
    """One item of ``steps``: on the machine (``actions.step``), or a cloud step or a
    condition at that point of the set-up."""
    if isinstance(entry, dict) and set(entry) == {"cloud"}:
        return _cloud_step(entry["cloud"])
    if isinstance(entry, dict) and set(entry) == {"condition"}:
        condition = from_scenario(entry["condition"])
        return lambda lab, context: lab.switch_on(condition)
    return actions.step(entry)


def _run_settings(context: Context, run: dict[str, Any]) -> None:
    context.env.update({k: context.fill(str(v)) for k, v in run.get("env", {}).items()})
    context.prefix += [context.fill(w) for w in run.get("prefix", [])]
    context.user = run.get("user")


def _cloud_step(entry: Any) -> Setup:
    """One item of ``cloud``: a change of the cloud's data."""
    [(kind, value)] = entry.items()
    if kind == "without-role":
        return actions.without_role(str(value))
    words = _cloud_words(kind, value)
    return lambda lab, context: lab.cloud_cli(*(context.fill(word) for word in words))


def _cloud_words(kind: str, value: Any) -> list[str]:
    """A cloud step as the words of a cmagent-cloud management command."""
    if kind == "command":
        return list(value)
    table = value
    if kind == "provider":
        return ["provider", "set", "--subscription-id", "{subscription}", "--namespace",
                str(table["namespace"]), "--registration-state", str(table["state"])]
    if kind == "fault":
        return ["fault", "add", "--service", str(table["service"]), "--path-pattern",
                str(table.get("path", "")), "--status", str(int(table.get("status", 500))),
                *(["--count", str(int(table["count"]))] if "count" in table else [])]
    return ["clock", "advance", "--seconds", str(table["advance"]), "--machines-follow",
            json.dumps(bool(table.get("machines-follow", True)))]


# --- checks after the command ------------------------------------------------------------------

def _verify(expect: dict[str, Any], checks: list[actions.Check]) -> Verify | None:
    after = [actions.after_command(entry) for entry in expect.get("after", [])]
    if not checks and not after:
        return None

    def verify(lab: Lab, context: Context, result: Any) -> str:
        problems = [c.after(lab, context, result) for c in checks]
        problems += [a(lab, context, result) for a in after]
        return "; ".join(p for p in problems if p)
    return verify
