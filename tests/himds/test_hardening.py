"""HIMDS as a local service under attack: bounded channel reads, capped challenges swept on a
timer, slow and crowding clients, forwarding headers, other methods and HTTP/0.9."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from cmagent.himds import challenges as challenge_module
from cmagent.himds import main as himds_main
from cmagent.himds.challenges import Challenges
from cmagent.himds.challenges import TooMany
from cmagent.himds.ipc import ChannelServer
from cmagent.machine import channel
from cmagent.machine.paths import Paths
from tests.himds.test_metadata import machine  # noqa: F401  (the fixture)

TOKEN = "/metadata/identity/oauth2/token?api-version=2020-06-01&resource=https://vault.azure.net"


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


def _flood(address: str | bytes, total: int) -> tuple[int, bytes]:
    """Send ``total`` bytes without a newline; how many went before himds hung up, its answer."""
    sent, chunk = 0, b"x" * (1 << 20)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(20)
        client.connect(address)
        try:
            while sent < total:
                sent += client.send(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while chunk := client.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    return sent, answer


def test_channel_reads_are_bounded(machine) -> None:  # noqa: F811
    address = channel.socket_address(Paths(str(machine.root)))
    before = _status(machine.process.pid, "VmRSS")
    sent, answer = _flood(address, 300 << 20)
    grown_kib = _status(machine.process.pid, "VmRSS") - before
    assert sent < 300 << 20, "himds kept reading a request without end"
    assert grown_kib < 16 << 10, f"himds grew by {grown_kib} KiB"
    assert answer == b"" or b"longer than" in answer
    assert channel.ask(Paths(str(machine.root)), channel.PING)["ok"] is True


def test_changes_over_the_channel_answer_root_only() -> None:
    async def changed() -> dict[str, object]:
        return {"changed": True}

    server = ChannelServer("/nonexistent", "/nonexistent", {channel.RELOAD: changed})
    assert asyncio.run(server._dispatch(channel.RELOAD, 1000)) == {
        "error": "only root may ask for this"}
    assert asyncio.run(server._dispatch(channel.RELOAD, 0)) == {"changed": True}


def test_unanswered_challenges_are_capped(machine) -> None:  # noqa: F811
    answers = [machine.get(TOKEN) for _ in range(challenge_module.PER_USER + 40)]
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(401) == challenge_module.PER_USER and statuses.count(429) == 40
    crowded = answers[-1]
    assert crowded.json()["error"] == "too_many_requests" and crowded.headers["Retry-After"]
    assert len(list(machine.tokens.iterdir())) == challenge_module.PER_USER
    key_file = Path(answers[0].headers["WWW-Authenticate"].split("=", 1)[1])
    answered = machine.get(TOKEN, Authorization=f"Basic {key_file.read_text()}")
    assert answered.status_code == 200 and not key_file.exists()
    assert machine.get(TOKEN).status_code == 401  # the answered one made room


def test_caps_per_user_and_in_total(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(challenge_module, "_himds_gid", lambda: None)
    pending = Challenges(str(tmp_path), per_user=4, in_total=6)
    for _ in range(4):
        pending.issue(1000)
    with pytest.raises(TooMany, match="user 1000"):
        pending.issue(1000)
    pending.issue(1001)
    pending.issue(1001)
    with pytest.raises(TooMany, match="6 challenges are outstanding"):
        pending.issue(1002)
    assert len(list(tmp_path.iterdir())) == 6


def test_expired_challenges_are_swept_by_the_timer(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(challenge_module, "_himds_gid", lambda: None)
    now = [1000.0]
    monkeypatch.setattr(challenge_module, "time", SimpleNamespace(monotonic=lambda: now[0]))
    pending = Challenges(str(tmp_path))
    for _ in range(5):
        pending.issue(1000)
    now[0] += challenge_module.CHALLENGE_SECONDS + 1
    monkeypatch.setattr(himds_main, "SWEEP_SECONDS", 0.01)
    runtime = SimpleNamespace(challenges=pending)

    async def one_sweep() -> None:
        timer = asyncio.create_task(himds_main.Runtime._sweeps(runtime))  # type: ignore[arg-type]
        await asyncio.sleep(0.1)
        timer.cancel()

    asyncio.run(one_sweep())
    assert list(tmp_path.iterdir()) == [] and pending.outstanding == 0


def test_a_settings_reload_closes_the_session_it_replaces(tmp_path) -> None:
    """A proxy set while himds runs gets a new HTTP session; the old one's pooled connections
    (to the old proxy) are closed, not left for the garbage collector."""
    from cmagent.wire.http import AgentSession

    retired = AgentSession({}, {})
    pools = retired.get_adapter("https://127.0.0.1/").poolmanager.pools
    retired.get_adapter("https://127.0.0.1/").poolmanager.connection_from_url(
        "https://127.0.0.1:1/")
    assert len(pools) == 1
    runtime = SimpleNamespace(paths=Paths(str(tmp_path)), identity=SimpleNamespace(http=retired),
                              heartbeat=SimpleNamespace(settings=None, settings_problem=None))
    himds_main.Runtime._read_settings(runtime)  # type: ignore[arg-type]
    assert len(pools) == 0  # let go (urllib3 closes a pool's connections as it goes)
    assert runtime.identity.http is not retired and runtime.heartbeat.settings is not None


def test_challenge_files_of_a_killed_himds_go_at_start(tmp_path) -> None:
    left = tmp_path / "0b8f6a8e-57a4-4a39-9a3c-2f1f7c6b6d7e.key"
    left.write_text("secret")
    other = tmp_path / "notes.key"
    other.write_text("not ours")
    Challenges(str(tmp_path))
    assert not left.exists() and other.exists()


def test_a_crowded_user_is_told_when_there_is_room(monkeypatch, tmp_path) -> None:
    now = [1000.0]
    monkeypatch.setattr(challenge_module, "time", SimpleNamespace(monotonic=lambda: now[0]))
    pending = Challenges(str(tmp_path), per_user=1)
    pending.issue(1000)
    now[0] += 50
    with pytest.raises(TooMany):
        pending.issue(1000)
    with pytest.raises(TooMany) as crowded:
        pending.issue(1000)
    assert pending.retry_after(crowded.value) == challenge_module.CHALLENGE_SECONDS - 50 + 1
    busy = Challenges(str(tmp_path), per_user=1)
    busy.issue(7)
    with pytest.raises(TooMany) as starting:  # its first is being answered: try again soon
        busy.issue(7)
    assert busy.retry_after(starting.value) == 1
    full = Challenges(str(tmp_path), per_user=5, in_total=2)
    full.issue(1)
    now[0] += 20
    full.issue(2)
    with pytest.raises(TooMany) as everyone:
        full.issue(3)  # room comes when the first of all expires, not 'at once'
    assert full.retry_after(everyone.value) == challenge_module.CHALLENGE_SECONDS - 20 + 1


def test_slow_heads_are_cut_and_connections_bounded(machine) -> None:  # noqa: F811
    crowd = []
    bound = himds_main.PER_USER_CONNECTIONS  # one user's bound: this test is one user
    for _ in range(bound + 44):
        slow = socket.create_connection(("127.0.0.1", machine.port), timeout=20)
        slow.sendall(b"GET /metadata/instance?api-version=2020-06-01 HTTP/1.1\r\nHost: x\r\n")
        crowd.append(slow)
    try:
        assert _status(machine.process.pid, "Threads") < 16  # one loop, not a thread each
        refused = [_read_all(s) for s in crowd[bound:]]
        assert all(answer.startswith(b"HTTP/1.1 503") for answer in refused)
        assert json.loads(refused[0].split(b"\r\n\r\n", 1)[1])["error"] == "service_unavailable"
        started = time.monotonic()
        cut = [_read_all(s) for s in crowd[:bound]]
        waited = time.monotonic() - started
        assert all(answer == b"" for answer in cut)  # closed unanswered when the head is late
        assert waited < himds_main.HimdsProtocol.head_timeout + 5
    finally:
        for slow in crowd:
            slow.close()
    assert machine.get("/metadata/instance?api-version=2020-06-01").status_code == 200


_HOLD_IDLE = """
import socket, sys, time
held = []
for _ in range(int(sys.argv[2])):
    held.append(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
    held[-1].sendall(b"GET /agentstatus HTTP/1.1\\r\\nHost: x\\r\\n")
print("held", flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root")
def test_another_users_idle_connections_cannot_lock_root_out(machine) -> None:  # noqa: F811
    count = 300  # more than the one bound for everyone that there was: 256
    with subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           sys.executable, "-c", _HOLD_IDLE, str(machine.port), str(count)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"
            assert machine.get("/metadata/instance?api-version=2020-06-01").status_code == 200
            assert machine.get(TOKEN).status_code == 401  # root is challenged, not refused
        finally:
            holder.kill()


def _read_all(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as client:
        client.sendall(request)
        return _read_all(client)


@pytest.mark.parametrize("header", [("X-Forwarded-For", ""), ("Forwarded", "for=10.0.0.9"),
                                    ("X-Real-IP", "10.0.0.9"), ("x-forwarded-host", "a")])
def test_any_forwarding_header_is_refused(machine, header) -> None:  # noqa: F811
    challenge = machine.get(TOKEN)
    proof = Path(challenge.headers["WWW-Authenticate"].split("=", 1)[1]).read_text()
    request = (f"GET {TOKEN} HTTP/1.1\r\nHost: localhost\r\nMetadata: true\r\n"
               f"Authorization: Basic {proof}\r\n{header[0]}: {header[1]}\r\n"
               "Connection: close\r\n\r\n").encode()
    answer = _raw(machine.port, request)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"access_token" not in body
    assert json.loads(body)["error"] == "invalid_request"


@pytest.mark.parametrize("method", ["POST", "HEAD", "PUT", "DELETE"])
def test_other_methods_get_an_imds_405(machine, method) -> None:  # noqa: F811
    connection = http.client.HTTPConnection("127.0.0.1", machine.port, timeout=20)
    connection.request(method, TOKEN, headers={"Metadata": "true"})
    answer = connection.getresponse()
    assert answer.status == 405 and answer.getheader("Allow") == "GET"
    assert answer.getheader("Content-Type") == "application/json"
    if method != "HEAD":
        assert json.loads(answer.read())["error"] == "method_not_allowed"
    connection.close()


def test_http09_is_refused_with_a_status_line(machine) -> None:  # noqa: F811
    answer = _raw(machine.port, b"GET /metadata/instance?api-version=2020-06-01\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert json.loads(body)["error"] == "invalid_request"


def test_a_proof_whose_answer_failed_on_the_clouds_side_gets_a_new_minute(
        monkeypatch, tmp_path) -> None:
    """Two 30 s attempts at an unreachable cloud must not outlast the proof the SDK retries
    with (its third try would get a fresh 401 and hide the real cause)."""
    now = [1000.0]
    monkeypatch.setattr(challenge_module, "time", SimpleNamespace(monotonic=lambda: now[0]))
    pending = Challenges(str(tmp_path))
    proof = Path(pending.issue(0)).read_text()
    now[0] += 50
    pending.renew(proof)  # the first attempt's 503
    now[0] += 50
    assert pending.holds(proof)
    now[0] += 11
    assert not pending.holds(proof)


def test_an_answer_cut_by_the_shutdown_is_imds_json_not_plain_text() -> None:
    """SIGTERM while a token waits on a slow cloud: past the grace period the request is
    cancelled; the caller gets a JSON 503 to retry, never uvicorn's text 500."""
    from cmagent.himds.metadata import Guard

    async def slow_token(scope, receive, send):
        raise asyncio.CancelledError

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/metadata/identity/oauth2/token",
             "headers": [(b"metadata", b"true")], "client": ("127.0.0.1", 5000),
             "server": ("127.0.0.1", 40342), "query_string": b""}
    asyncio.run(Guard(slow_token)(scope, None, send))
    assert sent[0]["status"] == 503
    assert json.loads(sent[1]["body"])["error"] == "service_unavailable"
