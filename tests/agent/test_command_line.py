"""Parsing, --config layering, privileges and the failure ladder, with codes in both languages."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cmagent.agent.table import ROOT
from cmagent.machine import files
from tests.conftest import read_log


def test_no_arguments_prints_help(azcmagent) -> None:
    run = azcmagent()
    assert run.status == 0
    assert "Commands:" in run.stdout and "config" in run.stdout


@pytest.mark.parametrize("command", [c for c in ROOT.subcommands])
def test_every_command_has_help_naming_its_flags(azcmagent, command) -> None:
    for sub in command.subcommands or (command,):
        words = [command.name] + ([sub.name] if sub is not command else [])
        run = azcmagent(*words, "--help")
        assert run.status == 0
        for option in sub.options:
            assert option.flag in run.stdout
        assert "--json" in run.stdout and "--config" in run.stdout


def test_help_command_shows_a_subcommand(azcmagent) -> None:
    run = azcmagent("help", "config", "set")
    assert run.status == 0
    assert "--add" in run.stdout and "azcmagent config set" in run.stdout


@pytest.mark.parametrize("args", [("bogus",), ("config", "frob"), ("version", "--nope"),
                                  ("logs", "--output"), ("help", "nothing")])
def test_unparsable_command_lines_are_azcm0101(azcmagent, args) -> None:
    run = azcmagent(*args)
    assert run.status == 101
    assert run.stdout.startswith("AZCM0101: The command could not be parsed")


def test_unknown_command_in_japanese_and_json(azcmagent) -> None:
    run = azcmagent("bogus", lang="ja_JP.UTF-8")
    assert run.stdout.startswith("AZCM0101: コマンドを解析できませんでした")
    assert "原因:" in run.stdout
    document = azcmagent("bogus", "--json").json
    assert document["status"] == "failed"
    assert document["error"]["code"] == "AZCM0101"
    assert document["error"]["remedy"]


def test_missing_mandatory_parameter_is_azcm0016_naming_it(azcmagent) -> None:
    run = azcmagent("config", "get")
    assert run.status == 16
    assert "AZCM0016" in run.stdout and "<property>" in run.stdout
    ja = azcmagent("config", "set", "proxy.url", lang="ja_JP.UTF-8")
    assert ja.status == 16 and "必須パラメーターがありません" in ja.stdout and "<value>" in ja.stdout


def test_invalid_value_is_azcm0023_naming_the_allowed_form(azcmagent) -> None:
    run = azcmagent("config", "set", "config.mode", "sleepy")
    assert run.status == 23
    assert "AZCM0023" in run.stdout and "config.mode" in run.stdout and "full, monitor" in run.stdout
    ja = azcmagent("config", "set", "config.mode", "sleepy", lang="ja_JP.UTF-8")
    assert "パラメーターに無効な値が指定されました" in ja.stdout and "full、monitor" in ja.stdout


def test_config_file_missing_is_azcm0019(azcmagent, tmp_path: Path) -> None:
    run = azcmagent("logs", "--config", str(tmp_path / "absent.json"))
    assert run.status == 19
    assert "AZCM0019" in run.stdout and "absent.json" in run.stdout
    assert "構成ファイルを読み取れません" in azcmagent(
        "logs", "--config", str(tmp_path / "absent.json"), lang="ja_JP").stdout


@pytest.mark.parametrize("content,named", [
    ('{"outptu": "x.zip"}', "outptu"),
    ('{"full": "yes"}', "full"),
    ("[1, 2]", "flat object"),
    ("key: [unclosed", "neither valid JSON nor valid YAML"),
    ("output: 0755", '"0755", not 0755'),  # YAML would read 493
    ('{"output": 1.10}', "in quotes"),
    ('{"output": "a.zip", "output": "b.zip"}', "'output' is given twice"),
    ("output: a.zip\noutput: b.zip\n", "'output' is given twice"),
    ("output: *Sup3rSecretAliasName\n", "neither valid JSON nor valid YAML"),
    ("[" * 100_000, "nested too deeply"),
    (("# padding\n" * 120_000), "larger than 1024 KiB"),
    ('{"output": "b.zip",}', ".json: not valid JSON (line 1, column 20)"),
])
def test_bad_config_content_is_azcm0023_naming_the_key(azcmagent, tmp_path, content, named):
    path = tmp_path / ("settings.json" if "JSON (line" in named else "settings.conf")
    path.write_text(content)
    run = azcmagent("logs", "--config", str(path))
    assert run.status == 23, run.stdout
    assert named in run.stdout and "Sup3rSecret" not in run.stdout


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_a_config_file_saved_by_a_windows_editor_is_read(azcmagent, tmp_path, encoding) -> None:
    path = tmp_path / "flags.json"
    path.write_bytes(json.dumps({"output": str(tmp_path / "b.zip"), "json": True})
                     .encode(encoding))
    run = azcmagent("logs", "--config", str(path))
    assert run.status == 0 and run.json["path"] == str(tmp_path / "b.zip"), run.stdout


def test_a_config_file_that_is_no_text_is_azcm0023(azcmagent, tmp_path) -> None:
    path = tmp_path / "flags.json"
    path.write_bytes(b'{"output": "\xe9t\xe9.zip"}')  # Latin-1, not UTF-8
    run = azcmagent("logs", "--config", str(path))
    assert run.status == 23 and "not UTF-8 text" in run.stdout, run.stdout


def test_config_file_json_and_yaml_with_command_line_winning(azcmagent, tmp_path) -> None:
    yaml_file = tmp_path / "flags.yaml"
    yaml_file.write_text(f"output: {tmp_path / 'from-file.zip'}\nfull: true\njson: true\n")
    run = azcmagent("logs", "--config", str(yaml_file))
    assert run.status == 0 and run.json["path"] == str(tmp_path / "from-file.zip")
    json_file = tmp_path / "flags.json"
    json_file.write_text(json.dumps({"output": str(tmp_path / "from-file.zip"), "json": True}))
    run = azcmagent("logs", "--config", str(json_file), "--output", str(tmp_path / "cli.zip"))
    assert run.json["path"] == str(tmp_path / "cli.zip")


def test_admin_command_without_root_is_azcm0018(azcmagent) -> None:
    run = azcmagent("config", "list", euid=1000)
    assert run.status == 18 and "AZCM0018" in run.stdout
    ja = azcmagent("genkey", euid=1000, lang="ja_JP.UTF-8")
    assert ja.status == 18 and "管理者特権 (root) で実行する必要があります" in ja.stdout
    assert azcmagent("version", euid=1000).status == 0
    assert azcmagent("license", euid=1000).status == 0
    assert azcmagent("help", euid=1000).status == 0


def test_ctrl_c_is_azcm0011_and_leaves_no_half_written_file(azcmagent, agent_root, monkeypatch):
    assert azcmagent("config", "set", "proxy.url", "http://old:3128").status == 0
    settings_file = agent_root / "var/opt/azcmagent/localconfig.json"
    before = settings_file.read_bytes()

    def interrupted_fsync(descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupted_fsync)
    run = azcmagent("config", "set", "proxy.url", "http://new:3128")
    assert run.status == 11
    assert run.stdout.startswith("AZCM0011")
    assert settings_file.read_bytes() == before
    assert sorted(p.name for p in settings_file.parent.iterdir()) == ["localconfig.json", "locks",
                                                                    "log"]
    assert "ユーザーが操作を取り消しました" in azcmagent(
        "config", "set", "proxy.url", "http://new:3128", lang="ja_JP").stdout


def test_unexpected_failure_is_azcm0001_with_the_log_path(azcmagent, agent_root, monkeypatch):
    from cmagent.agent.commands import info

    def broken(context):
        raise RuntimeError("kaboom inside the handler")

    monkeypatch.setattr(info, "version", broken)
    run = azcmagent("version")
    assert run.status == 1
    assert run.stdout.startswith("AZCM0001: An unexpected error occurred")
    assert "azcmagent.log" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    log = read_log(agent_root)
    assert "Traceback" in log and "kaboom inside the handler" in log
    assert "予期しないエラー" in azcmagent("version", lang="ja_JP").stdout


def test_unwritable_log_is_azcm0005_for_root(azcmagent, agent_root) -> None:
    (agent_root / "var/opt/azcmagent/log/azcmagent.log").mkdir(parents=True)
    run = azcmagent("config", "list")
    assert run.status == 5 and run.stdout.startswith("AZCM0005")
    assert azcmagent("version", euid=1000).status == 0  # a non-root run goes on without the file


def test_a_file_where_the_log_directory_belongs_is_named(azcmagent, agent_root) -> None:
    (agent_root / "var/opt/azcmagent").mkdir(parents=True)
    (agent_root / "var/opt/azcmagent/log").write_text("")
    run = azcmagent("config", "list")
    assert run.status == 5 and "log is a file, not a directory" in run.stdout, run.stdout


def test_root_that_is_not_a_directory_is_azcm0006(azcmagent, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("AZCMAGENT_ROOT", str(tmp_path / "nowhere"))
    run = azcmagent("version")
    assert run.status == 6 and "AZCM0006" in run.stdout and "nowhere" in run.stdout
    assert "unset AZCMAGENT_ROOT" in run.stdout and "network" not in run.stdout
    assert "No such file or directory" in run.stdout  # what stat said
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("AZCMAGENT_ROOT", str(tmp_path / "file"))
    assert "not a directory" in azcmagent("version").stdout


def test_json_error_and_log_stderr(azcmagent) -> None:
    run = azcmagent("config", "get", "nope", "--log-stderr")
    assert run.stdout == "" and run.stderr.startswith("AZCM0023")
    document = azcmagent("config", "get", "nope", "-j").json
    assert document["error"]["exitCode"] == 23


def test_every_run_is_logged_with_its_final_code(azcmagent, agent_root) -> None:
    azcmagent("config", "set", "proxy.url", "http://user:hunter2secret@proxy:3128")
    azcmagent("bogus")
    log = read_log(agent_root)
    assert "azcmagent config set" in log and "AZCM0000" in log and "AZCM0101" in log
    assert "hunter2secret" not in log


def test_verbose_shows_debug_lines_on_the_chosen_stream(azcmagent) -> None:
    assert "DEBUG" not in azcmagent("config", "list").stdout
    assert "DEBUG   " in azcmagent("config", "list", "-v").stdout
    run = azcmagent("config", "list", "-v", "--log-stderr")
    assert "DEBUG   " in run.stderr and "DEBUG" not in run.stdout


def test_log_rotates_by_size(azcmagent, agent_root) -> None:
    log = agent_root / "var/opt/azcmagent/log/azcmagent.log"
    log.parent.mkdir(parents=True)
    log.write_bytes(b"x" * (5 * 1024 * 1024 + 1))
    for index in range(1, 6):
        log.with_name(f"azcmagent.log.{index}").write_text("old")
    azcmagent("version")
    names = sorted(p.name for p in log.parent.iterdir())
    assert names == ["azcmagent.log", *(f"azcmagent.log.{i}" for i in range(1, 6))]
    assert log.stat().st_size < 4096
    assert log.with_name("azcmagent.log.1").stat().st_size > 5 * 1024 * 1024


def test_atomic_write_sets_the_mode_before_content(tmp_path: Path) -> None:
    target = tmp_path / "secret.pem"
    files.atomic_write(target, b"key", 0o600)
    assert target.read_bytes() == b"key"
    assert os.stat(target).st_mode & 0o777 == 0o600


def _handled(command):
    for sub in command.subcommands:
        yield from _handled(sub)
    if command.handler:
        yield command


@pytest.mark.parametrize("command", list(_handled(ROOT)), ids=lambda c: c.name)
def test_each_command_record_has_exactly_the_tables_flags(command) -> None:
    from cmagent.agent.cli import COMMON_OPTIONS

    flags = {o.dest for o in (*command.options, *COMMON_OPTIONS)}
    flags |= {p.dest for p in command.positionals}
    assert set(command.record.fields()) == flags


@pytest.mark.parametrize("words", [("--service-principal-secret", "-Xy8Q~rest"),
                                   ("-p", "-Xy8Q~rest"),
                                   ("--service-principal-secret=-Xy8Q~rest",)])
def test_a_value_beginning_with_a_dash_is_the_flags_value(words) -> None:
    """An Entra secret may begin with "-"; the real agent's parser takes the next word as the
    value of a flag that needs one, and so does this one."""
    from cmagent.agent.cli import parse

    parsed = parse(("connect", *words, "--tenant-id", "t", "--location", "eastus",
                    "--subscription-id", "s", "--resource-group", "g"), ROOT)
    assert parsed.options["service_principal_secret"] == "-Xy8Q~rest"
    assert parsed.options["tenant_id"] == "t"


def test_a_misspelt_secret_flag_never_shows_its_value(azcmagent, agent_root) -> None:
    run = azcmagent("connect", "--service-principal-secrte", "Sup3rS3cret", "-l", "westeurope")
    assert run.status == 101 and "--service-principal-secrte" in run.stdout
    assert "Sup3rS3cret" not in run.stdout + run.stderr + read_log(agent_root)


def test_half_a_secret_cut_by_the_shell_is_never_shown(azcmagent, agent_root) -> None:
    """``-p abc DEF`` (an unquoted secret with a space): DEF is part of the secret."""
    run = azcmagent("connect", "-p", "Sup3r", "S3cretHalf", "-l", "westeurope")
    assert run.status == 101 and "is the secret quoted?" in run.stdout
    assert "S3cretHalf" not in run.stdout + run.stderr + read_log(agent_root)
    joined = azcmagent("connect", "--service-principal-secret=Sup3r", "S3cretHalf")
    assert joined.status == 101 and "S3cretHalf" not in joined.stdout + joined.stderr
    glued = azcmagent("connect", "-pSup3r", "S3cretHalf")  # the short flag with its value
    assert glued.status == 101 and "S3cretHalf" not in glued.stdout + glued.stderr
    other = azcmagent("connect", "-l", "westeurope", "extra")
    assert other.status == 101 and "extra word: extra." in other.stdout


@pytest.mark.parametrize("flag", ["-p", "--service-principal-secret", "--access-token"])
def test_a_secret_flag_without_a_value_is_said_plainly(azcmagent, flag) -> None:
    run = azcmagent("connect", "-l", "westeurope", flag)
    assert run.status == 101 and "needs a value." in run.stdout, run.stdout


def test_an_application_id_that_is_no_guid_is_masked_in_the_log() -> None:
    from cmagent.agent.cli import parse

    base = ("connect", "--tenant-id", "t", "-l", "eastus", "-s", "s", "-g", "g", "-p", "x")
    swapped = parse((*base, "-i", "Sw4pped~Secret.Value"), ROOT).loggable()
    assert swapped["service_principal_id"] == "***"
    app = "4ed27731-5819-43b5-a4bf-79575b30d6e3"
    assert parse((*base, "-i", app), ROOT).loggable()["service_principal_id"] == app


@pytest.mark.parametrize(("args", "own_status"), [(("version",), 0),
                                                  (("config", "get", "nothing"), 23)])
def test_a_result_that_cannot_be_written_is_no_traceback(agent_root, args, own_status) -> None:
    """stdout on a full disk: a success becomes AZCM0001 (its caller saw nothing), a failure
    keeps its code, and the log says what the command's own outcome was."""
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        run = subprocess.run([str(Path(sys.executable).with_name("azcmagent")), *args],
                             stdout=full, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "AZCMAGENT_ROOT": str(agent_root)}, timeout=60)
    assert run.returncode == (own_status or 1) and "Traceback" not in run.stderr, run.stderr
    assert f"the command's own outcome was AZCM{own_status:04d}" in read_log(agent_root)


