"""connect's progress bar on a terminal, drawn by tqdm (imported only when a terminal shows a
bar). Log lines printed while it runs go through the bar, which clears itself first and draws
itself again below them, so that every line stands alone; it ends at 100 % on success and is
removed on failure, before the error is printed. A terminal that went away (a closed SSH
session) stops the bar, never the command: its clean-up must still run."""

from __future__ import annotations

from typing import Any
from typing import TextIO


class Bar:
    def __init__(self, stream: TextIO, steps: tuple[str, ...]) -> None:
        from tqdm import tqdm  # type: ignore[import-untyped]

        self._tqdm = tqdm
        self.steps = steps
        self.stream = stream
        self.bar: Any = tqdm(total=len(steps), file=stream, leave=True, dynamic_ncols=True,
                             bar_format="{percentage:3.0f}% |{bar:20}| {desc}")

        self.gone = False  # the terminal can no longer be written

    def show(self, phase: str) -> None:
        if phase in self.steps:
            self.bar.n = self.steps.index(phase) + 1
        self._drawing(self.bar.set_description_str, phase)  # redraws

    def write(self, line: str) -> None:
        """A console line, printed above the bar."""
        self._drawing(self._tqdm.write, line.rstrip("\n"), file=self.stream)

    def finish(self, succeeded: bool) -> None:
        if succeeded:
            self.bar.n = len(self.steps)
            self._drawing(self.bar.set_description_str, "done")
        else:
            self.bar.leave = False  # the error follows; a half bar would only confuse
        self._drawing(self.bar.close)

    def _drawing(self, draw: Any, *args: Any, **kwargs: Any) -> None:
        if self.gone:
            return
        try:
            draw(*args, **kwargs)
        except OSError:
            self.gone = True
            self.bar.disable = True  # (tqdm draws nothing more, also when it is collected)
