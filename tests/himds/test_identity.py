"""The identity's refusals never carry the token response itself into messages."""

from __future__ import annotations

import os

import pytest

from cmagent.himds import identity as identity_module
from cmagent.machine import connection
from cmagent.machine.connection import CloudEndpoints
from cmagent.machine.connection import Connection
from cmagent.machine.connection import Identity
from cmagent.machine.paths import Paths
from cmagent.wire import his


def test_a_refusal_without_description_does_not_echo_the_response(tmp_path, monkeypatch):
    paths = Paths(str(tmp_path))
    os.makedirs(paths.certs, exist_ok=True)
    connection.save_identity(paths, b"key", "cert")
    planted = "planted-refresh-token-value"
    monkeypatch.setattr(his, "identity_token",
                        lambda *args: {"error": "invalid_client", "refresh_token": planted})
    machine = identity_module.Identity(paths, http=None)
    cloud = CloudEndpoints("c", "https://l", "https://a", "https://h", "https://p", ("a",))
    machine.connection = Connection("n", "g", "s", "t", "l", "v", "r", "", cloud, "https://h",
                                    Identity("c", "p", "t", "https://login.example/t", ""))
    with pytest.raises(his.HisError) as refused:
        machine.token("https://vault.azure.net")
    assert refused.value.code == "invalid_client"
    assert planted not in refused.value.message and planted not in str(refused.value)
