"""The azcmagent entry point and the one place where failures become exit statuses.

A run: resolve the root → open the log file → parse → set up the console → check root →
run the handler → print one result. Any failure ends as exactly one catalogue entry; Ctrl+C (and
SIGTERM, for the commands that change the machine) is AZCM0011 and anything unexpected is
AZCM0001 naming the log, with the traceback only in the log.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING
from typing import Any
from typing import Generic
from typing import TypeVar

from cmagent import __version__
from cmagent.agent import cli
from cmagent.agent import log
from cmagent.agent.options import Options
from cmagent.agent.output import Environment
from cmagent.agent.output import Output
from cmagent.agent.output import Result
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.machine import paths as machine_paths
from cmagent.machine.redact import Redactor
from cmagent.records import one_record
from cmagent.records import unusual

if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Sequence
    from types import FrameType

    from cmagent.machine.settings import Value

OptionsT = TypeVar("OptionsT", bound=Options, covariant=True)


class Context(Generic[OptionsT]):
    """What a command handler gets: its typed options and the machine around it."""

    __slots__ = ("_settings", "env", "invocation", "options", "paths", "redactor")

    def __init__(self, invocation: cli.Invocation, options: OptionsT, env: Environment,
                 paths: machine_paths.Paths, redactor: Redactor) -> None:
        self.invocation = invocation
        self.options = options
        self.env = env
        self.paths = paths
        self.redactor = redactor
        self._settings: dict[str, Value] | None = None

    @property
    def lang(self) -> str:
        return self.env.lang

    def settings(self) -> dict[str, Value]:
        """The effective local settings, read once a run (commands that change them re-read)."""
        if self._settings is None:
            from cmagent.machine import settings

            self._settings = settings.effective(settings.load(self.paths))
            self.redactor.add_url_password(self._settings.get("proxy.url"))
        return self._settings


def entry() -> None:
    """Console-script entry."""
    status = main()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # (None: closed when the command started)
                stream.flush()
    except OSError:  # (else Python reports it at exit, with a traceback and status 120)
        _silence_standard_streams()
        status = status or 1
    sys.exit(status)


def _silence_standard_streams() -> None:
    import os

    quiet = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            os.dup2(quiet, stream.fileno())


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run one azcmagent command and return its exit status."""
    from cmagent.agent.table import ROOT

    env = env or Environment.system()
    args = list(sys.argv[1:] if argv is None else argv)
    redactor = Redactor()
    output = Output(env, as_json=_json_asked(args, cli.switch_letters(args, ROOT)),
                    color="--no-color" not in args,
                    redact=redactor)
    with log.session(redactor) as logs:
        try:
            status = _run(args, env, output, logs, ROOT)
        except AzcmError as error:
            status = _fail(error, output, args)
        except KeyboardInterrupt as interrupt:
            status = _fail(cancelled(interrupt), output, args)
        except Exception:
            status = _fail(unexpected_failure(), output, args)
        status = _output_lost(output, status)
        if status and env.is_root:
            _record_early_end(args, env, status)
        log.debug("Finished: AZCM%04d, exit status %d", status, status)
    return status


def _record_early_end(args: list[str], env: Environment, status: int) -> None:
    """The result file of a connect or disconnect that failed before its run began."""
    from cmagent.agent.table import ROOT

    command = cli.command_words(args, ROOT)
    # AZCM0027: another run holds the machine; its record is its own, even once it ends
    if command not in ("connect", "disconnect") or status == codes.CONFIG_CONFLICT or \
            _dry_run_asked(args):
        return
    from cmagent.agent import results

    try:  # best effort: the failure being reported is the run's outcome
        results.ended_before_start(machine_paths.from_environ(env.environ), command, status)
    except (AzcmError, OSError, KeyboardInterrupt):
        log.debug("The result file of this early failure could not be written")


def _dry_run_asked(args: list[str]) -> bool:
    """A dry run writes no result file, also when it fails before its options are read (the
    flag, ``--dry-run=true``, or ``"dry-run": true`` in --config)."""
    if any(arg == "--dry-run" or (arg.startswith("--dry-run=") and
                                  arg.partition("=")[2] in cli.TRUE_WORDS) for arg in args):
        return True
    return _in_config(args, "dry-run") not in (None, False)


