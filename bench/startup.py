"""Start-up time of ``azcmagent version`` and ``azcmagent --help`` against bare Python.

Runs each command several times in one process run, interleaved so that machine noise hits all
three alike, and prints the medians and their ratio to ``python -c pass`` (target: ≤ 3×).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 21
TARGET_RATIO = 3.0


def _time(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def _compile_package() -> None:
    # An installed package has bytecode (pip compiles at install time); an editable checkout
    # under PYTHONDONTWRITEBYTECODE would recompile on every run and measure that instead.
    import compileall

    import cmagent

    compileall.compile_dir(str(Path(cmagent.__file__).parent), quiet=1)


def main() -> int:
    _compile_package()
    agent = str(Path(sys.executable).with_name("azcmagent"))
    commands = {"python -c pass": [sys.executable, "-c", "pass"],
                "azcmagent version": [agent, "version"],
                "azcmagent --help": [agent, "--help"]}
    with tempfile.TemporaryDirectory() as root:
        env = {**os.environ, "AZCMAGENT_ROOT": root}
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(RUNS):
            for name, command in commands.items():
                samples[name].append(_time(command, env))
    baseline = statistics.median(samples["python -c pass"])
    worst = 0.0
    for name, values in samples.items():
        median = statistics.median(values)
        worst = max(worst, median / baseline)
        print(f"{name:<20} median {median * 1000:7.1f} ms  ratio {median / baseline:4.2f}x")
    print(f"worst ratio {worst:.2f}x (target <= {TARGET_RATIO}x): "
          f"{'met' if worst <= TARGET_RATIO else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
