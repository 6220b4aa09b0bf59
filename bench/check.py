"""``azcmagent check`` through the network lab (root): all endpoints healthy, then one
black-holed. Targets: healthy median ≤ 0.5 s; one black-holed ≤ probe timeout + 0.5 s (the
probes run in parallel, so timeouts do not add up). Wall time of the whole command is measured.
"""

from __future__ import annotations

import statistics
import time

from cmagent.lab.lab import BIN
from cmagent.lab.lab import Lab

RUNS = 7
TIMEOUT = 3.0


def _wall(lab: Lab, expected: int) -> float:
    env = {"PATH": f"{BIN}:/usr/sbin:/usr/bin:/bin", "AZCMAGENT_ROOT": str(lab.dir),
           "AZCMAGENT_CHECK_TIMEOUT": str(TIMEOUT)}
    started = time.perf_counter()
    run = lab.agent(str(BIN / "azcmagent"), "check", "-l", "westeurope", "--json", env=env)
    elapsed = time.perf_counter() - started
    assert run.returncode == expected, run.stdout + run.stderr
    return elapsed


def main() -> int:
    with Lab() as lab:
        healthy = [_wall(lab, 0) for _ in range(RUNS)]
        lab.firewall("drop", "management.azure.com")
        holed = [_wall(lab, 26) for _ in range(3)]
    healthy_median, holed_median = statistics.median(healthy), statistics.median(holed)
    print(f"healthy:       median {healthy_median:.3f} s over {RUNS} runs "
          f"(target <= 0.5 s: {'met' if healthy_median <= 0.5 else 'MISSED'})")
    bound = TIMEOUT + 0.5
    print(f"one black-holed (timeout {TIMEOUT:g} s): median {holed_median:.3f} s "
          f"(target <= {bound:g} s: {'met' if holed_median <= bound else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