def _output_lost(output: Output, status: int) -> int:
    """A run whose result could not be written did not succeed as far as its caller can tell
    (AZCM0001); a failure keeps its own code. What it did is in the log and result files."""
    if output.lost is None:
        return status
    log.error("The result could not be written to the console (%s); the command's own "
              "outcome was AZCM%04d", output.lost.strerror or output.lost, status,
              file_only=True)
    return status or codes.UNKNOWN


def _run(args: list[str], env: Environment, output: Output, logs: log.RunLog,
         root: cli.Command) -> int:
    paths = machine_paths.from_environ(env.environ)
    logs.open_file(paths.cli_log, required=env.is_root)
    _refuse_unreadable(args)
    try:
        invocation = cli.parse(args, root, env.lang)
    except AzcmError as error:  # a root-only --config file, read without root: root is what
        if error.entry.code == codes.CONFIG_FILE_NOT_FOUND and not env.is_root and \
                cli.named_command(args, root).needs_root:  # is missing, not the file
            raise _not_elevated(cli.command_words(args, root) or "") from None
        raise
    for secret in invocation.secrets():
        logs.redactor.add(secret)
    for name in ("HTTPS_PROXY", "https_proxy"):
        logs.redactor.add_url_password(env.environ.get(name))
    if invocation.record is None:  # --help: in JSON as 'azcmagent help <command>' gives it
        output.result(Result(invocation.help_text, {"command": invocation.name,
                                                    "help": invocation.help_text}))
        return 0
    options = invocation.record
    output.as_json, output.color = options.json, not options.no_color
    _open_console(options, env, output, logs)
    log.debug("azcmagent %s (cmagent %s) as uid %d", invocation.name, __version__, env.euid)
    log.debug("Parameters: %s", invocation.loggable())
    command = invocation.command
    if command.needs_root and not env.is_root:
        raise _not_elevated(invocation.name)
    if command.needs_root:
        _interrupt_on_signals()
    context = Context(invocation, options, env, paths, logs.redactor)
    output.result(_handler(command)(context))
    return 0


def _refuse_unreadable(args: list[str]) -> None:
    """AZCM0023 for an argument with bytes that are not UTF-8 or with a control character
    (a newline, an escape sequence), before anything is parsed or saved. The value itself is
    not shown (it may be a secret); its flag or place is."""
    for place, arg in enumerate(args):
        odd = [c for c in arg if unusual(c)]
        if not odd:
            continue
        broken = any(ord(c) >= 0xDC80 for c in odd)
        where = _argument_name(args, place)
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"{where.en} " + ("is not valid UTF-8" if broken else "holds a control character "
                              "(such as a newline or an escape)") + "; give it in plain UTF-8 "
            "text.",
            f"{where.ja}" + ("は有効な UTF-8 ではありません" if broken else "に制御文字 (改行、"
                             "エスケープ文字など) が含まれています") + "。UTF-8 の通常のテキストで"
            "指定してください。"))


def _argument_name(args: list[str], place: int) -> Localized:
    arg, before = args[place], args[place - 1] if place else ""
    if arg.startswith("-") and "=" in arg:
        flag = one_record(arg.partition("=")[0][:40])
        return Localized(f"The value of {flag}", f"{flag} の値")
    if not arg.startswith("-") and before.startswith("-") and "=" not in before:
        flag = one_record(before[:40])
        return Localized(f"The value of {flag}", f"{flag} の値")
    return Localized(f"Argument {place + 1}", f"{place + 1} 番目の引数")


def _not_elevated(name: str) -> AzcmError:
    return AzcmError(codes.NOT_ELEVATED, Localized(f"'azcmagent {name}' needs root.",
                                                   f"'azcmagent {name}' には root が必要です。"))


def _interrupt_on_signals() -> None:
    """A command that changes the machine cleans up after SIGTERM, and after SIGHUP (its SSH
    session or terminal closed), as after Ctrl+C (only those import ``signal``: it costs more
    start-up time than ``azcmagent version`` takes)."""
    import signal

    if sys.platform != "win32" and _on_main_thread():
        for signum, handler in ((signal.SIGTERM, _raise_interrupt),
                                (signal.SIGHUP, _raise_hang_up)):
            if signal.getsignal(signum) is not signal.SIG_IGN:  # ('nohup' asked to go on)
                signal.signal(signum, handler)


