"""Shared harness of the cloud benchmarks: a real ``cmagent-cloud serve`` process and a
concurrent load loop (threads with keep-alive sessions), bounded in time."""

from __future__ import annotations

import json
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

CLOUD = str(Path(sys.executable).with_name("cmagent-cloud"))


class Server:
    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        self.data = Path(self._tmp.name) / "data"
        ready = Path(self._tmp.name) / "ready.json"
        self.process = subprocess.Popen([CLOUD, "serve", "--data-dir", str(self.data),
                                         "--port", "0", "--ready-file", str(ready)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not ready.exists():
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        self.url, self.ca = info["url"], info["ca_bundle"]

    def cli(self, *args: str) -> dict:
        out = subprocess.run([CLOUD, *args, "--data-dir", str(self.data)], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        session.verify = self.ca
        return session

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self._tmp.cleanup()


def load(call: Callable[[requests.Session], None], sessions: list[requests.Session],
         seconds: float) -> tuple[float, list[float]]:
    """Run ``call`` from one thread per session for ``seconds``; (requests/s, latencies)."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(session: requests.Session) -> None:
        mine: list[float] = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            call(session)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.monotonic() - started), latencies


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else latencies[0]
