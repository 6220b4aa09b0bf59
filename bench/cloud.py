"""The cloud's throughput from one run, each figure a ratio to a bare Starlette/uvicorn endpoint
on the same TLS certificate, measured with 1k and with 50k machines stored. The load generator is
wrk on its own CPU (bench/wrk.py); the cloud and the bare endpoint share the other.

Targets: metadata GET >= 0.8x the bare endpoint; heartbeats >= 0.5x the cloud's own metadata
GET; machine creations (PUT with a system-assigned identity, then GET) >= 0.2x the bare
endpoint; token issuance (client credentials) reported as the same ratio. Throttling is lifted.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).parent))

import wrk
from cloudbench import API
from cloudbench import UNTHROTTLED
from cloudbench import Bare
from cloudbench import Server
from cloudbench import arm_token
from cloudbench import enroll
from cloudbench import machines_path
from cmagent.cloud import models
from cmagent.cloud.store import Store

FLEET = 16
TARGETS = {"metadata": 0.8, "heartbeats": 0.5, "creations": 0.2}


def seed(data_dir: Path, subscription: str, group: str, count: int) -> None:
    """Insert ``count`` machines straight into the store (the server is stopped)."""
    store = Store.in_data_dir(data_dir)
    now = time.time()
    rows = [{"subscription_id": subscription, "group_key": group, "name": f"seed{i}",
             "name_key": f"seed{i}", "location": "westeurope", "vm_id": str(uuid.uuid4()),
             "body": {"properties": {}, "tags": {}}, "reported": {}, "status": "Connected",
             "last_status_change": now, "last_heartbeat": now, "created_at": now}
            for i in range(count)]
    with store.session() as session:
        session.execute(models.Machine.__table__.insert(), rows)
    store.close()


def measure(server: Server, quick: dict, stored: int) -> dict[str, wrk.Load]:
    fleet = [enroll(server, quick) for _ in range(FLEET)]
    token = arm_token(server.session(), server.url, quick)
    loads = {"metadata": wrk.run(f"{server.url}/metadata/endpoints?api-version=2022-09-01"),
             "heartbeats": wrk.run(f"{server.url}/", script="heartbeat.lua", env={
                 "BENCH_MACHINES": ";".join(f"{vm},{t}" for vm, t in fleet)}),
             "creations": wrk.run(f"{server.url}/", script="create.lua", env={
                 "BENCH_PREFIX": machines_path(quick), "BENCH_QUERY": f"?api-version={API}",
                 "BENCH_TOKEN": token, "BENCH_RUN": f"c{stored}-{uuid.uuid4().hex[:6]}"})}
    return loads


def tokens(server: Server, quick: dict) -> wrk.Load:
    form = urlencode({"grant_type": "client_credentials",
                      "client_id": quick["servicePrincipalId"],
                      "client_secret": quick["servicePrincipalSecret"],
                      "scope": "https://management.azure.com/.default"})
    return wrk.run(f"{server.url}/{quick['tenantId']}/oauth2/v2.0/token", script="token.lua",
                   env={"BENCH_FORM": form})


def main() -> int:
    results: dict[int, dict[str, wrk.Load]] = {}
    for stored in (1_000, 50_000):
        server = Server()
        try:
            quick = server.cli("quickstart", "--json")
            server.stop_keep_data()
            seed(server.data, quick["subscriptionId"], quick["resourceGroup"], stored)
            server.restart()
            server.call_admin("PATCH", "/throttling", UNTHROTTLED)
            bare = Bare(server.data)
            try:
                results[stored] = {"bare": wrk.run(f"{bare.url}/metadata/endpoints"),
                                   **measure(server, quick, stored)}
                if stored == 1_000:
                    results[stored]["tokens"] = tokens(server, quick)
            finally:
                bare.stop()
        finally:
            server.stop()
    return report(results)


def report(results: dict[int, dict[str, wrk.Load]]) -> int:
    worst: dict[str, float] = {}
    for stored, loads in results.items():
        bare = loads["bare"].rate
        print(f"{stored:>6} stored: bare endpoint {bare:8.0f} req/s  p99 "
              f"{loads['bare'].p99_ms:5.1f} ms")
        rates = {"metadata": loads["metadata"].rate, "heartbeats": loads["heartbeats"].rate,
                 "creations": loads["creations"].per_second("created")}
        ratios = {"metadata": rates["metadata"] / bare,
                  "heartbeats": rates["heartbeats"] / rates["metadata"],
                  "creations": rates["creations"] / bare}
        for name, rate in rates.items():
            basis = "the cloud's metadata GET" if name == "heartbeats" else "bare"
            print(f"        {name:<10} {rate:8.0f}/s  p99 {loads[name].p99_ms:5.1f} ms  "
                  f"{ratios[name]:.2f}x {basis} (target {TARGETS[name]}x)")
            worst[name] = min(worst.get(name, ratios[name]), ratios[name])
        if "tokens" in loads:
            print(f"        {'tokens':<10} {loads['tokens'].rate:8.0f}/s  p99 "
                  f"{loads['tokens'].p99_ms:5.1f} ms  {loads['tokens'].rate / bare:.2f}x bare")
        failed = loads["creations"].counters.get("failed", 0) + loads["heartbeats"].errors
        if failed:
            print(f"        ({failed:.0f} failed requests)")
    verdicts = [f"{name} {'met' if worst[name] >= target else 'MISSED'}"
                for name, target in TARGETS.items()]
    print("targets: " + ", ".join(verdicts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
