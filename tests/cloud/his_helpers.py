"""A machine enrolled with the Hybrid Identity Service as connect leaves it, for HIS tests."""

from __future__ import annotations

import base64
import uuid

import msal
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding

from tests.cloud.arm_helpers import call
from tests.cloud.arm_helpers import machine_body
from tests.cloud.arm_helpers import machine_key
from tests.cloud.arm_helpers import machine_url
from tests.cloud.arm_helpers import onboarding_token


class Enrolled:
    def __init__(self, cloud, http, onboarding, name="his01"):
        self.cloud, self.http, self.onboarding = cloud, http, onboarding
        self.key, public_key = machine_key()
        self.vm_id = str(uuid.uuid4())
        self.url = machine_url(onboarding, name)
        self.arm_token = onboarding_token(http, onboarding)
        response = call(http, "PUT", self.url, self.arm_token,
                        machine_body(public_key, self.vm_id))
        assert response.status_code == 200, response.text
        self.machine = response.json()
        self.certificate = self.fetch_certificate().json()

    def prove(self, key=None):
        challenge = self.http.post(f"{self.cloud.url}/his/v1/challenges",
                                   json={"vmId": self.vm_id}).json()
        nonce = base64.b64decode(challenge["nonce"])
        signature = (key or self.key).sign(nonce + self.vm_id.encode(), padding.PKCS1v15(),
                                           hashes.SHA256())
        return challenge["challengeId"], base64.b64encode(signature).decode()

    def fetch_certificate(self, key=None, challenge_id=None):
        proved_id, signature = self.prove(key)
        return self.http.post(f"{self.cloud.url}/his/v1/certificates", json={
            "vmId": self.vm_id, "challengeId": challenge_id or proved_id,
            "signature": signature})

    def token(self, resource="https://his.arc.azure.com"):
        key_pem = self.key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode()
        app = msal.ConfidentialClientApplication(
            self.certificate["clientId"], authority=self.certificate["authority"],
            client_credential={"private_key": key_pem,
                               "public_certificate": self.certificate["certificate"]},
            instance_discovery=False, http_client=self.http)
        return app.acquire_token_for_client([f"{resource}/.default"])

    def heartbeat(self, fingerprint="host-a", token=None, **reported):
        token = token or self.token()["access_token"]
        body = {"agentVersion": "0.1.0", "osName": "linux", "osType": "linux",
                "osVersion": "6.1", "osSku": "Debian GNU/Linux 12", "machineFqdn": "his01.lab",
                "displayName": "his01", "fingerprint": fingerprint, **reported}
        return self.http.post(f"{self.cloud.url}/his/v1/machines/{self.vm_id}/heartbeat",
                              json=body, headers={"Authorization": f"Bearer {token}"})

    def arm(self):
        token = onboarding_token(self.http, self.onboarding)  # the clock may have moved on
        return call(self.http, "GET", self.url, token).json()
