"""The identity's refusals never carry the token response itself into messages."""

from __future__ import annotations

import os

import pytest

from cmagent.agent import state
from cmagent.agent.paths import Paths
from cmagent.himds import identity as identity_module
from cmagent.wire import his


def test_a_refusal_without_description_does_not_echo_the_response(tmp_path, monkeypatch):
    paths = Paths(str(tmp_path))
    os.makedirs(paths.certs, exist_ok=True)
    state.save_identity(paths, b"key", "cert")
    planted = "planted-refresh-token-value"
    monkeypatch.setattr(his, "identity_token",
                        lambda *args: {"error": "invalid_client", "refresh_token": planted})
    machine = identity_module.Identity(paths, http=None)
    machine.config = {"identity": {"authority": "https://login.example/t", "clientId": "c"}}
    with pytest.raises(his.HisError) as refused:
        machine.token("https://vault.azure.net")
    assert refused.value.code == "invalid_client"
    assert planted not in refused.value.message and planted not in str(refused.value)
