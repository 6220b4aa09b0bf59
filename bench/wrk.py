"""The load generator of the server benchmarks: ``wrk`` (C, one thread, keep-alive connections),
pinned to its own CPU when the machine has two, so that the server, not the client, sets the
pace. Lua scripts in ``bench/lua`` shape multi-step exchanges and report their own counters.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

LUA = Path(__file__).parent / "lua"
CONNECTIONS = 16
SERVER_CPU, CLIENT_CPU = "0", "1"


def pinned(cpu: str, command: list[str]) -> list[str]:
    """``command`` on one CPU when there are two or more (taskset), as it is otherwise."""
    if (os.cpu_count() or 1) >= 2 and shutil.which("taskset"):
        return ["taskset", "-c", cpu, *command]
    return command


class Load:
    """What one wrk run measured: requests/s, p99 latency (ms), the script's counters."""

    def __init__(self, output: str, seconds: float) -> None:
        rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
        if rate is None:
            raise RuntimeError(f"wrk gave no rate:\n{output}")
        self.rate = float(rate.group(1))
        self.p99_ms = _latency(output, "99%")
        self.counters = {name: float(value) for name, value in
                         re.findall(r"^counter (\w+) ([\d.]+)$", output, re.MULTILINE)}
        self.seconds = seconds
        self.errors = int(sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)",
                                                         output)))

    def per_second(self, counter: str) -> float:
        return self.counters.get(counter, 0.0) / self.seconds


def _latency(output: str, percentile: str) -> float:
    match = re.search(rf"^\s+{re.escape(percentile)}\s+([\d.]+)(us|ms|s)$", output, re.MULTILINE)
    if match is None:
        return float("nan")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
    return float(match.group(1)) * scale


def run(url: str, seconds: float = 5.0, script: str | None = None,
        env: dict[str, str] | None = None, connections: int = CONNECTIONS,
        warmup: float = 1.0, pin: bool = True) -> Load:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian package 'wrk'); scripts/setup installs it")
    command = ["wrk", "-t1", f"-c{connections}", "--latency", "--timeout", "10s"]
    if script:
        command += ["-s", str(LUA / script)]
    environ = {**os.environ, **(env or {})}
    place = (lambda words: pinned(CLIENT_CPU, words)) if pin else (lambda words: words)
    if warmup:  # BENCH_PHASE tells scripts which run this is (names must not repeat)
        subprocess.run(place([*command, f"-d{int(warmup)}s", url]),
                       env={**environ, "BENCH_PHASE": "warmup"}, capture_output=True, check=True)
    output = subprocess.run(place([*command, f"-d{int(seconds)}s", url]),
                            env={**environ, "BENCH_PHASE": "measured"}, capture_output=True,
                            text=True, check=True).stdout
    return Load(output, seconds)


def wait_for_port(port: int, seconds: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")
