"""connect --dry-run against the lab (root), compared with a real connect of the same machine:
both as a user runs them (service principal, the lab's cloud under its public names, the
network pre-check on), alternating, medians of N runs; each real connect is disconnected again.

``python bench/dry_run.py [--runs 7]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from cmagent.lab.lab import Lab

ADMINISTRATOR = "Azure Connected Machine Resource Administrator"


def _timed(machine, *words: str) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    done = machine.run("azcmagent", *words)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"azcmagent {' '.join(words)} failed: {done.stdout}{done.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with Lab() as lab:
        lab.quickstart(ADMINISTRATOR)
        machine = lab.add_machine("bench")
        flags = json.loads((lab.dir / "cloud" / "onboarding.json").read_text())
        flags.pop("cloud", None)
        (machine.merged / "root" / "flags.json").write_text(json.dumps(flags))
        dry, real = [], []
        for _ in range(runs):
            dry.append(_timed(machine, "connect", "--config", "/root/flags.json", "--dry-run"))
            real.append(_timed(machine, "connect", "--config", "/root/flags.json"))
            _timed(machine, "disconnect", "--config", "/root/flags.json")
    print(f"connect --dry-run: median {statistics.median(dry):.2f} s "
          f"(min {min(dry):.2f}, max {max(dry):.2f})")
    print(f"connect:           median {statistics.median(real):.2f} s "
          f"(min {min(real):.2f}, max {max(real):.2f})")
    print(f"ratio dry-run / connect: {statistics.median(dry) / statistics.median(real):.2f}")


if __name__ == "__main__":
    main()
