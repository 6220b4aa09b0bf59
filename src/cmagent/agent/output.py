"""Everything the agent prints as a result goes through here: text or ``--json`` on stdout.

Command handlers return a ``Result``; failures arrive as ``AzcmError``. Diagnostics are not
printed here but logged (see ``log``).
"""

from __future__ import annotations

import errno
import os
import sys
from typing import TYPE_CHECKING

from cmagent.errors import AzcmError
from cmagent.errors import language
from cmagent.errors import render_json
from cmagent.errors import render_text

if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Mapping
    from typing import Any
    from typing import TextIO


class Environment:
    """The world a run sees: streams, environment variables and the effective user."""

    __slots__ = ("environ", "euid", "stderr", "stdout")

    def __init__(self, stdout: TextIO, stderr: TextIO, environ: Mapping[str, str],
                 euid: int | None = None) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.environ = environ
        self.euid = os.geteuid() if euid is None else euid

    @classmethod
    def system(cls) -> Environment:
        return cls(sys.stdout, sys.stderr, os.environ)

    @property
    def lang(self) -> str:
        return language(self.environ)

    @property
    def is_root(self) -> bool:
        return self.euid == 0


class Result:
    """What a command produced: the text for people and the data for ``--json``."""

    __slots__ = ("data", "text")

    def __init__(self, text: str, data: Any = None) -> None:
        self.text = text
        self.data = data


class Output:
    """Renders results and errors per the run's ``--json`` and ``--no-color`` flags."""

    def __init__(self, env: Environment, as_json: bool = False, color: bool = True,
                 redact: Callable[[str], str] = str) -> None:
        self.env = env
        self.as_json = as_json
        self.color = color
        self.redact = redact  # errors may quote what the user typed: mask its secrets
        self.lost: OSError | None = None  # why the result could not be written, if it could not

    def result(self, result: Result) -> None:
        if self.as_json:
            self._json(result.data if result.data is not None else {"message": result.text})
        elif result.text:
            self._write(self.env.stdout,
                        result.text if result.text.endswith("\n") else result.text + "\n")

    def error(self, error: AzcmError, log_stderr: bool) -> None:
        lang = self.env.lang
        report = error.report if isinstance(error.report, Result) else None
        if self.as_json:
            self._json({**(report.data if report else {}), **render_json(error, lang)},
                       self.redact)
            return
        if report is not None:
            self.result(report)
        stream = self.env.stderr if log_stderr else self.env.stdout
        text = self.redact(render_text(error, lang))
        if self._colored(stream):
            first, _, rest = text.partition("\n")
            text = f"\x1b[31m{first}\x1b[0m\n{rest}"
        self._write(stream, text)

    def _json(self, data: Any, redact: Callable[[str], str] = str) -> None:
        import json

        self._write(self.env.stdout,
                    redact(json.dumps(data, indent=2, ensure_ascii=False)) + "\n")

    def _write(self, stream: TextIO, text: str) -> None:
        """Written and flushed now: a closed pipe, a gone terminal or a full disk is noted
        (the run's status says so), never raised past the command's own outcome."""
        if self.lost is not None:
            return
        if stream is None:  # started with the descriptor closed (>&-): Python gives None
            self.lost = OSError(errno.EBADF, "the stream was closed when the command started")
            return
        try:
            stream.write(text)
            stream.flush()
        except OSError as error:
            self.lost = error

    def _colored(self, stream: TextIO) -> bool:
        if not self.color or "NO_COLOR" in self.env.environ:
            return False
        return bool(getattr(stream, "isatty", lambda: False)())
