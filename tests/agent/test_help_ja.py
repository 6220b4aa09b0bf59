"""Help in Japanese: every text of the command table has one, no English sentence of ours shows
under a Japanese locale, lines fit the width, and the English help is what it was before."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import unicodedata

import pytest

from cmagent.agent import table_ja
from cmagent.agent.cli import COMMON_OPTIONS
from cmagent.agent.main import main
from cmagent.agent.output import Environment
from cmagent.agent.table import ROOT


def _walk(command=ROOT, path=()):
    yield " ".join(path), command
    for sub in command.subcommands:
        yield from _walk(sub, (*path, sub.name))


COMMANDS = dict(_walk())
# Names of products and built-in roles, written in English in Microsoft's Japanese docs too.
PROPER_NOUNS = ("Azure Resource Manager",)
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}(?:[ ,'][A-Za-z]{2,}){2,}")


def _help(path: str, lang: str, tmp_path, monkeypatch, columns: str | None = None) -> str:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    stdout, stderr = io.StringIO(), io.StringIO()
    env = Environment(stdout, stderr, {"LANG": lang, "AZCMAGENT_ROOT": str(tmp_path)}, euid=1000)
    assert main([*path.split(), "--help"], env) == 0
    assert stderr.getvalue() == ""
    return stdout.getvalue()


def _options(path: str, command):
    return command.options + (COMMON_OPTIONS if path == "" else ())


# --- the table -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", COMMANDS)
def test_every_text_of_the_table_has_a_japanese_one(path) -> None:
    command = COMMANDS[path]
    summary, description = table_ja.COMMANDS[path]
    assert summary, f"no Japanese summary for {path!r}"
    assert description or not command.description, f"no Japanese description for {path!r}"
    for option in _options(path, command):
        assert f"{path} {option.name}".lstrip() in table_ja.OPTIONS \
            or option.name in table_ja.OPTIONS, f"no Japanese help for {path!r} --{option.name}"
    for positional in command.positionals:
        assert f"{path} {positional.name}".lstrip() in table_ja.POSITIONALS, \
            f"no Japanese help for {path!r} <{positional.name}>"


def _option_keys():
    """Which Japanese key each flag of each command takes, with its English help."""
    for path, command in COMMANDS.items():
        for option in _options(path, command):
            scoped = f"{path} {option.name}".lstrip()
            yield (scoped if scoped in table_ja.OPTIONS else option.name), option.help


def test_a_shared_japanese_text_stands_for_one_english_text_and_none_is_stale() -> None:
    english_by_key: dict[str, set[str]] = {}
    for key, english in _option_keys():
        english_by_key.setdefault(key, set()).add(english)
    shared = {key: texts for key, texts in english_by_key.items() if len(texts) > 1}
    assert not shared, f"key these per command, their English differs: {sorted(shared)}"
    assert set(table_ja.OPTIONS) == set(english_by_key)
    assert set(table_ja.COMMANDS) == set(COMMANDS)
    assert set(table_ja.POSITIONALS) == {f"{path} {p.name}".lstrip()
                                         for path, command in COMMANDS.items()
                                         for p in command.positionals}


def test_the_japanese_texts_keep_flags_and_property_names_as_they_are() -> None:
    every = [text for pair in table_ja.COMMANDS.values() for text in pair]
    every += [*table_ja.OPTIONS.values(), *table_ja.POSITIONALS.values()]
    english = " ".join(c.description for c in COMMANDS.values()) + " ".join(
        o.help for path, c in COMMANDS.items() for o in _options(path, c))
    for flag in set(re.findall(r"--[a-z][\w-]+", english)):
        assert any(flag in text for text in every), flag
    assert "proxy.url" in table_ja.POSITIONALS["config get property"]
    assert not any("%" in text for text in every)  # argparse %-formats help texts


# --- the Japanese help --------------------------------------------------------------------

def _without_ours(text: str, path: str) -> str:
    """The help minus what stays English on purpose: example lines, the command line in the
    usage, flags, metavars, quoted commands and role names, product names."""
    command = COMMANDS[path]
    for example in command.examples:
        text = text.replace(f"  {example}\n", "")
    text = text.replace(f"azcmagent {path}".rstrip(), "")
    text = re.sub(r"(?<![\w-])--?[a-z][\w-]*", "", text)
    metavars = {o.metavar or o.name.upper().replace("-", "_")
                for o in command.options + COMMON_OPTIONS if o.kind != "bool"}
    for metavar in metavars:
        text = re.sub(rf"\b{metavar}\b", "", text)
    text = re.sub(r"'[^'\n]*'", "", text)
    for noun in PROPER_NOUNS:
        text = text.replace(noun, "")
    return text


@pytest.mark.parametrize("path", COMMANDS)
def test_japanese_help_has_no_english_sentence(path, tmp_path, monkeypatch) -> None:
    text = _help(path, "ja_JP.UTF-8", tmp_path, monkeypatch)
    assert text.startswith(f"使用法: azcmagent {path}".rstrip())
    for heading in ("共通フラグ:", "ヘルプ:", "このコマンドのヘルプを表示します。"):
        assert heading in text
    english = ENGLISH_WORDS.findall(_without_ours(text, path))
    assert not english, english
    for english_heading in ("usage:", "positional arguments", "Flags:", "Help:", "Commands:",
                            "Examples:"):
        assert english_heading not in text


def test_japanese_help_keeps_examples_flags_and_metavars(tmp_path, monkeypatch) -> None:
    text = _help("connect", "ja_JP.UTF-8", tmp_path, monkeypatch)
    assert "例:\n  azcmagent connect --config /root/onboarding.json\n" in text
    assert "-g RESOURCE_GROUP, --resource-group RESOURCE_GROUP" in text
    assert "システム割り当てマネージド ID" in text and "エージェント サービス (himds)" in text
    listing = _help("config", "ja_JP.UTF-8", tmp_path, monkeypatch)
    assert "コマンド:\n  list   すべてのローカル設定とその現在の値を一覧表示します。\n" in listing


def test_a_flag_help_that_differs_between_commands_is_translated_per_command(
        tmp_path, monkeypatch) -> None:
    assert "既定値: 接続済みのマシンの" in _help("check", "ja_JP", tmp_path, monkeypatch)
    assert "リソースの Azure リージョンです" in _help("connect", "ja_JP", tmp_path, monkeypatch)
    assert "変更する設定です。" in _help("config set", "ja_JP", tmp_path, monkeypatch)
    assert "読み取る設定です" in _help("config get", "ja_JP", tmp_path, monkeypatch)


def _display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in line)


@pytest.mark.parametrize("columns", ["80", "62"])  # 62 gives the narrowest width, 60
@pytest.mark.parametrize("path", COMMANDS)
def test_japanese_lines_fit_the_width_and_follow_line_breaking_rules(
        path, columns, tmp_path, monkeypatch) -> None:
    text = _help(path, "ja_JP.UTF-8", tmp_path, monkeypatch, columns)
    width = int(columns) - 2
    for line in text.splitlines():
        if not line.isascii():  # ASCII-only lines (examples, usage) are laid out as in English
            assert _display_width(line) <= width, line
            assert line.strip()[:1] not in set("、。)）"), line
            assert line[-1:] not in set("(（"), line


def test_the_locale_follows_posix_precedence(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    stdout = io.StringIO()
    environ = {"LC_ALL": "ja_JP.UTF-8", "LANG": "C", "AZCMAGENT_ROOT": str(tmp_path)}
    main(["--help"], Environment(stdout, io.StringIO(), environ, euid=1000))
    assert stdout.getvalue().startswith("使用法: ")
    assert _help("", "ja", tmp_path, monkeypatch).startswith("使用法: ")


# --- the English help, as it was before the Japanese one ----------------------------------

CONFIG_GET_BEFORE = """\
usage: azcmagent config get [--config FILE] [-j] [--log-stderr] [--no-color] [-v] [-h] [property]

