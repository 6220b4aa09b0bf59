"""Proof of possession of a machine's key: single-use nonces (kept in the store, so that any
worker can check the answer) and the signature over ``nonce + vmId`` checked against the
resource's ``clientPublicKey`` (RSA, PKCS#1 v1.5, SHA-256)."""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import delete
from sqlalchemy.orm import Session

from cmagent.cloud import envelopes
from cmagent.cloud import models
from cmagent.cloud.http import HttpError

CHALLENGE_SECONDS = 300


def open_challenge(session: Session, vm_id: str, now: float) -> tuple[str, bytes]:
    challenge_id, nonce = secrets.token_urlsafe(16), secrets.token_bytes(32)
    table = models.HisChallenge
    session.execute(delete(table).where(table.expires_at < now))
    session.add(table(challenge_id=challenge_id, vm_id=vm_id,
                      nonce=base64.b64encode(nonce).decode(), expires_at=now + CHALLENGE_SECONDS))
    return challenge_id, nonce


def take_challenge(session: Session, challenge_id: str, vm_id: str, now: float) -> bytes | None:
    """The nonce of a live challenge for ``vm_id``, once; None when unknown, used or expired."""
    table = models.HisChallenge
    taken = session.execute(delete(table).where(table.challenge_id == challenge_id)
                            .returning(table.vm_id, table.nonce, table.expires_at)).first()
    if taken is None or taken.vm_id != vm_id or taken.expires_at < now:
        return None
    return base64.b64decode(taken.nonce)


def his_error(status: int, code: str, message: str,
              headers: dict[str, str] | None = None) -> HttpError:
    """A refusal in HIS's envelope (the service's handlers raise it too)."""
    return HttpError(envelopes.his(status, code, message, headers))


def verify_possession(machine: models.Machine, nonce: bytes, signature: Any) -> None:
    key_text = machine.body.get("properties", {}).get("clientPublicKey")
    if not key_text:
        raise his_error(400, "NoClientPublicKey", "The machine resource has no clientPublicKey.")
    try:
        key = serialization.load_der_public_key(base64.b64decode(key_text))
        proof = base64.b64decode(str(signature), validate=True)
    except (binascii.Error, ValueError):
        raise his_error(400, "InvalidSignature", "The signature is not base64.") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise his_error(400, "UnsupportedKeyType", "The machine's clientPublicKey is not an RSA "
                                                  "key; the identity certificate needs one.")
    try:
        key.verify(proof, nonce + machine.vm_id.encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise his_error(403, "ProofOfPossessionFailed",
                       "The signature does not match the machine's clientPublicKey.") from None
