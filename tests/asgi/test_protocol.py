"""The guarded HTTP protocol both services run on: HTTP/0.9 refused with a status line, answers
kept in order when a refusal follows a pipelined request, a crowd refused as it connects, and
a refusal read by the client even when it sent more than was read."""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import time

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cmagent.asgi import server
from cmagent.asgi.bodies import BodyRefused
from cmagent.asgi.bodies import read_body
from cmagent.asgi.protocol import GuardedProtocol

GOOD = b"GET /v HTTP/1.1\r\nHost: a\r\n\r\n"
LAST = b"GET /v HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"


async def _version(request: Request) -> JSONResponse:
    return JSONResponse({"v": request.scope["http_version"]})


async def _bounded_body(request: Request) -> JSONResponse:
    try:
        body = await read_body(request.scope, request.receive, limit=1000, timeout=1.0)
    except BodyRefused as refused:
        return JSONResponse({"refused": refused.status}, refused.status)
    return JSONResponse({"size": len(body)})


async def _slow(request: Request) -> JSONResponse:
    await asyncio.sleep(0.2)
    return JSONResponse({"v": request.scope["http_version"]})


async def _any_body(request: Request) -> JSONResponse:
    return JSONResponse({"size": len(await request.body())})


class _Bounded(GuardedProtocol):
    max_connections = 8
    head_timeout = 3.0


@pytest.fixture(scope="module")
def port():
    listener = server.bind("127.0.0.1", 0)
    running = server.InThread(server.config(
        Starlette(routes=[Route("/v", _version), Route("/body", _bounded_body, methods=["POST"]),
                          Route("/any", _any_body, methods=["POST"]), Route("/slow", _slow)]),
        protocol=_Bounded, server_name="t",
        lifespan="off"), [listener])
    running.start()
    yield listener.getsockname()[1]
    running.server.should_exit = True


def _exchange(port: int, *pieces: bytes, pause: float = 0.01, half_close: bool = False) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        for piece in pieces:
            try:
                client.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed before the client finished
            time.sleep(pause)
        if half_close:
            client.shutdown(socket.SHUT_WR)
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
        assert len(refused) == 12 - 8  # eight served at once, the rest refused
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


def test_a_refusal_waits_for_every_pipelined_answer(port) -> None:
    for bad in (b"\x00garbage\r\n\r\n", b"GET /v\r\n\r\n"):
        answers = _answers(_exchange(port, GOOD * 3 + bad))
        assert [status for status, _ in answers] == [200, 200, 200, 400]


def test_the_bound_is_exact_and_never_answered_in_plain_text(port) -> None:
    crowd = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(9)]
    try:
        time.sleep(0.2)
        [(status, _)] = _answers(_read(crowd[8]))
        assert status == 503
        crowd[0].sendall(LAST)  # at once: the refused one no longer counts
        assert _answers(_read(crowd[0])) == [(200, {"v": "1.1"})]
    finally:
        for client in crowd:
            client.close()


def _read(client: socket.socket) -> bytes:
    received = b""
    while chunk := client.recv(65536):
        received += chunk
    return received


def test_an_oversized_head_is_a_431(port) -> None:
    many = b"".join(b"X-H%05d: v\r\n" % i for i in range(8000))
    [(status, body)] = _answers(_exchange(port, b"GET /v HTTP/1.1\r\nHost: a\r\n" + many))
    assert status == 431 and body["error"]["code"] == "RequestHeaderFieldsTooLarge"
    value = [b"GET /v HTTP/1.1\r\nX-Big: "] + [b"v" * 16384] * 12  # one value, many chunks
    [(status, _)] = _answers(_exchange(port, *value, pause=0.02))
    assert status == 431


def test_other_versions_get_a_505(port) -> None:
    [(status, body)] = _answers(_exchange(port, b"GET /v HTTP/2.0\r\nHost: a\r\n\r\n"))
    assert status == 505 and "HTTP/2.0" in body["error"]["message"]


def test_the_http2_preface_gets_a_505(port) -> None:
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    [(status, body)] = _answers(_exchange(port, preface[:9], preface[9:]))
    assert status == 505 and "HTTP/2" in body["error"]["message"]


def test_refusals_carry_date_and_server(port) -> None:
    raw = _exchange(port, b"GET /v HTTP/1.1\r\nBad Header\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 400") and b"\r\ndate: " in raw and b"\r\nserver: t\r\n" in raw


def test_a_half_closed_client_gets_every_answer(port) -> None:
    slow = b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n"
    assert len(_answers(_exchange(port, slow * 3, half_close=True))) == 3


def test_a_pipelined_request_is_not_cut_by_the_head_timer(port) -> None:
    head = b"POST /any HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
    pieces = [GOOD + head] + [b"x"] * 5  # the body takes longer than the 3 s head timeout
    answers = _answers(_exchange(port, *pieces, pause=0.9))
    assert answers == [(200, {"v": "1.1"}), (200, {"size": 5})]


def test_a_trickled_body_meets_one_deadline(port) -> None:
    head = b"POST /body HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\nConnection: close\r\n\r\n"
    started = time.monotonic()
    answers = _answers(_exchange(port, head, *[b"x"] * 8, pause=0.4))  # never a 1 s pause
    assert answers == [(408, {"refused": 408})] and time.monotonic() - started < 2.5


def test_an_unhonoured_upgrade_ends_the_connection_after_its_answer(port) -> None:
    upgrade = b"GET /v HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n"
    raw = _exchange(port, upgrade + GOOD)  # the client is told to send GOOD again
    assert b"connection: close" in raw.lower() and len(_answers(raw)) == 1


def test_closed_connections_free_what_they_read_without_a_collection(port) -> None:
    many = b"".join(b"X-H%04d: %s\r\n" % (i, b"v" * 40) for i in range(1000))
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            _exchange(port, b"GET /v HTTP/1.1\r\nHost: a\r\n" + many + b"Connection: close\r\n\r\n")
        time.sleep(0.2)
        alive = [o for o in gc.get_objects() if isinstance(o, GuardedProtocol)]
    finally:
        gc.enable()
    assert len(alive) <= 2, f"{len(alive)} closed connections still held"
