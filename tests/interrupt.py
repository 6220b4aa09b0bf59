"""A pytest plugin: SIGTERM (``timeout``, a CI job's time limit, ``kill``) ends the run as Ctrl+C
does, so that every fixture's teardown runs: labs, PostgreSQL clusters and servers are removed
instead of outliving the run."""

from __future__ import annotations

import signal

import pytest


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