def test_a_failure_to_parse_is_json_when_json_was_asked_for_in_any_form(azcmagent,
                                                                         tmp_path) -> None:
    """-j among other switches (-vj), or "json": true in the --config file."""
    flags = tmp_path / "flags.json"
    flags.write_text('{"json": true, "location": "westeurope"}')
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"json": true, "no-such-flag": 1}')
    for args in (("connect", "-vj", "--bogus"), ("connect", "--config", str(flags)),
                 ("connect", f"--config={flags}"), ("connect", "--config", str(wrong))):
        run = azcmagent(*args)
        assert json.loads(run.stdout)["error"]["code"] in ("AZCM0101", "AZCM0016",
                                                            "AZCM0023"), args


def test_switches_glued_to_j_are_the_commands_own(azcmagent) -> None:
    """``check -pj``: -p takes no value for check, so -j asks for JSON; for connect, -p takes
    the secret, so ``-pj`` is a secret "j" and the answer stays text."""
    checked = azcmagent("check", "-pj", "--bogus")
    assert json.loads(checked.stdout)["error"]["code"] == "AZCM0101", checked.stdout
    connected = azcmagent("connect", "-pj", "--bogus")
    assert connected.stdout.startswith("AZCM"), connected.stdout


def test_a_switch_takes_true_or_false_after_an_equals_sign(azcmagent, tmp_path) -> None:
    """As Go's flag parser does (``--enable-automatic-upgrade=$AUTO`` in templates); false
    given on the command line wins over a --config file's true."""
    assert json.loads(azcmagent("show", "--json=true", "status").stdout) == {
        "status": "Disconnected"}
    assert azcmagent("show", "-j=false", "status").stdout.startswith("Agent Status")
    flags = tmp_path / "flags.json"
    flags.write_text('{"json": true}')
    assert azcmagent("show", "--config", str(flags), "--json=False", "status").stdout \
        .startswith("Agent Status")
    assert json.loads(azcmagent("show", "--json=1", "--bogus").stdout)["error"]["code"] == \
        "AZCM0101"  # (asked for before the parse failed)
    wrong = azcmagent("show", "--json=maybe")
    assert wrong.status == 101 and "takes no value (given 'maybe')" in wrong.stdout


