"""Shared harness of the cloud benchmarks: a real ``cmagent-cloud serve`` process and a
concurrent load loop (threads with keep-alive sessions), bounded in time."""

from __future__ import annotations

import http.client
import json
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

CLOUD = str(Path(sys.executable).with_name("cmagent-cloud"))
HIMDS = str(Path(sys.executable).with_name("himds"))


def start_himds(root: str, env: dict[str, str], port: int = 0) -> subprocess.Popen[bytes]:
    """A ``himds serve`` for the machine root ``root``, once its channel listens."""
    process = subprocess.Popen([HIMDS, "serve", "--port", str(port)], env=env,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not Path(root, "var/opt/azcmagent/socks/himds.sock").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"himds did not start (exit {process.poll()})")
        time.sleep(0.05)
    return process


class Server:
    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        self.data = Path(self._tmp.name) / "data"
        self._start()

    def _start(self) -> None:
        ready = Path(self._tmp.name) / f"ready-{time.monotonic_ns()}.json"
        self.process = subprocess.Popen([CLOUD, "serve", "--data-dir", str(self.data),
                                         "--port", "0", "--ready-file", str(ready)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not ready.exists():
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        self.url, self.ca = info["url"], info["ca_bundle"]

    def stop_keep_data(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)

    def restart(self) -> None:
        self._start()

    def call_admin(self, method: str, path: str, body: object = None) -> object:
        from cmagent.cloud.adminclient import AdminClient

        return AdminClient(self.data).call(method, path, body)

    def cli(self, *args: str) -> dict:
        out = subprocess.run([CLOUD, *args, "--data-dir", str(self.data)], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)

    def connection(self) -> LeanClient:
        return LeanClient(self.url, self.ca)

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        session.verify = self.ca
        return session

    def stop(self) -> None:
        self.stop_keep_data()
        self._tmp.cleanup()


class LeanClient:
    """One keep-alive HTTPS connection (``http.client``): a load generator that spends little
    CPU itself, so that on a 2-core machine the server, not the client, sets the pace."""

    def __init__(self, url: str, ca: str) -> None:
        host, port = url.removeprefix("https://").rsplit(":", 1)
        self._connection = http.client.HTTPSConnection(
            host, int(port), context=ssl.create_default_context(cafile=ca), timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        self._connection.request(method, path, body=body, headers=headers or {})
        response = self._connection.getresponse()
        return response.status, response.read()


def load(call: Callable[[Any], None], sessions: list[Any],
         seconds: float) -> tuple[float, list[float]]:
    """Run ``call`` from one thread per session for ``seconds``; (requests/s, latencies)."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(session: Any) -> None:
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
