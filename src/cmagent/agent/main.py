"""The azcmagent entry point and the one place where failures become exit statuses.

A run: resolve the root → open the log file → parse → set up the console → check root →
run the handler → print one result. Any failure ends as exactly one catalogue entry; Ctrl+C is
AZCM0011 and anything unexpected is AZCM0001 naming the log, with the traceback only in the log.
"""

from __future__ import annotations

# The C module: ``signal`` builds an IntEnum on import, too slow for start-up.
import _signal  # type: ignore[import-not-found]
import importlib
import sys

from cmagent import __version__
from cmagent.agent import cli
from cmagent.agent import log
from cmagent.agent import paths as agent_paths
from cmagent.agent.output import Environment
from cmagent.agent.output import Output
from cmagent.agent.output import Result
from cmagent.agent.redact import Redactor
from cmagent.errors import AzcmError
from cmagent.errors import Localized

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Sequence
    from types import FrameType
    from typing import Any

    from cmagent.agent.settings import Value

    Handler = Callable[["Context"], Result]


class Context:
    """What a command handler gets: the parsed invocation and the machine around it."""

    __slots__ = ("_settings", "env", "invocation", "paths", "redactor")

    def __init__(self, invocation: cli.Invocation, env: Environment, paths: agent_paths.Paths,
                 redactor: Redactor) -> None:
        self.invocation = invocation
        self.env = env
        self.paths = paths
        self.redactor = redactor
        self._settings: dict[str, Value] | None = None

    @property
    def lang(self) -> str:
        return self.env.lang

    def option(self, name: str) -> Any:
        return self.invocation.value(name)

    def settings(self) -> dict[str, Value]:
        """The effective local settings, read once a run (commands that change them re-read)."""
        if self._settings is None:
            from cmagent.agent import settings

            self._settings = settings.effective(settings.load(self.paths))
        return self._settings


def entry() -> None:
    """Console-script entry: SIGTERM is treated like Ctrl+C so that both clean up the same way."""
    _signal.signal(_signal.SIGTERM, _interrupt)
    sys.exit(main())


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run one azcmagent command and return its exit status."""
    from cmagent.agent.table import ROOT

    env = env or Environment.system()
    args = list(sys.argv[1:] if argv is None else argv)
    output = Output(env, as_json=("-j" in args or "--json" in args),
                    color="--no-color" not in args)
    redactor = Redactor()
    with log.session(redactor) as logs:
        try:
            status = _run(args, env, output, logs, ROOT)
        except AzcmError as error:
            status = _fail(error, output, args)
        except KeyboardInterrupt:
            status = _fail(AzcmError(11), output, args)
        except Exception:
            log.exception("Unexpected failure")
            status = _fail(AzcmError(1, _see_log(logs)), output, args)
        log.debug("Finished: AZCM%04d, exit status %d", status, status)
    return status


def _run(args: list[str], env: Environment, output: Output, logs: log.RunLog,
         root: cli.Command) -> int:
    paths = agent_paths.from_environ(env.environ)
    logs.open_file(paths.cli_log, required=env.is_root)
    invocation = cli.parse(args, root)
    for secret in invocation.secrets():
        logs.redactor.add(secret)
    output.as_json = bool(invocation.options.get("json", output.as_json))
    output.color = not invocation.options.get("no_color")
    if invocation.help_requested:
        output.result(Result(invocation.help_text))
        return 0
    _open_console(invocation, env, output, logs)
    log.debug("azcmagent %s (cmagent %s) as uid %d", invocation.name, __version__, env.euid)
    log.debug("Parameters: %s", invocation.loggable())
    if invocation.command.needs_root and not env.is_root:
        raise AzcmError(18, Localized(f"'azcmagent {invocation.name}' needs root.",
                                      f"'azcmagent {invocation.name}' には root が必要です。"))
    context = Context(invocation, env, paths, logs.redactor)
    output.result(_handler(invocation.command)(context))
    return 0


def _open_console(invocation: cli.Invocation, env: Environment, output: Output,
                  logs: log.RunLog) -> None:
    # With --json, stdout carries only the JSON document: log lines go to stderr.
    to_stderr = invocation.options.get("log_stderr") or output.as_json
    if output.as_json and not invocation.options.get("verbose"):
        return
    logs.open_console(env.stderr if to_stderr else env.stdout,
                      bool(invocation.options.get("verbose")))


def _handler(command: cli.Command) -> Handler:
    assert command.handler is not None, f"command {command.name} has no handler"
    module_name, _, function = command.handler.partition(":")
    handler: Handler = getattr(importlib.import_module(module_name), function)
    return handler


def _fail(error: AzcmError, output: Output, args: list[str]) -> int:
    log.error("%s: %s", error.code, error.message("en"), file_only=True)
    output.error(error, log_stderr="--log-stderr" in args)
    return error.exit_status


def _see_log(logs: log.RunLog) -> Localized:
    where = str(logs.file_path) if logs.file_path else "(no log file could be opened)"
    return Localized(f"Details are in the log: {where}", f"詳細はログにあります: {where}")