def test_an_empty_show_field_still_ends_in_colon_space(azcmagent) -> None:
    """The runbook idiom RID=$(azcmagent show "Resource Id" | sed 's/^[^:]*: //') must give
    an empty value on a machine that is not connected, not the label."""
    line = azcmagent("show", "Resource Id").stdout.rstrip("\n")
    assert line.endswith(": ") and line.split(": ", 1)[1] == ""


def test_without_root_a_config_file_root_keeps_is_answered_with_root(azcmagent,
                                                                      tmp_path) -> None:
    """The onboarding file holds a secret, so it is root's alone: an operator who forgot sudo
    is told to be root (AZCM0018), not to check a path that is right."""
    unreadable = str(tmp_path / "root-only" / "onboarding.json")  # (what a user cannot open)
    assert azcmagent("connect", "--config", unreadable, euid=1000).status == 18
    assert azcmagent("connect", "--config", unreadable).status == 19  # as root: the path


def test_help_in_json_has_one_shape_however_asked(azcmagent) -> None:
    asked = azcmagent("help", "show", "--json").json
    flagged = azcmagent("show", "--help", "--json").json
    assert asked == flagged and asked["command"] == "show" and "usage:" in asked["help"]


def test_an_empty_config_name_is_named_not_ignored(azcmagent) -> None:
    run = azcmagent("logs", "--config", "")
    assert run.status == 19 and "no file name" in run.stdout


