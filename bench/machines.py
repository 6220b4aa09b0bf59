"""Machine creations (PUT + GET round trips) and heartbeats against a running cmagent-cloud,
with 1k and with 50k machines already stored.

Targets on a 2-core machine: ≥ 150 creations/s and ≥ 1,000 heartbeats/s from a concurrent
client. Baseline in the same run: the metadata GET from the same client threads.
"""

from __future__ import annotations

import base64
import json
import sys
import time
import uuid
from pathlib import Path

import msal
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).parent))

from cloudbench import Server
from cloudbench import load
from cloudbench import p99
from cmagent.cloud import models
from cmagent.cloud.store import Store

THREADS = 8
SECONDS = 5.0
API = "2025-01-13"


def seed(data_dir: Path, subscription: str, group: str, count: int) -> None:
    """Insert ``count`` machines straight into the store (the server is stopped)."""
    store = Store.in_data_dir(data_dir)
    now = time.time()
    rows = [{"subscription_id": subscription, "group_key": group, "name": f"seed{i}",
             "name_key": f"seed{i}", "location": "westeurope", "vm_id": str(uuid.uuid4()),
             "body": {"properties": {}, "tags": {}}, "status": "Connected",
             "last_status_change": now, "last_heartbeat": now, "created_at": now}
            for i in range(count)]
    with store.session() as session:
        session.execute(models.Machine.__table__.insert(), rows)
    store.close()


class Fleet:
    """One enrolled machine per client thread: key, vmId, identity certificate, HIS token."""

    def __init__(self, server: Server, quick: dict, session) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = base64.b64encode(self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.PKCS1)).decode()
        self.vm_id = str(uuid.uuid4())
        url = _machine_url(server, quick, f"hb-{self.vm_id[:8]}")
        token = _arm_token(session, server, quick)
        session.put(url, json={"location": "westeurope", "identity": {"type": "SystemAssigned"},
                               "properties": {"vmId": self.vm_id, "clientPublicKey": public}},
                    headers={"Authorization": f"Bearer {token}"}).raise_for_status()
        challenge = session.post(f"{server.url}/his/v1/challenges",
                                 json={"vmId": self.vm_id}).json()
        signature = self.key.sign(base64.b64decode(challenge["nonce"]) + self.vm_id.encode(),
                                  padding.PKCS1v15(), hashes.SHA256())
        cert = session.post(f"{server.url}/his/v1/certificates", json={
            "vmId": self.vm_id, "challengeId": challenge["challengeId"],
            "signature": base64.b64encode(signature).decode()}).json()
        pem = self.key.private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()
        app = msal.ConfidentialClientApplication(
            cert["clientId"], authority=cert["authority"], instance_discovery=False,
            client_credential={"private_key": pem, "public_certificate": cert["certificate"]},
            http_client=session)
        self.token = app.acquire_token_for_client(["https://his.arc.azure.com/.default"])[
            "access_token"]


def _machine_url(server: Server, quick: dict, name: str) -> str:
    return (f"{server.url}/subscriptions/{quick['subscriptionId']}/resourceGroups/"
            f"{quick['resourceGroup']}/providers/Microsoft.HybridCompute/machines/{name}"
            f"?api-version={API}")


def _arm_token(session, server: Server, quick: dict) -> str:
    return session.post(f"{server.url}/{quick['tenantId']}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": quick["servicePrincipalId"],
        "client_secret": quick["servicePrincipalSecret"],
        "scope": "https://management.azure.com/.default"}).json()["access_token"]


def measure(server: Server, quick: dict) -> dict[str, tuple[float, float]]:
    setup = server.session()
    token = _arm_token(setup, server, quick)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    clients = [server.connection() for _ in range(THREADS)]
    fleets = {id(c): Fleet(server, quick, setup) for c in clients}
    beat = json.dumps({"agentVersion": "0.1.0", "osName": "linux",
                       "fingerprint": "bench"}).encode()

    def baseline(client) -> None:
        assert client.request("GET", "/metadata/endpoints?api-version=2022-09-01")[0] == 200

    def create(client) -> None:
        path = _machine_url(server, quick, f"m-{uuid.uuid4().hex[:12]}").removeprefix(
            server.url)
        body = json.dumps({"location": "westeurope",
                           "properties": {"vmId": str(uuid.uuid4())}}).encode()
        assert client.request("PUT", path, body, headers)[0] == 200
        assert client.request("GET", path, None, headers)[0] == 200

    def heartbeat(client) -> None:
        fleet = fleets[id(client)]
        status, answer = client.request(
            "POST", f"/his/v1/machines/{fleet.vm_id}/heartbeat", beat,
            {"Authorization": f"Bearer {fleet.token}", "Content-Type": "application/json"})
        assert status == 200, answer

    results = {}
    for name, call in (("baseline", baseline), ("creations", create), ("heartbeats", heartbeat)):
        load(call, clients, 1.0)
        rate, latencies = load(call, clients, SECONDS)
        results[name] = (rate, p99(latencies))
    return results


def main() -> int:
    rows = []
    for stored in (1_000, 50_000):
        server = Server()
        quick = server.cli("quickstart", "--json")
        server.stop_keep_data()
        seed(server.data, quick["subscriptionId"], quick["resourceGroup"], stored)
        server.restart()
        server.call_admin("PATCH", "/throttling", {
            "writes": {"capacity": 1e9, "refillPerSecond": 1e9},
            "reads": {"capacity": 1e9, "refillPerSecond": 1e9}})
        try:
            rows.append((stored, measure(server, quick)))
        finally:
            server.stop()
    for stored, results in rows:
        base = results["baseline"][0]
        for name in ("creations", "heartbeats"):
            rate, tail = results[name]
            print(f"{stored:>6} stored  {name:<10} {rate:7.0f}/s  p99 {tail * 1000:6.1f} ms  "
                  f"({rate / base:.2f}x of the {base:.0f} req/s metadata baseline)")
    worst = {name: min(r[name][0] for _, r in rows) for name in ("creations", "heartbeats")}
    print(f"targets: creations >= 150/s {'met' if worst['creations'] >= 150 else 'MISSED'}, "
          f"heartbeats >= 1000/s {'met' if worst['heartbeats'] >= 1000 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
