"""What a failed connect leaves, told truly: every failure after the create request is undone
(also one nobody foresaw), Azure before the local files, himds told, and the result file never
tells an older run's outcome or forgets what an unfinished run may have left."""

from __future__ import annotations

import asyncio
import io
import json
import time
from types import SimpleNamespace

from cmagent.agent import results
from cmagent.agent.commands import connect as connect_module
from cmagent.himds import main as himds_main
from cmagent.machine import channel
from cmagent.machine.paths import Paths
from cmagent.wire import his as his_module
from tests.agent.test_onboarding import ADMINISTRATOR
from tests.agent.test_onboarding import flags_file
from tests.agent.test_onboarding import machines
from tests.agent.test_onboarding import printed
from tests.agent.test_onboarding_state import AGENTCONFIG
from tests.agent.test_onboarding_state import _answer_lost
from tests.agent.test_onboarding_state import _ctrl_c
from tests.agent.test_onboarding_state import _result
from tests.agent.test_onboarding_state import machines_id
from tests.agent.test_onboarding_state import slow_cloud  # noqa: F401  (the fixture)


def test_a_page_in_place_of_the_identity_service_is_undone_and_named(
        azcmagent, agent_root, himds, slow_cloud, tmp_path) -> None:  # noqa: F811
    """A proxy that lets ARM through and answers *.his with its block page (HTTP 200)."""
    onboarding = slow_cloud.quickstart(ADMINISTRATOR)
    slow_cloud.admin.call("POST", "/faults", {"service": "his", "status": 200,
                                              "pathPattern": "challenges",
                                              "body": "<html>Blocked by policy</html>"})
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding), "--json")
    error = json.loads(run.stdout)["error"]
    assert run.status == 105 and "not the service's JSON" in json.dumps(error), error
    assert "created by this run was deleted again" in error["message"]
    assert error["resourceLeftBehind"] is False
    assert machines(slow_cloud, onboarding) == []
    assert _result(agent_root)["status"] == "failed"


def test_an_unforeseen_failure_after_the_create_is_undone_too(
        azcmagent, agent_root, himds, trusting, tmp_path, monkeypatch) -> None:
    onboarding = trusting.quickstart(ADMINISTRATOR)

    def broken(self, vm_id, sign):
        raise ValueError("an answer nobody foresaw")

    monkeypatch.setattr(his_module.His, "certificate", broken)
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding))
    assert run.status == 1 and printed(run, "AZCM0001"), run.stdout
    assert "created by this run was deleted again" in run.stdout
    assert "Traceback" not in run.stdout and machines(trusting, onboarding) == []
    result = _result(agent_root)
    assert result["status"] == "failed" and result["code"] == "AZCM0001"


def test_local_files_that_cannot_go_do_not_keep_the_resource_in_azure(
        azcmagent, agent_root, himds, trusting, tmp_path) -> None:
    onboarding = trusting.quickstart(ADMINISTRATOR)
    certs = agent_root / "var/opt/azcmagent/certs"
    certs.mkdir(parents=True, exist_ok=True)
    certs.rmdir()
    certs.write_text("a file where the directory belongs")
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding))
    assert run.status == 69 and "created by this run was deleted again" in run.stdout, run.stdout
    assert machines(trusting, onboarding) == []
    assert _result(agent_root)["status"] == "failed"
    assert azcmagent("disconnect", "--force-local-only").status == 0


def test_himds_forgets_a_connection_that_was_rolled_back(
        azcmagent, agent_root, himds, trusting, tmp_path, monkeypatch) -> None:
    """Ctrl+C after himds took the connection: it must not go on heartbeating for, or
    describing, a resource that was deleted."""
    onboarding = trusting.quickstart(ADMINISTRATOR)
    ask = channel.ask

    def then_ctrl_c(paths, operation, timeout=60.0):
        answer = ask(paths, operation, timeout)
        if operation == channel.RELOAD and (agent_root / AGENTCONFIG).exists():
            raise KeyboardInterrupt
        return answer

    monkeypatch.setattr(connect_module.channel, "ask", then_ctrl_c)
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding))
    assert run.status == 11 and "deleted again" in run.stdout, run.stdout
    assert not (agent_root / AGENTCONFIG).exists() and machines(trusting, onboarding) == []
    status = ask(Paths(str(agent_root)), channel.STATUS)
    assert status["status"] == "Disconnected", status