@pytest.mark.parametrize("closed", [1, 2])
def test_a_stream_closed_from_the_start_is_no_traceback(agent_root, closed) -> None:
    """'azcmagent version >&-' (or 2>&-): Python starts with sys.stdout (sys.stderr) None."""
    import subprocess
    import sys

    run = subprocess.run([str(Path(sys.executable).with_name("azcmagent")), "version"],
                         env={**os.environ, "AZCMAGENT_ROOT": str(agent_root)},
                         capture_output=True, text=True, timeout=60,
                         preexec_fn=lambda: os.close(closed))
    assert run.returncode == (1 if closed == 1 else 0)  # (the version went nowhere: 1)
    assert "Traceback" not in run.stdout + run.stderr + read_log(agent_root)


def test_bytes_that_are_not_utf8_are_refused_before_anything_is_saved(agent_root) -> None:
    """A Latin-1 inventory: the bytes reach the agent as they are (a real process, real
    argv), are refused with AZCM0023 naming the flag, and localconfig.json is not written."""
    import subprocess
    import sys

    environ = {**os.environ, "AZCMAGENT_ROOT": str(agent_root), "LANG": "C.UTF-8"}
    config_set = [sys.executable, "-m", "cmagent.agent", "config", "set", "proxy.url"]
    run = subprocess.run([*config_set, b"http://caf\xe9:8080"], env=environ,
                         capture_output=True, timeout=60)
    assert run.returncode == 23 and b"AZCM0023" in run.stdout and b"Traceback" not in run.stderr
    assert b"not valid UTF-8" in run.stdout
    assert not (agent_root / "var/opt/azcmagent/localconfig.json").exists()
    located = subprocess.run([sys.executable, "-m", "cmagent.agent", "connect", "--location",
                              b"west\xff", "--json"], env=environ, capture_output=True,
                             timeout=60)
    assert located.returncode == 23, located.stdout
    assert "--location" in json.loads(located.stdout)["error"]["message"]


