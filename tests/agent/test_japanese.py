"""Under a Japanese locale every sentence of ours is Japanese: each command's failure paths are
run with LANG=ja_JP.UTF-8 and the output is searched for English prose. What is not ours or not
prose stays as it is: texts quoted from outside (the line after 詳細:), flags, values, paths,
URLs, ids, codes, product and role names, and the field labels scripts parse."""

from __future__ import annotations

import re

import pytest

from tests.agent.test_onboarding import flags_file
from tests.net import free_port

JA = "ja_JP.UTF-8"
# Names that are English in Microsoft's Japanese documentation too.
PROPER_NAMES = ("Azure Connected Machine Resource Administrator",
                "Azure Connected Machine Onboarding", "Azure Resource Manager",
                "Hybrid Identity Service", "Microsoft Entra ID", "Microsoft Entra", "Azure Arc",
                "Correlation ID", "Resource ID", "Windows Admin Center", "SQL Server",
                "Azure Monitor")
_NOT_PROSE = [
    r"^\s*(詳細|Details): .*$",      # a quoted outside text, on its own line
    r"https?://\S+",                  # URLs
    r"(?<![\w])/[\w./-]+",            # paths
    r"--?[\w-]+(=\S+)?",              # flags and their values
    r"'[^']*'", r'"[^"]*"',           # quoted values and commands
    r"\b(AZCM|AADSTS)\d+\b",
]
ENGLISH_PROSE = re.compile(r"[A-Za-z]{2,}(?:[ ,][A-Za-z]{2,}){2,}")


def english_prose(output: str) -> list[str]:
    """Runs of three or more English words left once everything that is not our prose is
    taken out."""
    text = output
    for name in PROPER_NAMES:
        text = text.replace(name, " ")
    for pattern in _NOT_PROSE:
        text = re.sub(pattern, " ", text, flags=re.MULTILINE)
    return ENGLISH_PROSE.findall(text)


def test_the_detector_finds_english_and_leaves_the_rest() -> None:
    assert english_prose("コマンドを解析できませんでした: Unknown command here.")
    assert english_prose("値が無効です: No such file or directory。")
    assert english_prose("--location (the machine is not connected, so no region)")
    assert not english_prose("AZCM0041: 資格情報が無効です (AADSTS7000215)\n"
                             "  詳細: AADSTS7000215: Invalid client secret provided.\n"
                             "  対処: --service-principal-secret を確認してください。")
    assert not english_prose("'azcmagent config set config.mode full' を実行してください。")


LOCAL = [  # failure paths that need no cloud
    ("frobnicate",), ("connect", "--frobnicate"), ("connect", "--location"),
    ("version", "--json=yes"), ("config", "set", "config.mode", "sleepy"),
    ("config", "set", "proxy.url", "ftp://proxy"), ("config", "set", "proxy.url"),
    ("config", "get", "no.such"), ("config", "set", "incomingconnections.ports", "1,2", "--add",
                                   "--remove"),
    ("config", "set", "config.mode", "full", "--add"),
    ("logs", "--output", "/nonexistent/dir/x.zip"), ("show", "nonsense"),
    ("check",), ("check", "-l", "nonsense"), ("check", "-l", "westeurope", "--cloud", "Nowhere"),
    ("check", "-l", "westeurope", "-e", "nope"),
    ("disconnect",),
    ("connect", "-l", "westeurope", "-g", "g", "-s", "00000000-0000-0000-0000-000000000000",
     "--service-principal-id", "a", "--service-principal-secret", "b",
     "--service-principal-cert", "/c"),
    ("connect", "-l", "westeurope", "-g", "g", "-s", "00000000-0000-0000-0000-000000000000",
     "--service-principal-id", "a", "--tenant-id", "t"),
    ("connect", "-l", "westeurope", "-g", "g", "-s", "00000000-0000-0000-0000-000000000000",
     "--service-principal-id", "a", "--service-principal-secret", "b"),
    ("connect", "-l", "nowhere", "-g", "g", "-s", "00000000-0000-0000-0000-000000000000",
     "--access-token", "x"),
    ("connect", "-l", "westeurope", "-g", "g", "-s", "00000000-0000-0000-0000-000000000000",
     "--access-token", "x", "--use-device-code"),
    ("connect", "-l", "westeurope", "-g", "g", "-s", "00000000-0000-0000-0000-000000000000",
     "--access-token", "x", "--correlation-id", "nope"),
    ("connect", "-l", "westeurope", "-g", "g", "-s", "00000000-0000-0000-0000-000000000000",
     "--access-token", "x", "--tags", "a"),
    ("connect", "-l", "westeurope", "-g", "g", "-s", "00000000-0000-0000-0000-000000000000",
     "--access-token", "x", "--resource-name", "bad name"),
    ("connect", "-l", "westeurope", "-g", "g", "-s", "00000000-0000-0000-0000-000000000000",
     "--access-token", "x", "--gateway-id", "x"),
    ("connect", "-l", "westeurope", "-g", "g", "-s", "00000000-0000-0000-0000-000000000000",
     "--access-token", "x", "--private-link-scope", "x"),
    ("connect", "-l", "westeurope", "-g", "g", "-s", "00000000-0000-0000-0000-000000000000",
     "--access-token", "x"),  # himds does not answer
]


