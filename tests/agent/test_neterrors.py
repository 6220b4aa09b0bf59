"""Network failures in the real agent's words (Go's), never a Python exception's repr."""

from __future__ import annotations

import http.client

import requests
from urllib3.exceptions import ProtocolError

from cmagent.wire import neterrors


def test_a_connection_closed_unanswered_is_eof() -> None:
    closed = requests.exceptions.ConnectionError(ProtocolError(
        "Connection aborted.", http.client.RemoteDisconnected("Remote end closed connection")))
    assert neterrors.describe("POST", "https://his.example/his/v1/challenges", closed) == \
        "Post https://his.example/his/v1/challenges: EOF"


def test_an_unknown_cause_keeps_its_own_brackets() -> None:
    odd = requests.exceptions.ConnectionError(
        "HTTPSConnectionPool(host='x', port=443): Max retries exceeded with url: / "
        "(Caused by OSError('weird (thing)'))")
    assert neterrors.phrase(odd) == "OSError('weird (thing)')"


def test_an_answer_that_never_comes_is_a_read_timeout_not_a_dial() -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts (backlog), never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/x"
        try:
            requests.post(url, timeout=(5, 0.2))
        except requests.exceptions.RequestException as error:
            said = neterrors.describe("POST", url, error)
        else:
            raise AssertionError("the silent server answered")
    assert said == f"Post {url}: read: i/o timeout"
