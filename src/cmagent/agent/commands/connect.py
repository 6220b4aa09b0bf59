"""``azcmagent connect``: turn this server into an Azure Arc-enabled server.

Steps, in order, each with its code on failure: flags (0016/0023/0020/0102) → not yet connected
(0067) → himds reachable (0064) → network pre-check (0026) → sign in (0041/0012/0026) →
subscription name (0068) → providers → resource group → RSA key (0103) → the name is free (0044)
→ create the resource (0042) → identity certificate (0105/0081) → local configuration (0069).
Once the create request was sent, any failure or Ctrl+C finds out whether the resource exists
and deletes it again (connect_undo); if that fails too, the error names the one command that
cleans up. One connect or disconnect runs at a time per machine (machine/lock.py), and the
result file says "running" from the start, so that a run killed outright is never mistaken for
the one before.
"""

from __future__ import annotations

import base64
import time
import uuid
from typing import TYPE_CHECKING
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cmagent.agent import azure
from cmagent.agent import log
from cmagent.agent import results
from cmagent.agent.commands import connect_flags
from cmagent.agent.commands import connect_undo
from cmagent.agent.commands import phases
from cmagent.agent.main import Context
from cmagent.agent.main import cancelled
from cmagent.agent.main import unexpected_failure
from cmagent.agent.options import ConnectOptions
from cmagent.agent.output import Result
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.errors import joined
from cmagent.machine import channel
from cmagent.machine import clockskew
from cmagent.machine import clones
from cmagent.machine import connection
from cmagent.machine import lock
from cmagent.machine.connection import CloudEndpoints
from cmagent.machine.connection import Connection
from cmagent.machine.connection import Identity
from cmagent.wire.arm import Arm
from cmagent.wire.arm import ArmError
from cmagent.wire.arm import machine_id
from cmagent.wire.http import AgentSession

if TYPE_CHECKING:
    from cmagent.agent.progress import Bar

STEPS = ("validate", "state", "himds", "cloud", "network-check", "authenticate", "subscription",
         "providers", "resource-group", "rsa-key", "resource-exists", "create",
         "identity-certificate", "local-configuration")


