"""Token-signing keys: RS256, published as a JWKS with ``kid`` = ``x5t`` and an ``x5c`` chain.

The key is created on first start and kept in the store, so tokens stay valid across restarts.
"""

from __future__ import annotations

import base64
import threading
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from cmagent.cloud import models
from cmagent.cloud import pki
from cmagent.cloud.clock import Clock
from cmagent.cloud.store import Store


class SigningKeys:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._loaded: list[tuple[str, rsa.RSAPrivateKey, x509.Certificate]] = []

    def load(self) -> None:
        """Read (or make) the keys now, at start: made lazily, the first key would be written
        from inside a handler's open transaction, which SQLite's single writer cannot allow."""
        self._keys()

    def _keys(self) -> list[tuple[str, rsa.RSAPrivateKey, x509.Certificate]]:
        with self._lock:
            if not self._loaded:
                self._loaded = self._load_or_create()
            return self._loaded

    def _load_or_create(self) -> list[tuple[str, rsa.RSAPrivateKey, x509.Certificate]]:
        with self._store.writing() as session:
            rows = list(session.scalars(select(models.SigningKey)
                                        .order_by(models.SigningKey.created_at.desc())))
            if not rows:
                key = pki.new_key()
                cert = pki.self_signed(key, "cmagent local cloud token signing", 3650)
                kid = pki.b64url(bytes.fromhex(pki.thumbprints(cert)[0]))
                row = models.SigningKey(kid=kid, private_pem=pki.key_pem(key).decode(),
                                        cert_pem=pki.cert_pem(cert).decode(),
                                        created_at=self._clock.now())
                session.add(row)
                rows = [row]
            return [(r.kid, pki.load_key(r.private_pem.encode()),
                     x509.load_pem_x509_certificate(r.cert_pem.encode())) for r in rows]

    def sign(self, claims: dict[str, Any], version: str = "1.0") -> str:
        kid, key, _ = self._keys()[0]
        headers = {"typ": "JWT", "kid": kid}
        if version == "1.0":
            headers["x5t"] = kid
        return jwt.encode(claims, key, algorithm="RS256", headers=headers)

    def public_key(self, kid: str) -> rsa.RSAPublicKey | None:
        for known, key, _ in self._keys():
            if known == kid:
                return key.public_key()
        return None

    def jwks(self, issuer: str | None = None) -> dict[str, Any]:
        keys = []
        for kid, key, cert in self._keys():
            numbers = key.public_key().public_numbers()
            entry = {"kty": "RSA", "use": "sig", "kid": kid, "x5t": kid,
                     "n": pki.b64url(_int_bytes(numbers.n)), "e": pki.b64url(_int_bytes(numbers.e)),
                     "x5c": [base64.b64encode(cert.public_bytes(
                         serialization.Encoding.DER)).decode()]}
            if issuer:
                entry["issuer"] = issuer
            keys.append(entry)
        return {"keys": keys}


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")
