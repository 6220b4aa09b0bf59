"""The connectivity engine behind ``azcmagent check`` and connect's pre-check.

Each endpoint goes through layers, stopping at the first that fails: name resolution (and
whether the addresses are private), TCP connect — or a CONNECT through the proxy the agent would
use — the TLS handshake against the agent's trust store (on failure: who issued the certificate,
and whether that looks like inspection), and an HTTP request whose answer must look like the
service rather than a block page. All endpoints run in parallel under one time bound.
"""

from __future__ import annotations

import base64
import errno
import ipaddress
import socket
import ssl
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cmagent.agent.clouds import Endpoint
from cmagent.errors import Localized
from cmagent.machine import clockskew
from cmagent.wire import netconfig

DEFAULT_TIMEOUT = 10.0
_BLOCK_STATUSES = {200, 403, 407, 451, 511}


class Failure(Exception):
    def __init__(self, layer: str, reason: Localized) -> None:
        super().__init__(reason.en)
        self.layer = layer
        self.reason = reason


def _timed_out(timeout: float) -> Localized:
    return Localized(f"timed out after {timeout:g}s", f"{timeout:g} 秒でタイムアウトしました")


class Result:
    """What one endpoint's probe found; ``layer``/``reason`` name the blocker."""

    def __init__(self, endpoint: Endpoint, proxy: netconfig.ProxyChoice) -> None:
        self.endpoint = endpoint
        self.proxy = proxy
        self.addresses: list[str] = []
        self.private: bool | None = None
        self.tls: str | None = None
        self.issuer: str | None = None
        self.forged = False  # signed by an issuer this machine does not know: an interceptor
        self.http_status: int | None = None
        self.clock_offset: float | None = None  # the service's Date minus our clock
        self.layer: str | None = None
        self.reason_text: Localized | None = None  # people read it in their language
        self.seconds = 0.0

    @property
    def reachable(self) -> bool:
        return self.layer is None

    @property
    def reason(self) -> str | None:
        """The blocker in English, as the JSON report keeps it for scripts."""
        return self.reason_text.en if self.reason_text else None

    def blocker(self, lang: str) -> str:
        """``layer: reason`` in the reader's language."""
        return f"{self.layer}: {self.reason_text.pick(lang) if self.reason_text else ''}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.endpoint.check_id, "ids": list(self.endpoint.check_ids),
                "endpoint": self.endpoint.url,
                "required": self.endpoint.required,
                "privateCapable": self.endpoint.private_capable, "reachable": self.reachable,
                "addresses": self.addresses, "private": self.private, "tls": self.tls,
                "tlsIssuer": self.issuer, "proxy": self.proxy.label,
                "httpStatus": self.http_status, "layer": self.layer, "reason": self.reason,
                "seconds": round(self.seconds, 3)}


def run(endpoints: list[Endpoint], settings: Mapping[str, Any], environ: Mapping[str, str],
        timeout: float = DEFAULT_TIMEOUT, private_link: bool = False) -> list[Result]:
    """Probe every endpoint at once; no result takes longer than ``timeout`` (+ a grace)."""
    context = netconfig.trust(environ)
    results = [Result(e, netconfig.choose_proxy(e.host, settings, environ)) for e in endpoints]
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(max_workers=max(1, len(results))) as pool:
        for _ in pool.map(lambda r: _probe(r, context, deadline, timeout, private_link),
                          results):
            pass
    return results


def _probe(result: Result, context: ssl.SSLContext, deadline: float, timeout: float,
           private_link: bool) -> None:
    started = time.monotonic()
    try:
        _layers(result, context, deadline, timeout, private_link)
    except Failure as failure:
        result.layer, result.reason_text = failure.layer, failure.reason
    finally:
        result.seconds = time.monotonic() - started


def _left(deadline: float, timeout: float, layer: str) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise Failure(layer, _timed_out(timeout))
    return remaining


def _layers(result: Result, context: ssl.SSLContext, deadline: float, timeout: float,
            private_link: bool) -> None:
    endpoint = result.endpoint
    if result.proxy.url is None or private_link:
        _resolve(result, private_link)
    if result.proxy.url:
        raw = _through_proxy(result.proxy.url, endpoint, deadline, timeout)
    else:
        raw = _connect(result.addresses, endpoint.port, deadline, timeout)
    with raw:
        tls = _handshake(raw, context, endpoint, result, deadline, timeout)
        with tls:
            _http(tls, endpoint, result, deadline, timeout)


