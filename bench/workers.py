"""One worker against two over one PostgreSQL database, from one run: the cloud's metadata GET,
heartbeats and machine creations with ``--workers 1`` and ``--workers 2``. Nothing is pinned
here (two workers, PostgreSQL and wrk share the machine's CPUs), so the figures say what a second
worker buys on this machine, not how the stack compares with a bare endpoint (bench/cloud.py).
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from tests.pg import Cluster

import wrk
from cloudbench import API
from cloudbench import UNTHROTTLED
from cloudbench import Server
from cloudbench import arm_token
from cloudbench import enroll
from cloudbench import machines_path

FLEET = 16


def measure(server: Server) -> dict[str, float]:
    quick = server.cli("quickstart", "--json")
    server.call_admin("PATCH", "/throttling", UNTHROTTLED)
    fleet = [enroll(server, quick) for _ in range(FLEET)]
    token = arm_token(server.session(), server.url, quick)
    loads = {
        "metadata": wrk.run(f"{server.url}/metadata/endpoints?api-version=2022-09-01",
                            pin=False),
        "heartbeats": wrk.run(f"{server.url}/", script="heartbeat.lua", pin=False, env={
            "BENCH_MACHINES": ";".join(f"{vm},{t}" for vm, t in fleet)}),
        "creations": wrk.run(f"{server.url}/", script="create.lua", pin=False, env={
            "BENCH_PREFIX": machines_path(quick), "BENCH_QUERY": f"?api-version={API}",
            "BENCH_TOKEN": token, "BENCH_RUN": uuid.uuid4().hex[:8]})}
    return {"metadata": loads["metadata"].rate, "heartbeats": loads["heartbeats"].rate,
            "creations": loads["creations"].per_second("created")}


def main() -> int:
    cluster = Cluster()
    cluster.start()
    results = {}
    try:
        for workers in (1, 2):
            server = Server("--database", cluster.new_database(), "--workers", str(workers),
                            pin=False)
            try:
                results[workers] = measure(server)
            finally:
                server.stop()
    finally:
        cluster.stop()
    for name in ("metadata", "heartbeats", "creations"):
        one, two = results[1][name], results[2][name]
        print(f"{name:<11} 1 worker {one:8.0f}/s   2 workers {two:8.0f}/s   {two / one:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
