"""Lab machines (root): image build cold and warm, one machine from request to a running
systemd with himdsd serving (target ≤ 10 s median), 10 machines booted at once (target ≤ 60 s
for all), memory per idle machine, and fleets onboarded at once (time per onboarding).

``python bench/machines.py [--cold] [--fleet 10 20 ...]``; --cold builds the image into an
empty cache directory first (about a minute and 400 MB) to time a fresh machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from cmagent.lab import image
from cmagent.lab.lab import Lab
from cmagent.lab.machines import Machine


def _timed(action, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action(*args)
    return time.perf_counter() - started, result


def build_times(cold: bool) -> None:
    if cold:
        with tempfile.TemporaryDirectory(dir="/var/tmp") as cache:
            os.environ["CMAGENT_LAB_CACHE"] = cache
            seconds, _ = _timed(image.agent_layer)
            print(f"image + agent layer, cold:   {seconds:6.1f} s")
            del os.environ["CMAGENT_LAB_CACHE"]
    seconds, _ = _timed(image.agent_layer)
    print(f"image + agent layer, this checkout: {seconds:6.1f} s (wheels and agent layer "
          "rebuilt when the sources changed)")
    seconds, _ = _timed(image.agent_layer)
    print(f"image + agent layer, warm:   {seconds:6.2f} s (cache checked, nothing built)")


def _rss_kib(machine: Machine) -> int:
    """Resident memory of every process in the machine (its own PID namespace)."""
    return sum(int(v) for v in machine.run("ps", "-eo", "rss=").stdout.split())


def boots(lab: Lab) -> None:
    singles = []
    for index in range(5):
        seconds, machine = _timed(lab.add_machine, f"single{index}")
        singles.append(seconds)
        if index == 0:
            time.sleep(5)  # settle, then weigh an idle machine
            print(f"memory of an idle machine:   {_rss_kib(machine) / 1024:6.1f} MiB (RSS)")
        lab.remove_machine(machine)
    print(f"one machine, boot to himdsd: median {statistics.median(singles):.2f} s, "
          f"max {max(singles):.2f} s (target ≤ 10 s)")
    seconds, machines = _timed(_boot_many, lab, "many", 10)
    print(f"10 machines at once:         {seconds:6.1f} s (target ≤ 60 s)")
    for machine in machines:
        lab.remove_machine(machine)


def _boot_many(lab: Lab, prefix: str, count: int) -> list[Machine]:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lab.add_machine, [f"{prefix}{n}" for n in range(count)]))


def fleet(lab: Lab, size: int) -> None:
    machines = _boot_many(lab, f"f{size}-", size)
    onboarding = lab.onboarding
    words = ["--service-principal-id", onboarding["servicePrincipalId"],
             "--service-principal-secret", onboarding["servicePrincipalSecret"],
             "--tenant-id", onboarding["tenantId"], "--subscription-id",
             onboarding["subscriptionId"], "--resource-group", onboarding["resourceGroup"],
             "--location", onboarding["location"]]
    with ThreadPoolExecutor(size) as pool:
        seconds, results = _timed(lambda: list(pool.map(
            lambda m: m.run("azcmagent", "connect", *words), machines)))
    failed = sum(1 for r in results if r.returncode != 0)
    print(f"fleet of {size:3d} onboarded at once: {seconds:6.1f} s in all, "
          f"{seconds / size:5.2f} s per machine, {failed} failed")
    for machine in machines:
        lab.remove_machine(machine)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--fleet", type=int, nargs="*", default=[10, 20])
    args = parser.parse_args()
    build_times(args.cold)
    with Lab() as lab:
        lab.quickstart()
        boots(lab)
        for size in args.fleet:
            fleet(lab, size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