def test_a_reload_answers_before_a_slow_first_heartbeat_ends(monkeypatch) -> None:
    """The CLI waits 60 s for a reload: a heartbeat the service holds longer (Retry-After)
    is answered as pending, not left to look like a hung himds."""
    monkeypatch.setattr(himds_main, "RELOAD_BEAT_SECONDS", 0.2)

    def slow_beat() -> dict:
        time.sleep(1.0)
        return {"status": "Connected"}

    runtime = SimpleNamespace(_read_settings=lambda: None,
                              identity=SimpleNamespace(reload=lambda: None),
                              heartbeat=SimpleNamespace(beat=slow_beat, status={
                                  "status": "Disconnected", "lastHeartbeat": None}))

    async def timed() -> tuple[dict, float]:
        started = time.monotonic()
        answer = await himds_main.Runtime._reload(runtime)  # type: ignore[arg-type]
        return answer, time.monotonic() - started

    answer, seconds = asyncio.run(timed())
    assert seconds < 0.9 and "no answer within" in answer["error"]["message"], answer


def test_a_first_heartbeat_on_its_way_is_said_so_in_the_operators_language(
        monkeypatch) -> None:
    from cmagent.agent import log
    from cmagent.himds.heartbeat import Heartbeat

    seen: list[dict] = []
    beat = Heartbeat(SimpleNamespace(problem=None, connected=True), {}, 60)  # type: ignore
    monkeypatch.setattr(beat, "_is_a_copy", lambda: False)
    monkeypatch.setattr(beat, "_send", lambda: seen.append(dict(beat.status)))
    beat.beat()
    assert seen[0]["status"] == "Disconnected" and seen[0]["error"]["code"] == "pending"
    console = io.StringIO()
    with log.session(lambda text: text) as run_log:
        run_log.open_console(console, verbose=False, lang="ja")
        connect_module._warn_first_heartbeat({"waitedSeconds": 20, "error": {
            "code": "pending", "message": "no answer within 20 s"}})
    assert "最初のハートビートの応答を 20 秒待っても" in console.getvalue()
    assert "no answer" not in console.getvalue()  # himds's English stays out


def test_a_record_that_cannot_be_written_leaves_no_older_outcome(
        agent_root, monkeypatch, capsys) -> None:
    paths = Paths(str(agent_root))
    results.write(paths, "connect", 0, time.monotonic(), {"resourceId": "/old"})
    record = agent_root / "var/opt/azcmagent/result/connect.json"
    assert json.loads(record.read_text())["status"] == "succeeded"

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(results, "atomic_write", full)
    results.started(paths, "connect", {"phase": "validate"})
    assert not record.exists()


def test_what_an_unfinished_connect_left_is_carried_until_seen_gone(
        azcmagent, agent_root, himds, trusting, tmp_path, monkeypatch) -> None:
    onboarding = trusting.quickstart()  # the Onboarding role may create, not delete
    put = connect_module.Arm.put_machine
    _answer_lost(monkeypatch, _ctrl_c)
    lost = azcmagent("connect", "--config", flags_file(tmp_path, onboarding), "--json")
    error = json.loads(lost.stdout)["error"]
    assert error["resourceLeftBehind"] is None and error["retryable"] is False, error
    assert "delete the machine's resource" in error["remedy"]
    monkeypatch.setattr(connect_module.Arm, "put_machine", put)
    early = azcmagent("connect", "--config", flags_file(tmp_path, onboarding,
                                                        tenant_id="not-a-guid"))
    assert early.status == 23  # failed before any create: the trace must survive it
    blocked = azcmagent("connect", "--config", flags_file(tmp_path, onboarding))
    assert blocked.status == 44 and "An earlier connect of this machine (started 20" \
        in blocked.stdout, blocked.stdout
    idle = azcmagent("disconnect", "--config", flags_file(tmp_path, onboarding))
    assert idle.status == 63 and f"az resource delete --ids {machines_id(onboarding)}" \
        in idle.stdout and "Nothing needs to be done" not in idle.stdout