def test_a_control_character_in_a_value_is_refused_and_cannot_forge_a_log_line(
        azcmagent, agent_root) -> None:
    forged = "env=prod\nINFO    Connected machine to Azure"
    run = azcmagent("connect", "--tags", forged, "--location", "westeurope")
    assert run.status == 23 and "The value of --tags holds a control character" in run.stdout
    escape = azcmagent("connect", "--location", "west\x1b[31meurope", lang="ja_JP.UTF-8")
    assert escape.status == 23 and "--location の値に制御文字" in escape.stdout
    assert "\x1b" not in escape.stdout
    logged = read_log(agent_root)
    assert "\x1b" not in logged and "\nINFO    Connected" not in logged


def test_a_log_record_stays_one_record() -> None:
    from cmagent.records import one_record

    assert one_record("plain 日本語\u3000text\twith tab") == "plain 日本語\u3000text\twith tab"
    assert one_record("a\nINFO    forged") == "a\n    INFO    forged"
    assert one_record("red \x1b[31m, bell \x07, byte \udcff") == \
        "red \\x1b[31m, bell \\x07, byte \\xff"


def test_tags_as_a_mapping_in_a_config_file(tmp_path) -> None:
    from cmagent.agent import cli
    from cmagent.agent.commands.connect_flags import parse_tags

    config = tmp_path / "flags.yaml"
    needed = "location: westeurope\nresource-group: g\nsubscription-id: s\ntenant-id: t\n"
    config.write_text(needed + "tags:\n  env: prod\n  'cost=center': 'a,b'\n"
                      "  owner: \"O'Brien\"\n")
    record = cli.parse(["connect", "--config", str(config)], ROOT, "en").record
    assert parse_tags(record.tags) == {"env": "prod", "cost=center": "a,b", "owner": "O'Brien"}
    config.write_text(needed + "tags:\n  port: 8080\n")
    with pytest.raises(Exception, match="must be text in quotes"):
        cli.parse(["connect", "--config", str(config)], ROOT, "en")


@pytest.mark.parametrize("tags, said", [
    ("a=b=c", "single-quote a name or value that holds spaces, '=' or ','"),
    ("a/b=c", "does not allow in tag names"), ("a=" + "x" * 257, "values of up to 256"),
    (",".join(f"t{i}=v" for i in range(51)), "51 tags are more than Azure allows")])
def test_tags_azure_would_refuse_are_refused_first(tags, said) -> None:
    from cmagent.agent.commands.connect_flags import parse_tags
    from cmagent.errors import AzcmError

    with pytest.raises(AzcmError) as refused:
        parse_tags(tags)
    assert refused.value.code == "AZCM0023" and said in refused.value.message("en")


def test_a_traceback_cannot_forge_a_record_either() -> None:
    import logging
    import sys

    from cmagent.records import log_formatter

    formatter = log_formatter("%(levelname)s %(message)s")
    try:
        raise ValueError("/x\nINFO forged\u2028INFO too")
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, "f", 1, "failed", None,
                                   exc_info=sys.exc_info())
    lines = formatter.format(record).split("\n")
    assert lines[0] == "ERROR failed" and all(line.startswith("    ") for line in lines[1:])
    assert "\u2028" not in formatter.format(record)