class Onboarding:
    """One connect run: what it knows so far and what it created (for the rollback)."""

    def __init__(self, context: Context[ConnectOptions]) -> None:
        self.context = context
        self.started = time.monotonic()
        self.correlation_id = context.options.correlation_id or str(uuid.uuid4())
        self.phase = "validate"
        self.resource_id = ""
        self.vm_id = ""
        self.sent_create = False  # the create request left; its answer may never arrive
        self.created = False
        self.saved_locally = False
        self.created_group = False  # left in place by a rollback (others may use it by then)
        self.left_behind: bool | None = False
        self.bar: Bar | None = None  # the progress bar, on a terminal
        self.earlier = results.previous(context.paths, "connect")  # before this run's record
        self.unfinished = connect_undo.unfinished(self.earlier)  # carried until seen gone
        self.deleted_earlier: list[str] = []  # what this run deleted of an unfinished one's
        self.flags: connect_flags.Flags
        self.http: AgentSession
        self.cloud: CloudEndpoints
        self.arm: Arm

    def step(self, phase: str, message: Localized | None = None) -> None:
        self.phase = phase
        if message:
            log.info(message)
        self._progress(phase)

    def _progress(self, phase: str) -> None:
        """On a terminal (and not with --json) a bar shows the current step, as the real agent
        draws it, and the log lines print above it; elsewhere the INFO lines are the
        progress."""
        if self.bar is None:
            run_log = log.current()
            stream = run_log.console if run_log else None
            if stream is None or self.context.options.json or \
                    not getattr(stream, "isatty", lambda: False)():
                return
            from cmagent.agent.progress import Bar

            self.bar = Bar(stream, STEPS)
            run_log.console_through(self.bar.write)  # type: ignore[union-attr]
        self.bar.show(phase)

    def end_progress(self, succeeded: bool) -> None:
        if self.bar is not None:
            self.bar.finish(succeeded)
            run_log = log.current()
            if run_log is not None:
                run_log.console_through(None)
            self.bar = None

    def run(self) -> Result:
        self.flags = connect_flags.validate(self.context)
        self.step("state")
        not_connected(self.context)
        self.step("himds")
        channel.ask(self.context.paths, channel.PING)
        self.http = azure.session(self.context, self.started + azure.DEADLINE_SECONDS)
        self.step("cloud", Localized(
            "Connecting machine to Azure... This might take a few minutes.",
            "マシンを Azure に接続しています... 数分かかる場合があります。"))
        self.cloud = azure.resolve_cloud(self.flags.cloud, self.http, self.flags.cloud_given_as)
        log.info(Localized("Cloud: %s", "クラウド: %s"), self.cloud.name)
        self._precheck()
        self.step("authenticate")
        token = azure.sign_in(self.context, self.cloud, self.http, self.flags.tenant)
        return self._onboard(token)

    def _precheck(self) -> None:
        options = self.context.options
        if options.ignore_network_check or options.skip_network_check:
            log.debug("Network pre-check skipped (--ignore-network-check)")
            return
        self.step("network-check", Localized(
            "Testing connectivity to endpoints that are needed to connect to Azure... This "
            "might take a few minutes.",
            "Azure への接続に必要なエンドポイントとの通信をテストしています... 数分かかる場合が"
            "あります。"))
        connect_flags.network_precheck(self.context, self.cloud, self.flags)

    def _onboard(self, token: str) -> Result:
        self.arm = Arm(self.http, self.cloud.arm, token, self.correlation_id)
        self.step("subscription")
        subscription = connect_flags.subscription_id(self.arm, self.flags.subscription)
        self.step("providers")
        connect_flags.register_providers(self.arm, subscription)
        self.step("resource-group")
        self.created_group = connect_flags.ensure_group(self.arm, subscription, self.flags.group,
                                                        self.flags.location)
        self.step("rsa-key")
        key_pem, public_key = _new_key()
        self.vm_id = str(uuid.uuid4())
        created = self._create(subscription, public_key)
        return self._finish(subscription, created, key_pem)

    def _create(self, subscription: str, public_key: str) -> dict[str, Any]:
        self.resource_id = machine_id(subscription, self.flags.group, self.flags.name)
        self.step("resource-exists")
        try:
            self._check_free()
            self.unfinished = [left for left in self.unfinished  # the name is free: what
                               if str(left["resourceId"]).lower() != self.resource_id.lower()]
            # was left under it is gone
            self.step("create", Localized(
                f"Creating resource in Azure...   Correlation ID={self.correlation_id} "
                f"Resource ID={self.resource_id}",
                f"Azure にリソースを作成しています...   Correlation ID={self.correlation_id} "
                f"Resource ID={self.resource_id}"))
            results.started(self.context.paths, "connect", self.facts())
            self.sent_create = True
            created = self.arm.put_machine(self.resource_id,
                                           _body(self.flags, self.vm_id, public_key))
        except ArmError as error:
            if self.phase == "create" and _taken_meanwhile(error):
                self.sent_create = False  # refused: nothing of this run's was made
                raise AzcmError(codes.RESOURCE_EXISTS, Localized(
                    f"{self.resource_id} was created by another machine while this connect "
                    "ran (after the name was found free).",
                    f"{self.resource_id} は、この connect の実行中 (名前が使用されていないことを"
                    "確認した後) に別のマシンによって作成されました。"),
                    quoted=f"{error.code}: {error.message}") from None
            raise azure.arm_failure(error, "get" if self.phase == "resource-exists"
                                    else "create") from None
        self.created = True
        return created

    def _check_free(self) -> None:
        existing = self.arm.machine(self.resource_id)
        if existing is not None:
            earlier = connect_undo.earlier_run_sentence(existing, self.earlier)
            if earlier is not None and connect_undo.clear_earlier(self.arm, self.resource_id,
                                                                  existing):
                self.deleted_earlier.append(self.resource_id)  # said in --json and the record
                return  # what an unfinished connect of this machine left is gone: free now
            raise AzcmError(codes.RESOURCE_EXISTS, joined(Localized(
                f"{self.resource_id} already exists.", f"{self.resource_id} は既に存在します。"),
                earlier))

    def facts(self) -> dict[str, Any]:
        return {"phase": self.phase, "resourceId": self.resource_id, "vmId": self.vm_id,
                "correlationId": self.correlation_id, "earlierUnfinished": self.unfinished,
                **({"deletedEarlier": self.deleted_earlier} if self.deleted_earlier else {})}

    def _finish(self, subscription: str, created: dict[str, Any], key_pem: bytes) -> Result:
        self.step("identity-certificate")
        his_base = connect_flags.regional_his(self.http, self.cloud, self.flags.location)
        certificate = connect_flags.identity_certificate(self.http, his_base, self.vm_id,
                                                         key_pem)
        self.step("local-configuration")
        record = _record_of(self.flags, self.cloud, subscription, created, self.vm_id, his_base,
                            certificate, self.correlation_id)
        self.saved_locally = True
        connection.save_identity(self.context.paths, key_pem, certificate["certificate"])
        connection.save(self.context.paths, record)
        first = channel.ask(self.context.paths, channel.RELOAD)
        if first.get("error") and not isinstance(first["error"], dict):
            raise AzcmError(codes.HIMDS_COMMUNICATION_FAILED, Localized(
                "The agent service (himds) refused the new connection.",
                "エージェント サービス (himds) が新しい接続を拒否しました。"),
                quoted=str(first["error"]), remedy="refused",
                himdsLog=channel.himds_log(self.context.paths))
        if isinstance(first.get("error"), dict):
            _warn_first_heartbeat(first)
        log.info(Localized("Connected machine to Azure", "マシンを Azure に接続しました"))
        log.info(Localized("Machine overview page: %s", "マシンの概要ページ: %s"),
                 record.portal_page)
        data = {"status": "success", "resourceId": self.resource_id,
                "correlationId": self.correlation_id, "portalPage": record.portal_page,
                **({"deletedEarlier": self.deleted_earlier} if self.deleted_earlier else {}),
                "agentStatus": first.get("status", "")}
        done = Localized(f"Connected machine to Azure: {self.resource_id}",
                         f"マシンを Azure に接続しました: {self.resource_id}")
        return Result(done.pick(self.context.env.lang), data)

    def rollback(self) -> connect_undo.Undo:
        """Undo what this run did, Azure first (local files that cannot be removed must not
        keep a resource there); what was undone, and the sentence to add to the error."""
        undone = connect_undo.Undo()
        if self.sent_create:
            undone = connect_undo.undo_create(self.arm, self.resource_id, self.vm_id,
                                              self.created)
            self.left_behind = undone.left_behind
        if self.saved_locally:
            undone.sentence = joined(undone.sentence, self._forget_locally())
        if self.created_group:
            undone.sentence = joined(undone.sentence, _group_left(self.flags.group))
        return undone

    def _forget_locally(self) -> Localized | None:
        """The connection's files removed and himds told (it may hold the connection already:
        it must not heartbeat for, or hand out tokens of, a resource that is gone)."""
        try:
            connect_undo.forget_connection(self.context.paths)
        except AzcmError as error:
            log.error("%s", error.detail_text("en"))
            return Localized(
                f"{error.detail_text('en')} Run 'azcmagent disconnect --force-local-only' once "
                "that is mended.",
                f"{error.detail_text('ja')}原因を解消してから 'azcmagent disconnect "
                "--force-local-only' を実行してください。")
        return None


