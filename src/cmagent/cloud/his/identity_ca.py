"""The CA that signs machine identity certificates (``his-ca.pem`` in the data directory).

A certificate binds the machine's own public key (its ``clientPublicKey``) to its managed
identity, and is registered as that identity's certificate credential, so the machine can sign
client assertions at the token endpoint with the key it already holds.
"""

from __future__ import annotations

import base64
import datetime
import uuid
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

from cmagent.cloud import models
from cmagent.cloud import pki
from cmagent.cloud.files import write_private
from cmagent.cloud.files import write_public

RENEW_BEFORE_DAYS = 45


class Issued:
    def __init__(self, cert: x509.Certificate, credential: models.Credential) -> None:
        self.cert_pem = pki.cert_pem(cert).decode()
        self.not_before = cert.not_valid_before_utc
        self.not_after = cert.not_valid_after_utc
        self.renew_after = self.not_after - datetime.timedelta(days=RENEW_BEFORE_DAYS)
        self.credential = credential


class IdentityCA:
    def __init__(self, data_dir: Path) -> None:
        cert_path, key_path = data_dir / "his-ca.pem", data_dir / "his-ca.key"
        if not cert_path.exists():
            key, cert = pki.new_ca()
            write_private(key_path, pki.key_pem(key))
            write_public(cert_path, pki.cert_pem(cert))
        self._key, self._cert = pki.load_ca(cert_path, key_path, "the identity CA",
                                            "machines must then onboard again")
        self.ca_pem = cert_path.read_text()

    def issue(self, machine: models.Machine, app: models.Application, now: float,
              days: int) -> Issued:
        public_key = serialization.load_der_public_key(
            base64.b64decode(machine.body["properties"]["clientPublicKey"]))
        start = datetime.datetime.fromtimestamp(now, datetime.UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, app.app_id)])
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(self._cert.subject)
                .public_key(public_key)  # type: ignore[arg-type]
                .serial_number(x509.random_serial_number())
                .not_valid_before(start - datetime.timedelta(minutes=5))
                .not_valid_after(start + datetime.timedelta(days=days))
                .add_extension(x509.SubjectAlternativeName(
                    [x509.UniformResourceIdentifier(f"urn:cmagent:vm:{machine.vm_id}")]),
                    critical=False)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                               critical=False)
                .sign(self._key, hashes.SHA256()))
        sha1, sha256 = pki.thumbprints(cert)
        credential = models.Credential(
            key_id=str(uuid.uuid4()), app_id=app.app_id, kind="certificate",
            thumbprint_sha1=sha1, thumbprint_sha256=sha256,
            cert_pem=pki.cert_pem(cert).decode(), starts_at=cert.not_valid_before_utc.timestamp(),
            expires_at=cert.not_valid_after_utc.timestamp())
        return Issued(cert, credential)
