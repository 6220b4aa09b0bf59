"""A proxy password never shows, whatever it holds: ``@``, ``/``, a space, or no scheme at all.

Each form is set, read back, shown, logged and bundled; the fragment after the first odd
character (what a naive split would leave) must appear nowhere.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from cmagent.himds.heartbeat import report
from cmagent.machine.redact import Redactor
from cmagent.machine.redact import mask_url_password
from cmagent.machine.redact import url_password
from cmagent.machine.redact import without_credentials
from tests.conftest import read_log

# (as typed, the password the HTTP stack reads, the fragment a naive parser leaks, as stored)
ACCEPTED = [
    ("http://u:se@cret91@host:3128", "se@cret91", "cret91", "http://u:se@cret91@host:3128"),
    ("http://u:pa ss93@host:3128", "pa ss93", "ss93", "http://u:pa ss93@host:3128"),
    ("u:pass94@host:3128", "pass94", "pass94", "http://u:pass94@host:3128"),
]


@pytest.mark.parametrize(("typed", "password", "fragment", "stored"), ACCEPTED)
def test_parsed_like_the_http_stack(typed, password, fragment, stored) -> None:
    from urllib.parse import urlsplit

    assert url_password(typed) == password == urlsplit(stored).password
    assert fragment not in mask_url_password(typed)
    assert without_credentials(stored) == "http://host:3128"


@pytest.mark.parametrize(("typed", "password", "fragment", "stored"), ACCEPTED)
def test_config_show_log_and_bundle_never_show_it(azcmagent, agent_root, tmp_path,
                                                  typed, password, fragment, stored) -> None:
    seen = azcmagent("config", "set", "proxy.url", typed).stdout
    seen += azcmagent("config", "get", "proxy.url").stdout
    seen += json.dumps(azcmagent("config", "get", "proxy.url", "-j").json)
    seen += azcmagent("config", "list").stdout + azcmagent("config", "list", "-j").stdout
    seen += azcmagent("show").stdout + azcmagent("show", "-j").stdout
    bundle = tmp_path / "bundle.zip"
    assert azcmagent("logs", "--output", str(bundle)).status == 0
    with zipfile.ZipFile(bundle) as archive:
        seen += "\n".join(archive.read(name).decode() for name in archive.namelist())
    seen += read_log(agent_root)
    assert "u:***@host:3128" in seen
    assert fragment not in seen and password not in seen
    stored_file = agent_root / "var/opt/azcmagent/localconfig.json"
    assert json.loads(stored_file.read_text())["proxy.url"] == stored  # the agent needs it


@pytest.mark.parametrize("typed", ["http://u:pa/ss92@host:3128", "https://u:se@cret95@host:3128",
                                   "http://u:pa ss96@host:3128/path"])
def test_a_refused_url_is_masked_in_the_error_and_the_log(azcmagent, agent_root, typed) -> None:
    for args in (("config", "set", "proxy.url", typed),
                 ("config", "set", "proxy.url", typed, "-j")):
        run = azcmagent(*args)
        assert run.status == 23 and "AZCM0023" in run.stdout
        assert "u:***@host:3128" in run.stdout
        assert "percent-encode" in run.stdout
        for fragment in ("ss92", "cret95", "ss96"):
            assert fragment not in run.stdout + read_log(agent_root)


def test_free_text_with_a_known_password_is_masked() -> None:
    redactor = Redactor()
    redactor.add_url_password("http://u:pa ss93@host:3128")
    text = "proxy http://u:pa ss93@host:3128 refused; retrying with pa ss93"
    assert "ss93" not in redactor(text)
    assert Redactor()("mail a@b.c at 12:30@x and http://host:3128") == \
        "mail a@b.c at 12:30@x and http://host:3128"  # nothing that is not a password


def test_the_heartbeat_sends_the_proxy_without_credentials(agent_root: Path) -> None:
    sent = report({"proxy.url": "http://u:se@cret91@host:3128"}, None)
    assert sent["agentConfiguration"]["proxyUrl"] == "http://host:3128"


def _bundle(azcmagent, tmp_path) -> dict[str, str]:
    bundle = tmp_path / "bundle.zip"
    assert azcmagent("logs", "--output", str(bundle)).status == 0
    with zipfile.ZipFile(bundle) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


@pytest.mark.parametrize(("typed", "password"), [
    ('http://u:ab"cd@proxy.local:3128', 'ab"cd'), ("http://u:pä'ssx@proxy.local", "pä'ssx"),
    ("http://:n1@proxy.local:3128", "n1"), ("http://a b:q1@proxy.local", "q1"),
    ("http://u:false@proxy.local", "false")])
def test_the_bundled_settings_stay_json_and_never_show_it(azcmagent, agent_root, tmp_path,
                                                          typed, password) -> None:
    assert azcmagent("config", "set", "extensions.enabled", "false").status == 0
    assert azcmagent("config", "set", "proxy.url", typed).status == 0
    stored = json.loads(_bundle(azcmagent, tmp_path)["var/opt/azcmagent/localconfig.json"])
    assert stored["extensions.enabled"] is False  # a password "false" leaves booleans alone
    assert password not in stored["proxy.url"] and "***@" in stored["proxy.url"]


def test_a_password_holding_a_scheme_separator(azcmagent, agent_root, monkeypatch) -> None:
    run = azcmagent("config", "set", "proxy.url", "u:a://bcde@proxy.local")
    assert run.status == 23 and "bcde" not in run.stdout + read_log(agent_root)
    monkeypatch.setenv("HTTPS_PROXY", "u:a://bcde@proxy.local")
    shown = azcmagent("show").stdout + azcmagent("show", "-j").stdout
    assert "bcde" not in shown and "u:***@proxy.local" in shown


def test_show_names_the_host_the_stack_uses(azcmagent, monkeypatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://u:pw99@proxy.local:3128/x@y")
    proxy = azcmagent("show").stdout
    assert "http://u:***@proxy.local:3128" in proxy and "pw99" not in proxy


def test_a_broken_config_file_is_not_quoted(azcmagent, agent_root, tmp_path) -> None:
    flags = tmp_path / "flags.yaml"
    flags.write_text("service-principal-secret: [LongSecret9abc\nresource-group: rg\n")
    run = azcmagent("connect", "--config", str(flags))
    assert run.status == 23 and "line 2, column" in run.stdout
    assert "LongSecret9abc" not in run.stdout + read_log(agent_root)


def test_masking_leaves_other_words_alone(azcmagent, agent_root) -> None:
    run = azcmagent("config", "set", "proxy.url", "http://u:valid@proxy.local:99999")
    assert run.status == 23 and "invalid value" in run.stdout
    assert "user:password@" in run.stdout  # the hint is not taken for a credential
    assert "valid@" not in run.stdout