def test_show_tells_the_last_heartbeat_while_himds_is_stopped(
        azcmagent, agent_root, himds, trusting, tmp_path) -> None:
    """How long a machine has been silent decides between starting himds and onboarding
    again (45 days): show must not lose it when himds is what stopped."""
    onboarding = trusting.quickstart(ADMINISTRATOR)
    flags = flags_file(tmp_path, onboarding)
    assert azcmagent("connect", "--config", flags).status == 0
    running = json.loads(azcmagent("show", "-j").stdout)
    assert running["lastHeartbeat"].startswith("20"), running
    himds.terminate()
    himds.wait(timeout=30)
    stopped = json.loads(azcmagent("show", "-j").stdout)
    assert stopped["errorCode"] == "AZCM0064" and stopped["lastHeartbeat"] == \
        running["lastHeartbeat"], stopped
    assert azcmagent("disconnect", "--force-local-only").status == 0
    assert not (agent_root / "var/opt/azcmagent/lastheartbeat.json").exists()


def test_a_group_this_run_made_is_named_when_the_run_fails(
        azcmagent, agent_root, himds, slow_cloud, tmp_path, monkeypatch) -> None:  # noqa: F811
    """Left in place (something else may be in it by then), but said, with its cleanup."""
    onboarding = slow_cloud.quickstart(ADMINISTRATOR)
    monkeypatch.setattr(connect_module.connect_flags.Arm, "group_exists",
                        lambda self, subscription, group: False)
    monkeypatch.setattr(connect_module.connect_flags.Arm, "create_group",
                        lambda self, subscription, group, location: None)
    slow_cloud.admin.call("POST", "/faults", {"service": "his", "status": 400,
                                              "pathPattern": "certificates"})
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding))
    assert "created by this run, was left in place" in run.stdout, run.stdout
    assert f"az group delete --name {onboarding['resourceGroup']}" in run.stdout


def test_a_delete_whose_answer_was_lost_is_read_back(
        azcmagent, agent_root, himds, slow_cloud, tmp_path, monkeypatch) -> None:  # noqa: F811
    onboarding = slow_cloud.quickstart(ADMINISTRATOR)
    delete = connect_module.Arm.delete_machine

    def answer_lost(self, resource_id):
        delete(self, resource_id)
        raise connect_module.ArmError("DELETE", resource_id, 0, "NetworkError", "i/o timeout")

    monkeypatch.setattr(connect_module.Arm, "delete_machine", answer_lost)
    slow_cloud.admin.call("POST", "/faults", {"service": "his", "status": 400,
                                              "pathPattern": "certificates"})
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding), "--json")
    error = json.loads(run.stdout)["error"]
    assert "deleted again" in error["message"] and error["resourceLeftBehind"] is False, error
    assert machines(slow_cloud, onboarding) == []


def test_a_page_in_answer_to_the_rollbacks_delete_is_no_deletion(
        azcmagent, agent_root, himds, slow_cloud, tmp_path) -> None:  # noqa: F811
    onboarding = slow_cloud.quickstart(ADMINISTRATOR)
    for service, method, path in (("his", "POST", "challenges"), ("arm", "DELETE", "machines")):
        slow_cloud.admin.call("POST", "/faults", {"service": service, "method": method,
                                                  "status": 200, "pathPattern": path,
                                                  "body": "<html>Access policy</html>"})
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding), "--json")
    error = json.loads(run.stdout)["error"]
    assert error["resourceLeftBehind"] is True and "az resource delete --ids" in \
        error["message"], error
    assert [m["name"] for m in machines(slow_cloud, onboarding)] == ["web01"]


def test_every_unfinished_run_is_carried_not_only_the_last() -> None:
    from cmagent.agent.commands import connect_undo

    first = {"resourceId": "/subscriptions/s/resourceGroups/g/providers/x/machines/t1",
             "vmId": "1111", "startedAt": "2026-12-06T10:00:00Z"}
    second_run = {"status": "failed", "resourceLeftBehind": True, "vmId": "2222",
                  "resourceId": first["resourceId"].replace("t1", "t2"),
                  "startedAt": "2026-12-06T10:05:00Z", "earlierUnfinished": [first]}
    third_run = {"status": "failed", "resourceLeftBehind": False, "vmId": "",
                 "resourceId": "", "earlierUnfinished": connect_undo.unfinished(second_run)}
    carried = connect_undo.unfinished(third_run)
    assert [left["vmId"] for left in carried] == ["1111", "2222"]
    said = connect_undo.leftover_sentence(third_run)
    assert said is not None and "machines/t1" in said.en and "machines/t2" in said.en


