"""azcmagent genkey: an RSA-2048 pair, private key 0600, public key as base64 PKCS#1 DER."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cmagent.agent.commands import genkey


def test_genkey_saves_the_private_key_and_prints_the_public_key(azcmagent, agent_root) -> None:
    run = azcmagent("genkey")
    assert run.status == 0
    path = agent_root / "var/opt/azcmagent/certs/genPrivateKey.pem"
    assert os.stat(path).st_mode & 0o777 == 0o600
    pem = path.read_bytes()
    assert pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    private = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(private, rsa.RSAPrivateKey) and private.key_size == 2048
    printed = base64.b64decode(run.stdout.strip())
    expected = private.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.PKCS1)
    assert printed == expected
    assert pem.decode() not in run.stdout


def test_genkey_json(azcmagent, agent_root) -> None:
    document = azcmagent("genkey", "--json").json
    assert document["status"] == "success"
    assert base64.b64decode(document["publicKey"]).startswith(b"\x30\x82\x01\x0a")
    assert document["privateKeyPath"].endswith("certs/genPrivateKey.pem")


def test_genkey_failure_is_azcm0103(azcmagent, monkeypatch) -> None:
    def unwritable(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(genkey, "atomic_write", unwritable)
    run = azcmagent("genkey")
    assert run.status == 103 and "AZCM0103" in run.stdout and "Read-only" in run.stdout
    ja = azcmagent("genkey", lang="ja_JP.UTF-8")
    assert "RSA キーの生成または処理に失敗しました" in ja.stdout