def _group_left(group: str) -> Localized:
    return Localized(
        f"The resource group {group}, created by this run, was left in place (delete it with "
        f"'az group delete --name {group}' if nothing else uses it).",
        f"この実行で作成したリソース グループ {group} はそのまま残しています (ほかに使用"
        f"していなければ 'az group delete --name {group}' で削除してください)。")


def run(context: Context[ConnectOptions]) -> Result:
    if context.options.dry_run:  # reads only: no lock, no result file
        from cmagent.agent.commands import connect_dry_run

        return connect_dry_run.run(context)
    with lock.exclusive(context.paths, "connect"):
        onboarding = Onboarding(context)
        results.started(context.paths, "connect", onboarding.facts())
        try:
            result = onboarding.run()
        except AzcmError as error:
            onboarding.end_progress(False)
            raise _failed(onboarding, error) from None
        except KeyboardInterrupt as interrupt:
            onboarding.end_progress(False)
            step = phases.named(onboarding.phase)
            raise _failed(onboarding, cancelled(interrupt, Localized(
                f"Interrupted at step {step.en}.", f"手順 {step.ja} で中断されました。"))) from None
        except Exception:  # (an answer nobody foresaw: what was made is still undone)
            onboarding.end_progress(False)
            raise _failed(onboarding, unexpected_failure()) from None
        onboarding.end_progress(True)
        _record(context, onboarding, codes.SUCCESS)
        return result


