"""Hypothesis throws malformed requests at every identity, metadata, resource-manager, HIS and
management route: the answer is always the protocol's error shape, never a 500 and never a
stack trace. JSON bodies come in every shape: wrong types where objects belong, nesting deeper
than any parser's recursion, numbers beyond a float."""

from __future__ import annotations

import json
import socket
import ssl
import uuid

import pytest
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


def _assert_answered(response, request) -> None:
    assert response.status_code < 500, (request, response.text[:300])
    assert "Traceback" not in response.text and 'File "' not in response.text
    if response.headers["Content-Type"].startswith("application/json"):
        document = response.json()
        if response.status_code >= 400:
            assert "error" in document


def test_random_requests_never_break_the_server(cloud, http) -> None:
    @settings(max_examples=300, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(requests_())
    def check(request) -> None:
        method, path, body, content_type, query = request
        headers = {"Content-Type": content_type} if content_type else {}
        response = http.request(method, cloud.url + path, data=body, params=query,
                                headers=headers, timeout=10)
        _assert_answered(response, request)

    check()


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts,
                    st.sampled_from(["1e308", "-Infinity", "NaN", "1" * 400]))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
        ["properties", "location", "tags", "identity", "vmId", "clientPublicKey", "osProfile",
         "extensions", "challengeId", "signature", "advanceSeconds", "set", "reset", "type"]),
        inner, max_size=4)), max_leaves=12)
deep = st.integers(min_value=500, max_value=50_000).map(lambda n: "[" * n + "]" * n)
RAW = [b"GARBAGE\r\n\r\n", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
       b"POST /common/oauth2/v2.0/token HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
       b"POST /common/oauth2/v2.0/token HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
       b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n", b"GET /metadata/endpoints\r\n",
       b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabc",
       b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
       b"0\r\n\r\n"]


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


# (target, method): each a case of its own, so that every one gets its share of examples
CALLS = [("machine", "PUT"), ("machine", "PATCH"), ("named", "PUT"), ("list", "GET"),
         ("group", "PUT"), ("challenges", "POST"), ("certificates", "POST"), ("clock", "POST")]
MEMBERS = {"machine": ["properties", "location", "tags", "identity"], "named": ["location"],
           "list": ["value"], "group": ["location", "tags"], "challenges": ["vmId"],
           "certificates": ["vmId", "challengeId", "signature"],
           "clock": ["advanceSeconds", "set", "reset"]}
names = st.one_of(st.sampled_from(["%2e%2e", "%2e", "a.", "a%2fb", "x" * 60]),
                  st.text(alphabet="ab.-_%2e", min_size=1, max_size=8))


@st.composite
def json_texts(draw, members: list[str]) -> str:
    """JSON text, or nearly: mostly a known member of any type (an array where an object
    belongs), else one with a deep nest inside, a random document or a bare literal."""
    member = draw(st.sampled_from(members))
    typed = json.dumps({member: draw(json_values)}, allow_nan=True)
    nested = f'{{"{member}": {draw(deep)}}}'
    document = json.dumps(draw(json_values), allow_nan=True)
    return draw(st.one_of(st.just(typed), st.sampled_from([nested, document, "1e999", "NaN"])))


@st.composite
def resource_requests(draw, target: str):
    query = {"api-version": "2024-07-10"}
    if target == "list":
        query["$skiptoken"] = draw(st.one_of(texts, st.integers().map(str)))
    name = draw(names) if target == "named" else "fz01"
    return name, query, draw(json_texts(MEMBERS[target]))


@pytest.mark.parametrize(("target", "method"), CALLS)
def test_random_resource_his_and_management_requests_never_break_the_server(
        cloud, http, onboarding, target, method) -> None:
    from tests.cloud.arm_helpers import call
    from tests.cloud.arm_helpers import machine_body
    from tests.cloud.arm_helpers import machine_key
    from tests.cloud.arm_helpers import machine_url
    from tests.cloud.arm_helpers import onboarding_token

    token = onboarding_token(http, onboarding)
    existing = call(http, "PUT", machine_url(onboarding, "fz01"), token,
                    machine_body(machine_key()[1]))  # PATCH and GET reach their bodies
    assert existing.status_code == 200
    group = (f"{cloud.url}/subscriptions/{onboarding['subscriptionId']}/resourceGroups/"
             f"{onboarding['resourceGroup']}")
    machines = group + "/providers/Microsoft.HybridCompute/machines"
    admin_key = (cloud.data_dir / "admin.key").read_text().strip()
    urls = {"machine": machines + "/{name}", "named": machines + "/{name}", "list": machines,
            "group": group, "challenges": f"{cloud.url}/his/v1/challenges",
            "certificates": f"{cloud.url}/his/v1/certificates",
            "clock": f"{cloud.url}/_admin/clock"}
    bearer = admin_key if target == "clock" else token

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(resource_requests(target))
    def check(request) -> None:
        name, query, body = request
        response = http.request(method, urls[target].replace("{name}", name), params=query,
                                data=body, timeout=10, headers={
                                    "Content-Type": "application/json",
                                    "Authorization": f"Bearer {bearer}"})
        _assert_answered(response, (target, method, *request))

    try:
        check()
    finally:
        http.post(urls["clock"], json={"reset": True},
                  headers={"Authorization": f"Bearer {admin_key}"})