Print the value of one local setting.

positional arguments:
  property       The setting to read, e.g. proxy.url.

Common flags:
  --config FILE  Path to a JSON or YAML file of flag values (long names without '--'); flags given
                 on the command line win.
  -j, --json     Print the result as JSON.
  --log-stderr   Send error and verbose messages to stderr instead of stdout.
  --no-color     Turn off coloured output.
  -v, --verbose  Show verbose (debug) messages while the command runs.

Help:
  -h, --help     Show help for this command.

Examples:
  azcmagent config get proxy.url
"""

ENGLISH_BEFORE = {
    "": ("usage: azcmagent <command> [flags]\n\nazcmagent connects this server to an Azure Arc "
         "control plane and manages the agent's local state. Run 'azcmagent <command> --help' "
         "for the syntax of each command.\n\nCommands:\n"
         "  check       Check connectivity to the endpoints the agent needs.\n",
         "  version     Print the agent's version.\n\nCommon flags:\n"),
    "connect": ("usage: azcmagent connect [--access-token ACCESS_TOKEN] [-i SERVICE_PRINCIPAL_ID]\n"
                "                         [-p SERVICE_PRINCIPAL_SECRET]",
                "\n\nFlags:\n  --access-token ACCESS_TOKEN\n                        A Microsoft "
                "Entra access token for Azure Resource Manager.\n",
                "  --tags TAGS           Tags: 'Name=Value,Name2=Value2'; single-quote values "
                "with spaces.\n",
                "                        changing and deleting nothing.\n\nCommon flags:\n",
                "Examples:\n  azcmagent connect --config /root/onboarding.json\n"),
    "config set": ("\npositional arguments:\n  property       The setting to change.\n"
                   "  value          The new value; a comma-separated list for multi-valued "
                   "settings.\n\nFlags:\n  -a, --add      Append the values to the current "
                   "list.\n",),
}


def test_english_help_is_as_before(tmp_path, monkeypatch) -> None:
    assert _help("config get", "C", tmp_path, monkeypatch) == CONFIG_GET_BEFORE
    for path, phrases in ENGLISH_BEFORE.items():
        text = _help(path, "C", tmp_path, monkeypatch)
        for phrase in phrases:
            assert phrase in text, (path, phrase)


@pytest.mark.parametrize("path", COMMANDS)
def test_english_help_has_no_japanese(path, tmp_path, monkeypatch) -> None:
    for lang in ("C", "en_US.UTF-8", "de_DE.UTF-8"):
        assert _help(path, lang, tmp_path, monkeypatch).isascii()


def test_only_japanese_help_imports_the_japanese_texts(tmp_path) -> None:
    probe = ("import sys; from cmagent.agent.main import main; main({argv!r}); "
             "print('cmagent.agent.table_ja' in sys.modules, 'unicodedata' in sys.modules)")
    runs = {(("version",), "ja_JP.UTF-8"): "False False", (("--help",), "C"): "False False",
            (("config", "set", "--help"), "ja_JP.UTF-8"): "True True"}
    for (argv, lang), expected in runs.items():
        environ = {**os.environ, "LANG": lang, "AZCMAGENT_ROOT": str(tmp_path)}
        environ.pop("LC_ALL", None)
        environ.pop("LC_MESSAGES", None)
        probe_run = subprocess.run([sys.executable, "-c", probe.format(argv=list(argv))],
                                   capture_output=True, text=True, env=environ, check=True)
        assert probe_run.stdout.strip().splitlines()[-1] == expected, (argv, lang)