def _resolve(result: Result, private_link: bool) -> None:
    endpoint = result.endpoint
    try:
        infos = socket.getaddrinfo(endpoint.host, endpoint.port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        reason = Localized("name not found", "名前が見つかりません") \
            if error.errno in (socket.EAI_NONAME, socket.EAI_NODATA) else Localized(
                f"name resolution failed ({error.strerror})",
                f"名前解決に失敗しました ({error.strerror})")
        raise Failure("dns", reason) from None
    result.addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    kinds = {ipaddress.ip_address(a).is_private for a in result.addresses}
    result.private = kinds == {True} if len(kinds) == 1 else None
    if private_link and endpoint.private_capable and kinds != {True}:
        raise Failure("dns", Localized(
            "resolves to a mix of private and public addresses",
            "プライベート アドレスとパブリック アドレスが混在して解決されます") if len(kinds) > 1
            else Localized(
                f"resolves to public address {result.addresses[0]}, not to a private endpoint",
                f"プライベート エンドポイントではなくパブリック アドレス {result.addresses[0]} に"
                "解決されます"))


def _connect(addresses: list[str], port: int, deadline: float, timeout: float) -> socket.socket:
    last = Localized("no address", "アドレスがありません")
    for address in addresses:
        try:
            return socket.create_connection((address, port),
                                            timeout=_left(deadline, timeout, "tcp"))
        except OSError as error:
            last = _socket_reason(error, timeout)
    raise Failure("tcp", last)


_SOCKET_REASONS = {
    errno.ENETUNREACH: Localized("no route to network (network is unreachable)",
                                 "ネットワークへのルートがありません (network is unreachable)"),
    errno.EHOSTUNREACH: Localized("no route to host", "ホストへのルートがありません"),
    errno.ECONNREFUSED: Localized("connection refused", "接続が拒否されました"),
    errno.ECONNRESET: Localized("connection reset", "接続がリセットされました"),
}


def _socket_reason(error: OSError, timeout: float) -> Localized:
    if isinstance(error, TimeoutError | socket.timeout):
        return _timed_out(timeout)
    other = error.strerror or str(error)  # the OS's words, quoted as they are
    return _SOCKET_REASONS.get(error.errno or 0) or Localized(other, f"「{other}」")


def _after(english: str, japanese: str, reason: Localized) -> Localized:
    return Localized(f"{english}: {reason.en}", f"{japanese}: {reason.ja}")


def _through_proxy(proxy_url: str, endpoint: Endpoint, deadline: float,
                   timeout: float) -> socket.socket:
    try:
        host, port, user, password = netconfig.proxy_address(proxy_url)
    except ValueError as error:
        raise Failure("proxy", Localized(str(error), f"プロキシの URL が使えません ({error})")) \
            from None
    try:
        raw = socket.create_connection((host, port), timeout=_left(deadline, timeout, "proxy"))
    except OSError as error:
        raise Failure("proxy", _after(f"proxy {host}:{port} unreachable",
                                      f"プロキシ {host}:{port} に到達できません",
                                      _socket_reason(error, timeout))) from None
    request = f"CONNECT {endpoint.host}:{endpoint.port} HTTP/1.1\r\nHost: {endpoint.host}\r\n"
    if user is not None:
        token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
        request += f"Proxy-Authorization: Basic {token}\r\n"
    try:
        raw.sendall((request + "\r\n").encode())
        status = _read_connect_status(raw)
    except OSError as error:
        raw.close()
        raise Failure("proxy", _after("proxy did not answer CONNECT",
                                      "プロキシが CONNECT に応答しません",
                                      _socket_reason(error, timeout))) from None
    if status != 200:
        raw.close()
        raise Failure("proxy", _PROXY_REFUSALS.get(status) or Localized(
            f"proxy answered CONNECT with {status}",
            f"プロキシが CONNECT に {status} で応答しました"))
    return raw


_PROXY_REFUSALS = {
    403: Localized("proxy refused CONNECT (403)", "プロキシが CONNECT を拒否しました (403)"),
    407: Localized("proxy needs credentials (407)", "プロキシに資格情報が必要です (407)"),
}


def _read_connect_status(raw: socket.socket) -> int:
    return _parse_head(_read_head(raw))[0]


def _handshake(raw: socket.socket, context: ssl.SSLContext, endpoint: Endpoint, result: Result,
               deadline: float, timeout: float) -> ssl.SSLSocket:
    raw.settimeout(_left(deadline, timeout, "tls"))
    try:
        tls = context.wrap_socket(raw, server_hostname=endpoint.host)
    except ssl.SSLCertVerificationError as error:
        raise Failure("tls", _untrusted(result, error, deadline, timeout)) from None
    except (ssl.SSLError, OSError) as error:
        raise Failure("tls", _after("TLS handshake failed", "TLS ハンドシェイクに失敗しました",
                                    _socket_reason(error, timeout))) from None
    result.tls = {"TLSv1.2": "TLS 1.2", "TLSv1.3": "TLS 1.3"}.get(tls.version() or "",
                                                                    tls.version())
    return tls


def _untrusted(result: Result, error: ssl.SSLCertVerificationError, deadline: float,
               timeout: float) -> Localized:
    host = result.endpoint.host
    if "match" in str(error.verify_message or ""):
        return Localized(f"TLS certificate is not valid for {host}",
                         f"TLS 証明書は {host} に対して有効ではありません")
    result.issuer = _issuer_of(result, deadline, timeout)
    said = str(error.verify_message or "").lower()
    result.forged = result.issuer != "unknown" and any(
        words in said for words in ("local issuer", "self-signed", "self signed"))
    return Localized(
        f'TLS certificate issued by "{result.issuer}", not trusted: traffic is probably being '
        "inspected",
        f'TLS 証明書の発行者 "{result.issuer}" は信頼されていません。通信が検査 (TLS インスペク'
        "ション) されている可能性があります")


def _issuer_of(result: Result, deadline: float, timeout: float) -> str:
    """Look again, by the same path (proxy or not) and without verification, to name who
    issued the presented certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    endpoint = result.endpoint
    try:
        raw = _through_proxy(result.proxy.url, endpoint, deadline, timeout) if result.proxy.url \
            else _connect(result.addresses, endpoint.port, deadline, timeout)
        with raw, context.wrap_socket(raw, server_hostname=endpoint.host) as tls:
            der = tls.getpeercert(binary_form=True)
    except (OSError, Failure):
        return "unknown"
    from cryptography import x509

    name = x509.load_der_x509_certificate(der or b"").issuer.rfc4514_string()
    return name or "unknown"


def _http(tls: ssl.SSLSocket, endpoint: Endpoint, result: Result, deadline: float,
          timeout: float) -> None:
    tls.settimeout(_left(deadline, timeout, "http"))
    request = (f"GET {endpoint.path} HTTP/1.1\r\nHost: {endpoint.host}\r\n"
               "User-Agent: azcmagent-check\r\nAccept: application/json\r\n"
               "Connection: close\r\n\r\n")
    try:
        tls.sendall(request.encode())
        head = _read_head(tls)
    except OSError as error:
        raise Failure("http", _after("no answer", "応答がありません",
                                     _socket_reason(error, timeout))) from None
    status, content_type = _parse_head(head)
    result.http_status = status
    result.clock_offset = clockskew.offset_of(_header(head, b"date"))
    if status == 0:
        raise Failure("http", Localized("the answer is not HTTP", "応答が HTTP ではありません"))
    if "text/html" in content_type and status in _BLOCK_STATUSES:
        raise Failure("http", Localized(
            f"the answer is an HTML page (status {status}), not the service: probably a proxy "
            "or firewall block page",
            f"応答はサービスではなく HTML ページです (HTTP ステータス {status})。プロキシまたは"
            "ファイアウォールのブロック ページと思われます"))


def _read_head(channel: socket.socket) -> bytes:
    """An HTTP answer's status line and headers (a proxy's, or the service's over TLS)."""
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 65536:
        chunk = channel.recv(4096)
        if not chunk:
            break
        head += chunk
    return head


def _parse_head(head: bytes) -> tuple[int, str]:
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0, ""
    return status, (_header(head, b"content-type") or "").lower()


def _header(head: bytes, wanted: bytes) -> str | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == wanted:
            return value.strip().decode("latin-1")
    return None