def _taken_meanwhile(error: ArmError) -> bool:
    """The create met a machine of another vmId under the name: two machines raced for it."""
    return error.status == 400 and "vmid" in error.message.lower()


def _warn_first_heartbeat(first: dict[str, Any]) -> None:
    """The connection stands; its first heartbeat failed, or himds goes on waiting for it."""
    if first["error"].get("code") != "pending":
        failed = Localized("The first heartbeat failed: %s", "最初のハートビートが失敗しました: %s")
        log.warning(failed, first["error"].get("message"))
        return
    waited = round(float(first.get("waitedSeconds") or 0))
    log.warning(Localized(
        f"The first heartbeat has no answer after {waited} s; himds goes on sending it, and "
        "'azcmagent show' says Connected once it is answered.",
        f"最初のハートビートの応答を {waited} 秒待っても受信していません。himds は送信を続けます。"
        "応答を受信すると 'azcmagent show' に Connected と表示されます。"))


def _failed(onboarding: Onboarding, error: AzcmError) -> AzcmError:
    """Roll back, record the truth of what is left, and the error to raise (with the clock
    named as the likely cause when it is off and could be)."""
    http = getattr(onboarding, "http", None)
    error = clockskew.explain(error, http.clock if http else None,
                              onboarding.context.env.environ)
    undone = onboarding.rollback()
    _record(onboarding.context, onboarding, error.exit_status)
    facts: dict[str, Any] = {"resourceLeftBehind": undone.left_behind} \
        if onboarding.sent_create else {}
    if undone.sentence is None:
        return error.refined(error.detail, **facts) if facts else error
    if undone.left_behind is not False:
        remedy: str | None = "resource-left"
    else:
        deleted = undone.deleted and error.entry.code == codes.SIGNED_MESSAGE_FAILED
        # (the clock's remedy, when the clock explains the failure, stays the one to follow)
        remedy = "resource-deleted" if deleted and error.remedy_variant != "clock-off" else None
    return error.refined(joined(error.detail, undone.sentence), remedy=remedy, **facts)


def _record(context: Context[ConnectOptions], onboarding: Onboarding, code: int) -> None:
    results.write(context.paths, "connect", code, onboarding.started,
                  {**onboarding.facts(), "resourceLeftBehind": onboarding.left_behind})


def not_connected(context: Context[ConnectOptions]) -> None:
    current = connection.load(context.paths)
    if current is not None:
        raise AzcmError(codes.ALREADY_CONNECTED, Localized(
            f"It is connected to {current.resource_id}.",
            f"接続先は {current.resource_id} です。"))


def _new_key() -> tuple[bytes, str]:
    try:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    except Exception as error:  # the backend reports failures with several exception types
        raise AzcmError(codes.RSA_KEY_FAILED, quoted=str(error)) from None
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.PKCS1)
    return pem, base64.b64encode(der).decode()


def _body(flags: connect_flags.Flags, vm_id: str, public_key: str) -> dict[str, Any]:
    properties: dict[str, Any] = {"vmId": vm_id, "clientPublicKey": public_key,
                                  "osType": "linux"}
    if flags.private_link_scope:
        properties["privateLinkScopeResourceId"] = flags.private_link_scope
    if flags.automatic_upgrade:
        properties["agentUpgrade"] = {"enableAutomaticUpgrade": True}
    return {"location": flags.location, "identity": {"type": "SystemAssigned"},
            "tags": flags.tags, "properties": properties}


def _record_of(flags: connect_flags.Flags, cloud: CloudEndpoints, subscription: str,
               created: dict[str, Any], vm_id: str, his_base: str,
               certificate: dict[str, Any], correlation_id: str) -> Connection:
    identity = created.get("identity") or {}
    return Connection(
        resource_name=flags.name, resource_group=flags.group, subscription_id=subscription,
        tenant_id=str(identity.get("tenantId", flags.tenant)), location=flags.location,
        vm_id=vm_id, resource_id=str(created["id"]), correlation_id=correlation_id, cloud=cloud,
        his=his_base, private_link_scope=flags.private_link_scope, tags=flags.tags,
        identity=Identity(client_id=certificate["clientId"],
                          principal_id=certificate["principalId"],
                          tenant_id=certificate["tenantId"], authority=certificate["authority"],
                          certificate_not_after=certificate["notAfter"]),
        fingerprint=clones.facts())
