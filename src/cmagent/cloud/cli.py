"""The ``cmagent-cloud`` command line: serve, quickstart, and management subcommands.

Management subcommands find the running server, its admin key and its CA through ``--data-dir``
alone, and print JSON (the API's answer) so that scripts can use them directly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cmagent.cloud.adminclient import AdminClient
from cmagent.cloud.adminclient import AdminError

DEFAULT_DATA_DIR = Path.home() / ".cmagent-cloud"
Action = Callable[[AdminClient, argparse.Namespace], Any]


DATABASE_VARIABLE = "CMAGENT_CLOUD_DATABASE"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "more_names", False) and not any(w.startswith("-") for w in extra):
        args.names += extra  # 'lab on slow --delay-ms 300 NAME': names after the flags
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        return int(args.run(args) or 0)
    except AdminError as error:
        print(f"cmagent-cloud: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # (what was made is cleaned up by then, or said)
        print("cmagent-cloud: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # 'cmagent-cloud machine list | head': the reader had enough
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, sys.stdout.fileno())  # (else Python reports it again at exit)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cmagent-cloud", description="A local, persistent "
                                     "Azure Arc control plane: Entra ID, ARM and HIS.")
    commands = parser.add_subparsers(title="commands", metavar="<command>")
    _serve_parser(commands)
    _quickstart_parser(commands)
    _management_parsers(commands)
    _scenario_parser(commands)
    from cmagent.lab import commands as lab_commands  # stdlib only: cheap to import

    lab_commands.add_parsers(commands)
    return parser


def _data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
                        help=f"the cloud's data directory (default {DEFAULT_DATA_DIR})")


def _serve_parser(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the cloud (HTTPS)")
    _data_dir(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    serve.add_argument("--port", type=_port, default=8443, help="port; 0 picks a free one")
    serve.add_argument("--ready-file", type=Path, help="write {url, ca_bundle, pid} here when "
                       "ready")
    serve.add_argument("--hostname", action="append", default=[],
                       help="another name the server certificate must cover (repeatable)")
    serve.add_argument("--database", default=os.environ.get(DATABASE_VARIABLE),
                       help="SQLAlchemy URL instead of SQLite in the data dir (or the "
                       f"environment variable {DATABASE_VARIABLE}, which keeps a password "
                       "off the command line other users see in 'ps')")
    serve.add_argument("--allow-remote", action="store_true",
                       help="allow listening on a non-loopback address")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.add_argument("--workers", type=_at_least_one, default=1, help="worker processes "
                       "(more than one needs a PostgreSQL --database)")
    serve.set_defaults(run=_serve)


def _whole_number(low: int, high: int, what: str) -> Callable[[str], int]:
    def read(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"'{text}' is not {what}")
        return number
    return read


_port = _whole_number(0, 65535, "a port (0 to 65535)")
_at_least_one = _whole_number(1, 1 << 16, "a number of processes (1 or more)")


def _serve(args: argparse.Namespace) -> int:
    from cmagent.cloud import server

    options = server.ServeOptions(args.data_dir, args.host, args.port, args.ready_file,
                                  args.hostname, args.database, args.allow_remote,
                                  args.access_log, args.workers)
    try:
        server.own_data_dir(options.data_dir)  # (checked before its log file is opened)
    except (server.StartupError, OSError) as error:
        print(f"cmagent-cloud could not start: {error}", file=sys.stderr)
        return server.STARTUP_FAILURE
    server.configure_logging(options)
    return server.serve(options)


def _quickstart_parser(commands: Any) -> None:
    quick = commands.add_parser("quickstart", help="create a tenant, subscription, group and "
                                "onboarding service principal; print the connect command")
    _data_dir(quick)
    quick.add_argument("--location", default="westeurope")
    quick.add_argument("--resource-group", default="arc-servers")
    quick.add_argument("--role", action="append", default=[],
                       help="another role for the service principal on the group")
    quick.add_argument("--json", action="store_true", help="print the result as JSON")
    quick.set_defaults(run=_quickstart)


def _quickstart(args: argparse.Namespace) -> int:
    from cmagent.cloud import quickstart

    result = quickstart.run(args.data_dir, args.location, args.resource_group, args.role)
    print(json.dumps(result, indent=2) if args.json else quickstart.describe(result, args.data_dir))
    return 0


def _scenario_parser(commands: Any) -> None:
    scenario = commands.add_parser("scenario", help="the seed document's failures, and your own "
                                   "scenario files, reproduced in the network lab (needs root)")
    actions = scenario.add_subparsers(title="actions", metavar="<action>")
    listing = actions.add_parser("list", help="list the built-in scenarios (and the files "
                                 "given)")
    listing.add_argument("files", nargs="*", help="scenario files (YAML or TOML) to list too")
    listing.set_defaults(run=_scenario_list)
    showing = actions.add_parser("show", help="print a built-in scenario's file, to copy")
    showing.add_argument("name")
    showing.set_defaults(run=_scenario_show)
    runner = actions.add_parser("run", help="run scenarios in a fresh lab")
    runner.add_argument("names", nargs="*", help="built-in scenario names or scenario files "
                        "(default: every built-in one)")
    runner.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    runner.set_defaults(run=_scenario_run)


def _scenario_list(args: argparse.Namespace) -> int:
    from cmagent.lab import scenario_files
    from cmagent.lab import scenarios

    given = _scenarios_or_none(scenarios.chosen, args.files)
    if given is None:
        return 2
    everything = [*scenarios.SCENARIOS, *given]
    width = max(len(scenario.name) for scenario in everything)
    for scenario in everything:
        expected = f"AZCM{scenario.code:04d}"
        print(f"{scenario.name:<{width}} {expected}  {scenario.summary}")
    print(f"\nBuilt-in scenario files: {scenario_files.BUILTIN}/<group>/<name>.yaml "
          "('scenario show NAME' prints one; format: docs/scenarios.md).")
    print(f"Not reproduced here: {scenarios.NOT_ON_LINUX}.")
    return 0


def _scenarios_or_none(chooser: Any, words: list[str]) -> list[Any] | None:
    from cmagent.lab.scenario_files import ScenarioFileError

    try:
        return list(chooser(words))
    except ScenarioFileError as error:
        print(f"cmagent-cloud scenario: {error}", file=sys.stderr)
        return None


def _scenario_show(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cmagent.lab import scenarios

    found = _scenarios_or_none(scenarios.chosen, [args.name])
    if found is None:
        return 2
    print(Path(found[0].source).read_text(), end="")
    return 0


def _scenario_run(args: argparse.Namespace) -> int:
    from cmagent.lab import scenarios
    from cmagent.lab.lab import Lab
    from cmagent.lab.lab import missing_requirements

    chosen = _scenarios_or_none(scenarios.chosen, args.names)
    if chosen is None:
        return 2
    missing = missing_requirements()
    if missing:
        print(f"cmagent-cloud scenario: cannot run: {missing}; no scenario ran and none "
              "passed", file=sys.stderr)
        return 1
    try:
        with Lab() as lab:
            outcomes = [scenarios.run(lab, s) for s in chosen or scenarios.SCENARIOS]
    except KeyboardInterrupt:  # Ctrl+C or SIGTERM: the lab has removed itself on the way out
        print("cmagent-cloud scenario: interrupted; the lab and its machines were removed",
              file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps([o.to_json() for o in outcomes], indent=2))
    else:
        for outcome in outcomes:
            print(_describe(outcome))
    return 0 if all(o.state != "mismatched" for o in outcomes) else 1


_SHOWN_LINES = 16


def _describe(outcome: Any) -> str:
    scenario = outcome.scenario
    head = f"== {scenario.name}: {scenario.summary}\n   expect AZCM{scenario.code:04d}"
    if outcome.state == "not-built":
        return f"{head}\n   NOT BUILT: 'azcmagent {scenario.needs}' does not exist yet\n"
    got = f", got exit status {outcome.status}" if outcome.status is not None else ""
    lines = outcome.output.strip().splitlines()
    printed = "".join(f"\n   | {line}" for line in lines[:_SHOWN_LINES])
    if len(lines) > _SHOWN_LINES:
        printed += f"\n   | ... {len(lines) - _SHOWN_LINES} more lines (--json shows them all)"
    verdict = "matched" if outcome.state == "matched" else \
        "MISMATCH: " + "; ".join(outcome.problems)
    return f"{head}{got}{printed}\n   {verdict}\n"


# --- management subcommands: (group, verb, method, path template, flags→body) -----------------

_MANAGEMENT: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("info", "show", "GET", "/info", ()),
    ("tenant", "create", "POST", "/tenants", ("domain", "display-name", "tenant-id")),
    ("tenant", "list", "GET", "/tenants", ()),
    ("subscription", "create", "POST", "/subscriptions",
     ("tenant-id", "display-name", "subscription-id", "state")),
    ("subscription", "list", "GET", "/subscriptions", ()),
    ("subscription", "update", "PATCH", "/subscriptions/{subscription_id}",
     ("subscription-id", "state", "display-name")),
    ("group", "create", "POST", "/resourceGroups", ("subscription-id", "name", "location")),
    ("group", "list", "GET", "/resourceGroups", ()),
    ("group", "delete", "DELETE", "/resourceGroups/{subscription_id}/{name}",
     ("subscription-id", "name")),
    ("user", "create", "POST", "/users", ("tenant-id", "user-principal-name", "password",
                                          "display-name")),
    ("user", "list", "GET", "/users", ()),
    ("user", "update", "PATCH", "/users/{user}", ("user", "password", "display-name")),
    ("user", "delete", "DELETE", "/users/{user}", ("user",)),
    ("app", "create", "POST", "/applications", ("tenant-id", "display-name", "app-id",
                                                "public-client")),
    ("app", "list", "GET", "/applications", ()),
    ("app", "delete", "DELETE", "/applications/{app_id}", ("app-id",)),
    ("secret", "add", "POST", "/applications/{app_id}/secrets",
     ("app-id", "end-date-time", "duration-days")),
    ("cert", "add", "POST", "/applications/{app_id}/certificates",
     ("app-id", "certificate-file")),
    ("credential", "list", "GET", "/applications/{app_id}/credentials", ("app-id",)),
    ("role", "definitions", "GET", "/roleDefinitions", ()),
    ("role", "assign", "POST", "/roleAssignments", ("principal-id", "role", "scope")),
    ("role", "list", "GET", "/roleAssignments", ()),
    ("role", "remove", "DELETE", "/roleAssignments/{assignment_id}", ("assignment-id",)),
    ("provider", "list", "GET", "/providers/{subscription_id}", ("subscription-id",)),
    ("provider", "set", "PUT", "/providers/{subscription_id}/{namespace}",
     ("subscription-id", "namespace", "registration-state")),
    ("clock", "show", "GET", "/clock", ()),
    ("clock", "advance", "POST", "/clock", ("seconds", "machines-follow")),
    ("clock", "set", "POST", "/clock", ("time", "machines-follow")),
    ("clock", "reset", "POST", "/clock", ()),
    ("settings", "set", "PATCH", "/settings", ("device-code-interval", "refresh-token-lifetime",
                                               "lockout-threshold", "lockout-seconds",
                                               "client-failure-limit", "assertion-replay")),
    ("token", "user", "POST", "/tokens", ("user-principal-name", "resource")),
    ("reset", "all", "POST", "/reset", ()),
    ("fault", "add", "POST", "/faults", ("service", "action", "status", "path-pattern", "method",
                                         "latency-ms", "retry-after", "probability", "count",
                                         "body")),
    ("fault", "list", "GET", "/faults", ()),
    ("fault", "clear", "DELETE", "/faults", ()),
    ("fault", "remove", "DELETE", "/faults/{fault_id}", ("fault-id",)),
    ("machine", "list", "GET", "/machines", ()),
    ("installer", "reports", "GET", "/installerReports", ()),
    ("machine", "create", "POST", "/machines", ("subscription-id", "resource-group", "name",
                                                "location")),
)
def _from_stdin(text: str) -> str:
    """'-': the first line of standard input (a password kept out of 'ps')."""
    return sys.stdin.readline().rstrip("\r\n") if text == "-" else text


def _true_or_false(text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise argparse.ArgumentTypeError(f"'{text}' is not true or false")
    return text.lower() == "true"


_TYPES: dict[str, Callable[[str], Any]] = {  # what a flag's text is read as
    "duration-days": float, "seconds": float, "device-code-interval": int,
    "refresh-token-lifetime": int, "lockout-threshold": int, "lockout-seconds": int,
    "status": int, "client-failure-limit": int, "latency-ms": float, "retry-after": int,
    "probability": float, "count": int, "password": _from_stdin,
    "public-client": _true_or_false, "machines-follow": _true_or_false}
_FLAGS_TO_BODY = {"seconds": "advanceSeconds", "time": "set"}



def _management_parsers(commands: Any) -> None:
    from cmagent.cloud import clihelp

    groups: dict[str, Any] = {}
    for group, verb, method, path, flags in _MANAGEMENT:
        if group not in groups:
            groups[group] = commands.add_parser(group, help=clihelp.GROUPS[group]).add_subparsers(
                title="actions", metavar="<action>")
        doing = clihelp.ACTIONS.get((group, verb), f"{verb} {group}s")
        action = groups[group].add_parser(verb, help=f"{doing} ({method} /_admin{path})")
        _data_dir(action)
        for flag in flags:
            action.add_argument(f"--{flag}", required=flag in _path_flags(path) or
                                (method == "POST" and flag not in _OPTIONAL),
                                type=_TYPES.get(flag, str), help=clihelp.FLAGS[flag])
        action.set_defaults(run=_management_call(group, verb, method, path, flags))


_OPTIONAL = {"domain", "display-name", "tenant-id", "subscription-id", "state", "app-id",
             "public-client", "end-date-time", "duration-days", "resource", "location",
             "action", "status", "path-pattern", "method", "latency-ms", "retry-after",
             "probability", "count", "body", "machines-follow"}


def _path_flags(path: str) -> set[str]:
    return {part[1:-1].replace("_", "-") for part in path.split("/") if part.startswith("{")}


def _management_call(group: str, verb: str, method: str, path: str,
                     flags: tuple[str, ...]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        values = {f: getattr(args, f.replace("-", "_")) for f in flags}
        in_path = _path_flags(path)
        url = path.format(**{k.replace("-", "_"): quote(str(v), safe="")  # (a guest's UPN
                             for k, v in values.items() if k in in_path})  # holds '#')
        body = _body(group, verb, values, in_path) if method != "GET" else None
        result = AdminClient(args.data_dir).call(method, url, body)
        print(json.dumps(result, indent=2))
        return 0
    return run


def _body(group: str, verb: str, values: dict[str, Any], in_path: set[str]) -> dict[str, Any]:
    if group == "clock" and verb == "reset":
        return {"reset": True}
    body: dict[str, Any] = {}
    for flag, value in values.items():
        if value is None or (flag in in_path and group not in ("subscription",)):
            continue
        if flag == "certificate-file":
            body["certificatePem"] = _certificate_text(Path(value))
        else:
            body[_FLAGS_TO_BODY.get(flag) or _camel(flag)] = value
    if group == "subscription" and verb == "update":
        body.pop("subscriptionId", None)
    return body


def _certificate_text(path: Path) -> str:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not PEM text"
        raise AdminError(f"cannot read the certificate file {path}: {reason}") from None


def _camel(flag: str) -> str:
    head, *rest = flag.split("-")
    return head + "".join(part.capitalize() for part in rest)
