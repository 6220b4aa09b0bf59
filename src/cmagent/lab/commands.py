"""``cmagent-cloud lab up | status | exec | down``: the lab as a long-lived thing a person works
in, from any shell. Only the parsers load with ``cmagent-cloud``; the lab itself is imported
when a lab command runs."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parsers(commands: Any) -> None:
    lab = commands.add_parser("lab", help="the network lab with booted Debian machines, left "
                              "running between commands (needs root)")
    actions = lab.add_subparsers(title="actions", metavar="<action>", required=True)
    up = actions.add_parser("up", help="build (or reuse) the image, start a lab and boot "
                            "its machines")
    up.add_argument("--machines", type=int, default=1, help="how many machines (default 1)")
    up.add_argument("--plain", action="store_true", help="plain Debian machines, without the "
                    "agent, to install it as a user does (implies --packages)")
    up.add_argument("--packages", action="store_true", help="serve the azcmagent repository "
                    "as packages.microsoft.com and the install script at aka.ms/azcmagent "
                    "(built from the checkout, cached)")
    up.add_argument("--role", action="append", default=[], help="a role for the onboarding "
                    "service principal besides Azure Connected Machine Onboarding (repeatable)")
    up.add_argument("--json", action="store_true", help="print the lab's record as JSON")
    up.set_defaults(run=_up)
    status = actions.add_parser("status", help="the labs that are up and their machines")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=_status)
    enter = actions.add_parser("exec", help="run a command in a machine: lab exec MACHINE -- "
                               "COMMAND...")
    enter.add_argument("machine")
    enter.add_argument("command", nargs=argparse.REMAINDER)
    enter.add_argument("--lab", help="the lab's id (needed when several are up)")
    enter.set_defaults(run=_exec)
    _condition_parsers(actions)
    down = actions.add_parser("down", help="remove a lab and everything it made")
    down.add_argument("--lab", help="the lab's id (default: the only one)")
    down.add_argument("--all", action="store_true", help="every lab that is up")
    down.set_defaults(run=_down)


def _condition_parsers(actions: Any) -> None:
    from cmagent.lab.conditions import KINDS
    from cmagent.lab.conditions import WHAT

    kinds = "; ".join(f"{kind}: {WHAT[kind]}" for kind in KINDS)
    on = actions.add_parser("on", help="switch a condition on in a running lab, for names "
                            "(a name, a wildcard such as '*.his.arc.azure.com', or '*' for "
                            "all; the default)", description=f"Conditions: {kinds}.")
    on.add_argument("kind", choices=KINDS)
    on.add_argument("names", nargs="*", help="names or wildcards (default: all; not for proxy)")
    on.add_argument("--allow", action="append", default=[], help="proxy: allow only these "
                    "names (repeatable; wildcards too)")
    on.add_argument("--deny", action="append", default=[], help="proxy: refuse these names "
                    "with 403 (repeatable)")
    on.add_argument("--user", default="", help="proxy: require Basic credentials (407)")
    secret = on.add_mutually_exclusive_group()
    secret.add_argument("--password", default="", help="proxy: the password for --user "
                        "(visible in the process list; --password-file is not)")
    secret.add_argument("--password-file", help="proxy: read the password for --user from "
                        "this file ('-': standard input), first line")
    on.add_argument("--trusted", action="store_true", help="intercept: put the interceptor's "
                    "CA in the machines' trust store")
    on.add_argument("--delay-ms", type=int, default=0, help="slow: milliseconds each way")
    on.add_argument("--lab", help="the lab's id (needed when several are up)")
    on.set_defaults(run=_on, more_names=True)
    off = actions.add_parser("off", help="switch a condition off (every condition when no kind "
                             "is given; for the names given only, when names are given)")
    off.add_argument("kind", nargs="?", choices=KINDS)
    off.add_argument("names", nargs="*", help="names or wildcards as they were switched on")
    off.add_argument("--lab", help="the lab's id (needed when several are up)")
    off.set_defaults(run=_off, more_names=True)
    cloud = actions.add_parser("cloud", help="a cmagent-cloud management command against the "
                               "lab's cloud: lab cloud -- fault add --service arm --status 500")
    cloud.add_argument("command", nargs=argparse.REMAINDER)
    cloud.add_argument("--lab", help="the lab's id (needed when several are up)")
    cloud.set_defaults(run=_cloud)


def _guarded(action: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        from cmagent.lab.conditions import ConditionError
        from cmagent.lab.image import ImageError
        from cmagent.lab.lab import LabError
        from cmagent.lab.lab import missing_requirements
        from cmagent.lab.machines import MachineError

        missing = missing_requirements()
        if missing:
            print(f"cmagent-cloud lab: {missing}", file=sys.stderr)
            return 1
        try:
            return int(action(args))
        except (LabError, ImageError, MachineError, ConditionError) as error:
            print(f"cmagent-cloud lab: {error}", file=sys.stderr)
            return 1
    return run


@_guarded
def _up(args: argparse.Namespace) -> int:
    from cmagent.lab import session
    from cmagent.lab.lab import LabError

    if args.machines < 0 or args.machines > 200:
        raise LabError("--machines must be between 0 and 200")
    state = session.up(args.machines, agent=not args.plain,
                       packages=args.packages or args.plain, roles=tuple(args.role))
    print(json.dumps(state, indent=2) if args.json else _describe(state))
    return 0


def _describe(state: dict[str, Any]) -> str:
    from cmagent.lab import session

    onboarding = state["onboarding"]
    lines = [f"Lab {state['id']} is up (files in {state['dir']}).",
             f"Cloud: the public names (management.azure.com, login.microsoftonline.com, ...) "
             f"lead to it on every machine; its data directory is {state['cloud']['dataDir']}.",
             f"Onboarding: tenant {onboarding.get('tenantId')}, subscription "
             f"{onboarding.get('subscriptionId')}, group {onboarding.get('resourceGroup')}, "
             f"service principal {onboarding.get('servicePrincipalId')}; each machine has the "
             f"connect flags in {session.ONBOARDING_FILE}.",
             "Machines:"]
    lines += [f"  {m['name']:<12} cmagent-cloud lab exec {m['name']} -- {_first_step(m)}"
              for m in state["machines"]] or ["  (none)"]
    lines.append("Remove it all with: cmagent-cloud lab down")
    return "\n".join(lines)


def _first_step(machine: dict[str, Any]) -> str:
    from cmagent.lab import session

    if machine.get("agent", True):
        return f"azcmagent connect --config {session.ONBOARDING_FILE}"
    return ("sh -c 'curl -sSfL -o install_linux_azcmagent.sh https://aka.ms/azcmagent && "
            "bash install_linux_azcmagent.sh'")


@_guarded
def _status(args: argparse.Namespace) -> int:
    from cmagent.lab import records
    from cmagent.lab import session
    from cmagent.lab.conditions import Condition

    labs = [session.shown(state) for state in records.all_records()]
    if args.json:
        print(json.dumps(labs, indent=2))
    for state in [] if args.json else labs:
        names = ", ".join(m["name"] for m in state["machines"]) or "no machines"
        print(f"{state['id']}  {state['dir']}  {names}")
        for condition in state.get("conditions", []):
            print(f"  {Condition.from_json(condition).describe()}")
    if not labs and not args.json:
        print("No lab is up.")
    return 0


@_guarded
def _on(args: argparse.Namespace) -> int:
    from cmagent.lab import session
    from cmagent.lab.conditions import Condition

    names = tuple(name.lower() for name in args.names) or ("*",)
    condition = Condition(args.kind, names, tuple(args.allow), tuple(args.deny), args.user,
                          _password(args), args.trusted, args.delay_ms)
    with session.attached(args.lab) as lab:
        lab.switch_on(condition)
    print(f"Lab {lab.topology.id}: {condition.describe()} is on.")
    return 0


def _password(args: argparse.Namespace) -> str:
    from cmagent.lab.lab import LabError

    if not args.password_file:
        return str(args.password)
    if args.password_file == "-":
        return sys.stdin.readline().rstrip("\r\n")
    try:
        with open(args.password_file, encoding="utf-8") as source:
            return source.readline().rstrip("\r\n")
    except OSError as error:
        raise LabError(f"--password-file {args.password_file}: {error.strerror}") from None


@_guarded
def _off(args: argparse.Namespace) -> int:
    from cmagent.lab import session

    with session.attached(args.lab) as lab:
        lab.switch_off(args.kind, tuple(name.lower() for name in args.names))
    left = [c.describe() for c in lab.conditions]
    print(f"Lab {lab.topology.id}: " + ("in force: " + "; ".join(left) if left
                                         else "no condition is in force."))
    return 0


@_guarded
def _cloud(args: argparse.Namespace) -> int:
    from cmagent.lab import session

    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    return session.cloud_command(session.load(args.lab), command)


@_guarded
def _exec(args: argparse.Namespace) -> int:
    from cmagent.lab import session
    from cmagent.lab.lab import LabError

    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        raise LabError("give the command after '--': lab exec MACHINE -- COMMAND...")
    return session.enter(session.load(args.lab), args.machine, command)


@_guarded
def _down(args: argparse.Namespace) -> int:
    from cmagent.lab import records
    from cmagent.lab import session

    if not args.lab and not records.all_records():  # so that a clean-up may always run it
        print("No lab is up: nothing to remove.")
        return 0
    chosen = records.all_records() if args.all else [session.load(args.lab)]
    for state in chosen:
        session.down(state)
        print(f"Lab {state['id']} is down.")
    return 0