def _on_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


class _Terminated(KeyboardInterrupt):
    """SIGTERM, unwinding as Ctrl+C does (the same clean-up), told apart in the message."""

    variant = "sigterm"


class _HungUp(_Terminated):
    """SIGHUP: the session that ran the command closed."""

    variant = "sighup"


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


def _raise_hang_up(signum: int, frame: FrameType | None) -> None:
    import signal

    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # the session is gone: a second hang-up
    raise _HungUp  # must not cut the clean-up short (Ctrl+C twice still may)


def cancelled(interrupt: KeyboardInterrupt, where: Localized | None = None) -> AzcmError:
    """AZCM0011 for Ctrl+C, or for SIGTERM or SIGHUP said as such (the catalogue's heading
    names Ctrl+C: the variant's replaces it)."""
    if not isinstance(interrupt, _Terminated):
        return AzcmError(codes.CANCELLED, where)
    return AzcmError(codes.CANCELLED, where, remedy=interrupt.variant)


def _open_console(options: Options, env: Environment, output: Output, logs: log.RunLog) -> None:
    # With --json, stdout carries only the JSON document: log lines go to stderr, and without
    # -v only warnings and errors (a script still learns that the first heartbeat failed).
    to_stderr = options.log_stderr or output.as_json
    quiet = output.as_json and not options.verbose
    logs.open_console(env.stderr if to_stderr else env.stdout, options.verbose, env.lang,
                      warnings_only=quiet)


def _handler(command: cli.Command) -> Callable[[Context[Any]], Result]:
    assert command.handler is not None, f"command {command.name} has no handler"
    module_name, _, function = command.handler.partition(":")
    handler: Callable[[Context[Any]], Result] = getattr(importlib.import_module(module_name),
                                                        function)
    return handler


def _json_asked(args: list[str], switches: set[str]) -> bool:
    """--json before the command line is parsed (a failure to parse it is answered in the
    form asked for): ``-j``, ``--json``, or ``-j`` among the command's other short switches
    (``-vj``; ``check -pj``, where ``-p`` takes no value)."""
    return any(arg in ("-j", "--json") or (arg.startswith("-") and not arg.startswith("--")
                                           and "j" in arg and set(arg[1:]) <= switches)
               or (arg.partition("=")[0] in ("-j", "--json")
                   and arg.partition("=")[2] in cli.TRUE_WORDS) for arg in args)


def _json_in_config(args: list[str]) -> bool:
    """``"json": true`` in the --config file of a command line that failed to parse (also
    when the file itself is what failed, say for a key it should not have)."""
    return _in_config(args, "json") is True


def _in_config(args: list[str], key: str) -> Any:
    """``key``'s value in the command line's --config file; None when there is none or it
    cannot be read."""
    path = next((arg.partition("=")[2] for arg in args if arg.startswith("--config=")), None)
    if path is None and "--config" in args[:-1]:
        path = args[args.index("--config") + 1]
    if not path:
        return None
    try:
        return cli.config_document(path).get(key)
    except Exception:  # (the file cannot be read at all)
        return None


def _fail(error: AzcmError, output: Output, args: list[str]) -> int:
    from cmagent.agent.table import ROOT

    output.as_json = output.as_json or _json_in_config(args)
    error.command = error.command or cli.command_words(args, ROOT)
    log.error("%s: %s", error.code, error, file_only=True)  # with any quoted text
    output.error(error, log_stderr="--log-stderr" in args)
    return error.exit_status


def unexpected_failure() -> AzcmError:
    """AZCM0001 for an exception nobody expected: its traceback goes to the log file only."""
    log.exception("Unexpected failure")
    logs = log.current()
    where = str(logs.file_path) if logs and logs.file_path else "(no log file could be opened)"
    return AzcmError(codes.UNKNOWN, Localized(f"Details are in the log: {where}",
                                              f"詳細はログにあります: {where}"))
