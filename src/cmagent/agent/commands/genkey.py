"""``azcmagent genkey``: an RSA-2048 key pair for asynchronous onboarding."""

from __future__ import annotations

import base64

from cmagent.agent import log
from cmagent.agent.main import Context
from cmagent.agent.options import NoOptions
from cmagent.agent.output import Result
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.machine.files import atomic_write


def run(context: Context[NoOptions]) -> Result:
    private_pem, public_der = _new_key_pair()
    path = context.paths.genkey_private_key
    try:
        atomic_write(path, private_pem, 0o600)
    except OSError as error:
        raise AzcmError(codes.RSA_KEY_FAILED, Localized(
            f"Cannot save the private key to {path}.", f"秘密キーを {path} に保存できません。"),
            quoted=error.strerror) from None
    public_key = base64.b64encode(public_der).decode()
    log.debug("Saved a new private key to %s", path)
    return Result(public_key, {"status": "success", "publicKey": public_key,
                               "privateKeyPath": str(path)})


def _new_key_pair() -> tuple[bytes, bytes]:
    """PKCS#1 PEM private key and PKCS#1 DER public key, the forms ARM and connect expect."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    except Exception as error:  # the backend reports failures with several exception types
        raise AzcmError(codes.RSA_KEY_FAILED, quoted=str(error)) from None
    private_pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption())
    public_der = key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.PKCS1)
    return private_pem, public_der