def test_a_connect_that_never_began_still_leaves_its_record(azcmagent, agent_root) -> None:
    """A mistyped --config path after a good connect: the file must not go on saying
    'succeeded'; an unfinished earlier run's trace is carried on."""
    paths = Paths(str(agent_root))
    killed = {"resourceId": "/subscriptions/s/resourceGroups/g/providers/"
                            "Microsoft.HybridCompute/machines/m", "vmId": "v-1"}
    results.started(paths, "connect", killed)  # a run killed outright: 'running' remains
    run = azcmagent("connect", "--config", str(agent_root / "nope.json"))
    assert run.status == 19, run.stdout
    record = _result(agent_root)
    assert record["status"] == "failed" and record["code"] == "AZCM0019"
    assert record["phase"] == "not-started" and record["connected"] is False
    assert [left["vmId"] for left in record["earlierUnfinished"]] == ["v-1"]
    assert azcmagent("connect", "--bogus").status == 101
    assert _result(agent_root)["code"] == "AZCM0101"
    assert _result(agent_root)["earlierUnfinished"][0]["resourceId"] == killed["resourceId"]


def test_a_run_in_progress_keeps_its_record_from_an_early_failure(azcmagent, agent_root) -> None:
    from cmagent.machine import lock

    paths = Paths(str(agent_root))
    with lock.exclusive(paths, "connect"):
        results.started(paths, "connect", {"phase": "create"})
        assert azcmagent("connect", "--bogus").status == 101
    assert _result(agent_root)["status"] == "running"


def test_an_interrupted_disconnect_finishes_its_record(
        azcmagent, agent_root, monkeypatch) -> None:
    from cmagent.agent.commands import disconnect

    def interrupted(context):
        raise KeyboardInterrupt

    monkeypatch.setattr(disconnect, "_saved", interrupted)
    assert azcmagent("disconnect", "--json").status == 11
    record = json.loads((agent_root / "var/opt/azcmagent/result/disconnect.json").read_text())
    assert record["status"] == "failed" and record["code"] == "AZCM0011"


def test_a_name_taken_between_the_check_and_the_create_is_azcm0044(
        azcmagent, agent_root, himds, trusting, tmp_path, monkeypatch) -> None:
    """Two machines racing for one name: the loser's create is refused by the winner's vmId;
    that is 'the resource exists', not a missing role, and the winner's resource stays."""
    onboarding = trusting.quickstart(ADMINISTRATOR)
    monkeypatch.setattr(connect_module.Onboarding, "_check_free", lambda self: None)
    trusting.admin.call("POST", "/machines", {
        "subscriptionId": onboarding["subscriptionId"], "name": "web01",
        "resourceGroup": onboarding["resourceGroup"], "location": onboarding["location"]})
    run = azcmagent("connect", "--config", flags_file(tmp_path, onboarding), "--json")
    error = json.loads(run.stdout)["error"]
    assert run.status == 44 and "created by another machine while this connect ran" \
        in error["message"], error
    assert "resourceLeftBehind" not in error
    assert [m["name"] for m in machines(trusting, onboarding)] == ["web01"]
    assert _result(agent_root)["code"] == "AZCM0044"



def test_a_dry_run_or_a_bad_root_leaves_the_record_alone(azcmagent, agent_root, tmp_path,
                                                         monkeypatch) -> None:
    paths = Paths(str(agent_root))
    results.write(paths, "connect", 0, time.monotonic(), {"resourceId": "/kept"})
    config = tmp_path / "dry.json"
    config.write_text(json.dumps({"dry-run": True}))
    assert azcmagent("connect", "--config", str(config)).status != 0  # fails early
    assert azcmagent("connect", "--dry-run", "--bogus").status == 101
    assert _result(agent_root)["resourceId"] == "/kept"
    monkeypatch.setenv("AZCMAGENT_ROOT", str(tmp_path / "missing"))
    run = azcmagent("connect", "--json")
    assert run.status == 6 and json.loads(run.stdout)["error"]["code"] == "AZCM0006"
