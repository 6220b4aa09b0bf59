"""The agent's log: every run appends to ``azcmagent.log``; INFO (and with ``-v`` DEBUG) lines
also go to the console as ``INFO    message``, the way the real agent prints them.

This is a small writer of its own rather than the stdlib ``logging`` package, whose import alone
costs more than the whole start-up budget of ``azcmagent version``. Commands that call libraries
which log through ``logging`` (MSAL, HTTP clients) call ``bridge_stdlib()`` to route those
records here. Every line passes through the run's redactor before it is written anywhere.

Usage from any module: ``from cmagent.agent import log`` then ``log.debug("x %s", y)``.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import TYPE_CHECKING

from cmagent.records import one_record

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any
    from typing import TextIO

    from cmagent.errors import Localized
    from cmagent.machine.redact import Redactor

DEBUG, INFO, WARNING, ERROR = 10, 20, 30, 40
_NAMES = {DEBUG: "DEBUG", INFO: "INFO", WARNING: "WARNING", ERROR: "ERROR"}
ROTATE_BYTES = 5 * 1024 * 1024
KEEP_ROTATED = 5


class RunLog:
    """The log of one run: the file (always, when it can be opened) and the console."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.file_path: str | None = None
        self._file: TextIO | None = None
        self._console: TextIO | None = None
        self._console_level = ERROR + 1
        self._through: Callable[[str], None] | None = None  # a progress bar's writer
        self.lang = "en"  # of the console; the file is always English
        self.console_lost: OSError | None = None
        self.records_begun: set[str] = set()  # result files this run began (results.py)

    def open_file(self, path: str, required: bool) -> None:
        """Append to ``path``; failing that, AZCM0005 when ``required``, else no file log."""
        try:
            self._file = _open_append(path)
        except OSError as error:
            if required:
                raise _unwritable(path, error) from None
            return
        self.file_path = path

    def open_console(self, stream: TextIO, verbose: bool, lang: str = "en",
                     warnings_only: bool = False) -> None:
        self._console = stream
        self._console_level = DEBUG if verbose else WARNING if warnings_only else INFO
        self.lang = lang

    def write(self, level: int, message: str | Localized, source: str = "azcmagent",
              file_only: bool = False) -> None:
        english, chosen = (message, message) if isinstance(message, str) else \
            (message.en, message.pick(self.lang))
        name = _NAMES.get(level, "INFO")
        if self._file is not None:
            self._to_file(f"{_timestamp()} {name:<7} {source}: "
                          f"{one_record(self.redactor(english))}\n")
        if self._console is not None and not file_only and level >= self._console_level:
            line = f"{name:<8}{one_record(self.redactor(chosen))}\n"
            try:
                (self._through or self._console.write)(line)
            except OSError as error:
                self.console_gone(error)

    def _to_file(self, line: str) -> None:
        assert self._file is not None
        try:
            self._file.write(line)
            self._file.flush()
        except OSError:  # a full disk ends the log, never the run (nor its clean-up)
            self._file = None

    def console_gone(self, error: OSError) -> None:
        """The console cannot be written any more (a closed SSH session, a closed pipe, a
        full disk): the run goes on, and the log file says why it went quiet."""
        self._console, self._through = None, None
        self.console_lost = error
        if self._file is not None:
            self._to_file(f"{_timestamp()} WARNING azcmagent: The console can no longer be "
                          f"written ({error.strerror or error}); the run goes on.\n")

    def console_through(self, writer: Callable[[str], None] | None) -> None:
        """Send console lines through ``writer`` (a progress bar's), or directly again."""
        self._through = writer

    @property
    def console(self) -> TextIO | None:
        return self._console

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._console = None


_current: list[RunLog] = []


class session:
    """Make a ``RunLog`` the current one for the duration of a run."""

    def __init__(self, redactor: Redactor) -> None:
        self.run_log = RunLog(redactor)

    def __enter__(self) -> RunLog:
        _current.append(self.run_log)
        return self.run_log

    def __exit__(self, *exc: object) -> None:
        _current.remove(self.run_log)
        self.run_log.close()


def current() -> RunLog | None:
    return _current[-1] if _current else None


def _emit(level: int, message: str | Localized, args: tuple[Any, ...],
          file_only: bool = False) -> None:
    if _current:
        _current[-1].write(level, _formatted(message, args) if args else message,
                           file_only=file_only)


def _formatted(message: str | Localized, args: tuple[Any, ...]) -> str | Localized:
    if isinstance(message, str):
        return message % args
    return type(message)(message.en % args, message.ja % args)


def debug(message: str, *args: Any) -> None:
    _emit(DEBUG, message, args)


def info(message: str | Localized, *args: Any) -> None:
    """A line people read on the console: give a ``Localized`` (the file gets the English)."""
    _emit(INFO, message, args)


def warning(message: str | Localized, *args: Any) -> None:
    _emit(WARNING, message, args)


def error(message: str | Localized, *args: Any, file_only: bool = False) -> None:
    _emit(ERROR, message, args, file_only)


def exception(message: str) -> None:
    """Log ``message`` and the traceback being handled, to the file only."""
    import traceback

    _emit(ERROR, f"{message}\n{traceback.format_exc().rstrip()}", (), file_only=True)


def bridge_stdlib() -> None:
    """Route records of the stdlib ``logging`` package (library loggers) into the run log."""
    import logging

    class _Forward(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if _current:
                _current[-1].write(record.levelno, record.getMessage(), record.name,
                                   file_only=record.levelno < WARNING)

    root = logging.getLogger()
    if not any(type(h).__name__ == "_Forward" for h in root.handlers):
        root.addHandler(_Forward())
        root.setLevel(logging.DEBUG)


def _timestamp() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


def _open_append(path: str) -> TextIO:
    """The log file, rotated first when large; both in the directory as it was opened once
    (root writes where the himds account may swap a directory for a link)."""
    from cmagent.machine.files import open_directory
    from cmagent.machine.files import open_own_at

    directory, name = os.path.split(path)
    folder = open_directory(directory)
    try:
        _rotate_if_large(folder, name)
        descriptor = open_own_at(folder, name, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    finally:
        os.close(folder)
    return open(descriptor, "a", encoding="utf-8")


def _rotate_if_large(folder: int, name: str) -> None:
    # Rotation happens at the start of a run, so one run's lines stay in one file.
    try:
        if os.stat(name, dir_fd=folder, follow_symlinks=False).st_size < ROTATE_BYTES:
            return
    except OSError:
        return
    for index in range(KEEP_ROTATED - 1, 0, -1):
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{name}.{index}", f"{name}.{index + 1}", src_dir_fd=folder,
                       dst_dir_fd=folder)
    os.replace(name, f"{name}.1", src_dir_fd=folder, dst_dir_fd=folder)


def _unwritable(path: str, error: OSError) -> Exception:
    """AZCM0005 naming why: a file where the log directory belongs says more than EEXIST."""
    from cmagent.errors import AzcmError
    from cmagent.errors import Localized
    from cmagent.errors import codes

    directory = os.path.dirname(path)
    if os.path.exists(directory) and not os.path.isdir(directory):
        return AzcmError(codes.NO_FILE_LOGGER, Localized(
            f"Cannot open {path}: {directory} is a file, not a directory.",
            f"{path} を開けません: {directory} はディレクトリではなくファイルです。"))
    return AzcmError(codes.NO_FILE_LOGGER, Localized(
        f"Cannot open {path}: {error.strerror}.", f"{path} を開けません: {error.strerror}。"))
