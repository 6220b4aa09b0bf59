"""The guarded HTTP protocol both services run on: HTTP/0.9 refused with a status line, answers
kept in order when a refusal follows a pipelined request, a crowd refused as it connects, and
a refusal read by the client even when it sent more than was read."""

from __future__ import annotations

import json
import socket
import time

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cmagent.asgi import server

GOOD = b"GET /v HTTP/1.1\r\nHost: a\r\n\r\n"
LAST = b"GET /v HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"


async def _version(request: Request) -> JSONResponse:
    return JSONResponse({"v": request.scope["http_version"]})


@pytest.fixture(scope="module")
def port():
    listener = server.bind("127.0.0.1", 0)
    running = server.InThread(server.config(
        Starlette(routes=[Route("/v", _version)]), server_name="t", lifespan="off",
        limit_concurrency=8), [listener])
    running.start()
    yield listener.getsockname()[1]
    running.server.should_exit = True


def _exchange(port: int, *pieces: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        for piece in pieces:
            client.sendall(piece)
            time.sleep(0.01)
        received = b""
        while chunk := client.recv(65536):
            received += chunk
    return received


def _answers(raw: bytes) -> list[tuple[int, dict]]:
    answers = []
    while raw:
        head, _, rest = raw.partition(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length")))
        answers.append((int(head.split()[1]), json.loads(rest[:length])))
        raw = rest[length:]
    return answers


@pytest.mark.parametrize("request_bytes", [b"GET /v\r\n", b"GET /v\r\n\r\n"])
def test_http09_gets_a_json_400_at_once(port, request_bytes) -> None:
    started = time.monotonic()
    [(status, body)] = _answers(_exchange(port, request_bytes))
    assert status == 400 and "HTTP/0.9" in body["error"]["message"]
    assert time.monotonic() - started < 2  # not after the head timeout


def test_http09_after_a_pipelined_request_is_refused_in_turn(port) -> None:
    answers = _answers(_exchange(port, GOOD + b"GET /v\r\n\r\n"))
    assert [status for status, _ in answers] == [200, 400]


def test_valid_requests_are_untouched(port) -> None:
    assert _answers(_exchange(port, b"\r\n" + GOOD + LAST)) == [(200, {"v": "1.1"})] * 2
    assert _answers(_exchange(port, *[bytes([b]) for b in LAST])) == [(200, {"v": "1.1"})]
    assert _answers(_exchange(port, b"GET /v HTTP/1.0\r\n\r\n")) == [(200, {"v": "1.0"})]


def test_garbage_with_unread_input_still_reads_its_400(port) -> None:
    [(status, body)] = _answers(_exchange(port, b"GET /v HTTP/1.1\r\nBad Header\r\n\r\n"
                                          + b"x" * 200_000))
    assert status == 400 and body["error"]["code"] == "BadRequest"


def test_a_crowd_is_refused_as_it_connects(port) -> None:
    crowd = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(12)]
    try:
        time.sleep(0.2)
        for client in crowd:
            client.sendall(b"GET /v HTTP/1.1\r\nHost: a\r\n")  # the head never ends
        refused = [client for client in crowd if _readable(client)]
        assert len(refused) == 12 - 7  # limit 8: seven served at once, the rest refused
        [(status, body)] = _answers(refused[0].recv(65536))
        assert status == 503 and body["error"]["code"] == "ServiceUnavailable"
    finally:
        for client in crowd:
            client.close()


def _readable(client: socket.socket) -> bool:
    client.settimeout(0.5)
    try:
        return bool(client.recv(1, socket.MSG_PEEK))
    except TimeoutError:
        return False