@pytest.mark.parametrize("args", LOCAL, ids=lambda args: " ".join(args)[:60])
def test_failures_without_a_cloud_are_japanese(azcmagent, args) -> None:
    run = azcmagent(*args, lang=JA)
    assert run.status != 0 and "AZCM" in run.stdout, run.stdout
    assert not english_prose(run.stdout + run.stderr), run.stdout + run.stderr
    assert ".。" not in run.stdout and "。:" not in run.stdout


@pytest.mark.parametrize("name", ["missing", "yaml", "key", "type"])
def test_config_file_failures_are_japanese(azcmagent, tmp_path, name) -> None:
    path = tmp_path / "flags.yaml"
    path.write_text({"missing": "", "yaml": "location: [westeurope\n",
                     "key": "frobnicate: 1\n", "type": "json: [1]\n"}[name])
    if name == "missing":
        path.unlink()
    run = azcmagent("check", "--config", str(path), lang=JA)
    assert run.status != 0 and not english_prose(run.stdout), run.stdout


def test_not_root_is_japanese(azcmagent) -> None:
    run = azcmagent("genkey", euid=1000, lang=JA)
    assert run.status == 18 and not english_prose(run.stdout), run.stdout


def test_failures_against_a_cloud_are_japanese(azcmagent, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart()
    flags = flags_file(tmp_path, onboarding)
    runs = {
        "wrong secret": azcmagent("connect", "--config", flags, "--service-principal-secret",
                                  "wrong", lang=JA),
        "cloud unreachable": azcmagent("connect", "--config", flags_file(
            tmp_path, onboarding, cloud=f"https://127.0.0.1:{free_port()}"), lang=JA),
        "dry run": azcmagent("connect", "--config", flags, "--dry-run", "-g", "absent-group",
                             lang=JA),
        "connected": azcmagent("connect", "--config", flags, lang=JA),
    }
    runs["again"] = azcmagent("connect", "--config", flags, lang=JA)
    runs["disconnect denied"] = azcmagent("disconnect", "--config", flags, lang=JA)
    for name, run in runs.items():
        assert not english_prose(run.stdout + run.stderr), (name, run.stdout)
    assert runs["connected"].status == 0 and "マシンを Azure に接続しました" in \
        runs["connected"].stdout
    assert "詳細: " in runs["wrong secret"].stdout and "AADSTS" in runs["wrong secret"].stdout
    assert azcmagent("disconnect", "--force-local-only", lang=JA).status == 0


def test_successes_people_read_are_japanese(azcmagent) -> None:
    from cmagent.agent.commands.settings_ja import TEXTS
    from cmagent.machine import settings

    assert set(TEXTS) == {p.name for p in settings.PROPERTIES}  # a new setting needs its text
    for args in (("config", "info"), ("config", "set", "proxy.bypass", "ARM"),
                 ("config", "clear", "proxy.bypass")):
        run = azcmagent(*args, lang=JA)
        assert run.status == 0 and not english_prose(run.stdout), run.stdout
    english = azcmagent("config", "info", "--json", lang=JA).json
    assert english[0]["Description"] == settings.PROPERTIES[0].description  # scripts read it
