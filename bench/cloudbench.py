"""Shared harness of the cloud benchmarks: a real ``cmagent-cloud serve`` process and the bare
Starlette endpoint on the same TLS certificate, each pinned to the server CPU, and machines
enrolled the way the agent enrolls them (for heartbeats)."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from wrk import SERVER_CPU
from wrk import pinned
from wrk import wait_for_port

CLOUD = str(Path(sys.executable).with_name("cmagent-cloud"))
HIMDS = str(Path(sys.executable).with_name("himds"))
BARE = str(Path(__file__).with_name("bare.py"))
API = "2025-01-13"
UNTHROTTLED = {kind: {"capacity": 1e9, "refillPerSecond": 1e9}
               for kind in ("reads", "writes", "deletes")}


def free_port() -> int:
    import socket

    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        return int(spare.getsockname()[1])


def start_himds(root: str, env: dict[str, str], port: int = 0) -> subprocess.Popen[bytes]:
    """A ``himds serve`` for the machine root ``root``, once its channel listens."""
    process = subprocess.Popen(pinned(SERVER_CPU, [HIMDS, "serve", "--port", str(port)]),
                               env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not Path(root, "var/opt/azcmagent/socks/himds.sock").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"himds did not start (exit {process.poll()})")
        time.sleep(0.05)
    return process


class Server:
    def __init__(self, *extra: str, pin: bool = True) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        self.data = Path(self._tmp.name) / "data"
        self.extra = extra
        self.pin = pin
        self._start()

    def _start(self) -> None:
        ready = Path(self._tmp.name) / f"ready-{time.monotonic_ns()}.json"
        command = [CLOUD, "serve", "--data-dir", str(self.data), "--port", "0",
                   "--ready-file", str(ready), *self.extra]
        self.process = subprocess.Popen(pinned(SERVER_CPU, command) if self.pin else command,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not ready.exists():
            if self.process.poll() is not None:
                raise RuntimeError("cmagent-cloud did not start")
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        self.url, self.ca = info["url"], info["ca_bundle"]

    def stop_keep_data(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)

    def restart(self) -> None:
        self._start()

    def call_admin(self, method: str, path: str, body: object = None) -> object:
        from cmagent.cloud.adminclient import AdminClient

        return AdminClient(self.data).call(method, path, body)

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
        self.stop_keep_data()
        self._tmp.cleanup()


class Bare:
    """The bare endpoint: on the cloud's certificate (``data``), plain HTTP, or (``challenge``,
    a directory) answering the managed-identity file challenge on plain HTTP."""

    def __init__(self, data: Path | None = None, challenge: str | None = None) -> None:
        self.port = free_port()
        mode = [str(data / "server.pem"), str(data / "server.key")] if data else \
            (["--challenge", challenge] if challenge else [])
        self.process = subprocess.Popen(pinned(SERVER_CPU, [sys.executable, BARE,
                                                            str(self.port), *mode]),
                                        stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        self.url = f"{'https' if data else 'http'}://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def arm_token(session: requests.Session, url: str, quick: dict) -> str:
    return str(session.post(f"{url}/{quick['tenantId']}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": quick["servicePrincipalId"],
        "client_secret": quick["servicePrincipalSecret"],
        "scope": "https://management.azure.com/.default"}).json()["access_token"])


def machines_path(quick: dict) -> str:
    return (f"/subscriptions/{quick['subscriptionId']}/resourceGroups/{quick['resourceGroup']}"
            "/providers/Microsoft.HybridCompute/machines/")


def enroll(server: Server, quick: dict) -> tuple[str, str]:
    """A machine as connect leaves it: (vmId, a HIS token of its identity)."""
    import msal
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric import rsa

    session = server.session()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = base64.b64encode(key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1)).decode()
    vm_id = str(uuid.uuid4())
    url = f"{server.url}{machines_path(quick)}hb-{vm_id[:8]}?api-version={API}"
    session.put(url, json={"location": "westeurope", "identity": {"type": "SystemAssigned"},
                           "properties": {"vmId": vm_id, "clientPublicKey": public}},
                headers={"Authorization": f"Bearer {arm_token(session, server.url, quick)}"}
                ).raise_for_status()
    challenge = session.post(f"{server.url}/his/v1/challenges", json={"vmId": vm_id}).json()
    signature = key.sign(base64.b64decode(challenge["nonce"]) + vm_id.encode(),
                         padding.PKCS1v15(), hashes.SHA256())
    cert = session.post(f"{server.url}/his/v1/certificates", json={
        "vmId": vm_id, "challengeId": challenge["challengeId"],
        "signature": base64.b64encode(signature).decode()}).json()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    app = msal.ConfidentialClientApplication(
        cert["clientId"], authority=cert["authority"], instance_discovery=False,
        client_credential={"private_key": pem, "public_certificate": cert["certificate"]},
        http_client=session)
    return vm_id, app.acquire_token_for_client(["https://his.arc.azure.com/.default"])[
        "access_token"]
