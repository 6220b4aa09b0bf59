"""Hypothesis throws malformed requests at every identity and metadata route: the answer is always
the protocol's error shape, never a 500 and never a stack trace."""

from __future__ import annotations

import socket
import ssl
import uuid

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

ROUTES = ["/{t}/oauth2/v2.0/token", "/{t}/oauth2/token", "/{t}/oauth2/v2.0/devicecode",
          "/{t}/oauth2/devicecode", "/{t}/v2.0/.well-known/openid-configuration",
          "/{t}/.well-known/openid-configuration", "/{t}/discovery/v2.0/keys",
          "/common/discovery/instance", "/devicelogin", "/devicelogin/signin",
          "/devicelogin/consent", "/metadata/endpoints", "/_admin/tenants", "/{t}/nowhere"]
FIELDS = ["grant_type", "client_id", "client_secret", "scope", "resource", "device_code", "code",
          "client_assertion", "client_assertion_type", "otc", "login", "passwd", "session",
          "action", "api-version"]
GRANTS = ["client_credentials", "device_code", "urn:ietf:params:oauth:grant-type:device_code",
          "password", "", "refresh_token"]
texts = st.text(max_size=40)
values = st.one_of(texts, st.sampled_from(GRANTS), st.just(str(uuid.uuid4())),
                   st.just("https://management.azure.com/.default"),
                   st.just("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"))
CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/json", "text/plain",
                 "multipart/form-data; boundary=x", None, "application/x-www-form-urlencoded; "
                 "charset=latin-1"]


@st.composite
def requests_(draw):
    tenant = draw(st.one_of(st.just("common"), st.just(str(uuid.uuid4())), st.just("organizations"),
                            texts.filter(lambda t: "/" not in t and "?" not in t and "#" not in t
                                         and t.strip() == t and t)))
    path = draw(st.sampled_from(ROUTES)).replace("{t}", tenant)
    form = draw(st.dictionaries(st.sampled_from(FIELDS), values, max_size=6))
    body = draw(st.one_of(st.just(None), st.binary(max_size=200), st.just(form)))
    return (draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"])), path, body,
            draw(st.sampled_from(CONTENT_TYPES)), draw(st.dictionaries(
                st.sampled_from(["api-version", "x", "resource"]), texts, max_size=2)))


def test_random_requests_never_break_the_server(cloud, http) -> None:
    @settings(max_examples=300, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(requests_())
    def check(request) -> None:
        method, path, body, content_type, query = request
        headers = {"Content-Type": content_type} if content_type else {}
        response = http.request(method, cloud.url + path, data=body, params=query,
                                headers=headers, timeout=10)
        assert response.status_code < 500, (request, response.text)
        assert "Traceback" not in response.text and 'File "' not in response.text
        if response.headers["Content-Type"].startswith("application/json"):
            document = response.json()
            if response.status_code >= 400:
                assert "error" in document

    check()


RAW = [b"GARBAGE\r\n\r\n", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
       b"POST /common/oauth2/v2.0/token HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
       b"POST /common/oauth2/v2.0/token HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
       b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n"]


def test_malformed_http_is_answered_without_a_500(cloud) -> None:
    context = ssl.create_default_context(cafile=cloud.ca)
    host, port = "127.0.0.1", int(cloud.url.rsplit(":", 1)[1])
    for raw in RAW:
        with socket.create_connection((host, port), timeout=10) as plain, \
                context.wrap_socket(plain, server_hostname=host) as tls:
            tls.sendall(raw)
            answer = tls.recv(4096)
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
        assert 400 <= status < 500, (raw[:40], answer[:200])
        assert b"Traceback" not in answer
