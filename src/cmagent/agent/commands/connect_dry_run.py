"""``azcmagent connect --dry-run``: every step of connect that only reads, each problem found
(not only the first), and the AZCM code and message the real connect would end with — the one
that connect would meet first, in its own order. Nothing is created, changed or deleted, on
the machine or in the cloud; no result file is written (the run log is, as for every run).

The checks, their ids and what each proves are in ``docs/preflight.md``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from cmagent.agent import azure
from cmagent.agent.cli import display_width
from cmagent.agent.commands import connect_dry_run_arm as arm_checks
from cmagent.agent.commands import connect_flags
from cmagent.agent.commands.connect import STEPS
from cmagent.agent.commands.connect import not_connected
from cmagent.agent.main import Context
from cmagent.agent.options import ConnectOptions
from cmagent.agent.output import Result
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.machine import channel
from cmagent.machine import clockskew
from cmagent.machine.connection import CloudEndpoints
from cmagent.wire.arm import Arm
from cmagent.wire.arm import machine_id
from cmagent.wire.http import AgentSession


class Check:
    """One check's outcome: passed, failed (with the error connect would raise at step
    ``surfaces``), warning or skipped."""

    __slots__ = ("_quoted", "detail", "error", "id", "outcome", "surfaces")

    def __init__(self, check_id: str, outcome: str, detail: str | Localized = "",
                 error: AzcmError | None = None, surfaces: str = "",
                 quoted: str | None = None) -> None:
        self.id = check_id
        self.outcome = outcome
        self.detail = detail
        self.error = error
        self.surfaces = surfaces
        self._quoted = quoted  # a warning's outside text; a failure's is its error's

    @property
    def quoted(self) -> str | None:
        """The service's own words, if it said any."""
        return self.error.quoted if self.error is not None else self._quoted

    def text(self, lang: str) -> str:
        if self.error is not None:
            return f"{self.error.code}: {self.error.message(lang)}"
        return self.detail.pick(lang) if isinstance(self.detail, Localized) else self.detail

    def to_json(self, lang: str) -> dict[str, Any]:
        document = {"id": self.id, "outcome": self.outcome, "message": self.text(lang)}
        if self.quoted:
            document["details"] = self.quoted
        if self.error is not None:
            document["code"] = self.error.code
        return document


class Stop(Exception):
    """A check failed that every later check needs."""


class DryRun:
    def __init__(self, context: Context[ConnectOptions]) -> None:
        self.context = context
        self.checks: list[Check] = []
        self.flags: connect_flags.Flags
        self.http: AgentSession
        self.cloud: CloudEndpoints
        self.arm: Arm
        self.subscription = ""
        self.group_exists = False
        self.permissions_at: dict[str, list[dict[str, Any]] | None] = {}

    # --- recording ---------------------------------------------------------------------------

    def passed(self, check_id: str, en: str, ja: str) -> None:
        self.checks.append(Check(check_id, "passed", Localized(en, ja)))

    def warned(self, check_id: str, en: str, ja: str, quoted: str | None = None) -> None:
        self.checks.append(Check(check_id, "warning", Localized(en, ja), quoted=quoted))

    def failed(self, check_id: str, error: AzcmError, surfaces: str) -> None:
        http = getattr(self, "http", None)
        error = clockskew.explain(error, http.clock if http else None,
                                  self.context.env.environ)
        self.checks.append(Check(check_id, "failed", error=error, surfaces=surfaces))

    def skipped(self, check_id: str, en: str, ja: str) -> None:
        self.checks.append(Check(check_id, "skipped", Localized(en, ja)))

    def attempt(self, check_id: str, surfaces: str, check: Any, *, fatal: bool = False) -> Any:
        """Run ``check``; its AzcmError becomes this check's failure (and, if ``fatal``, the
        end of the run)."""
        try:
            return check()
        except AzcmError as error:
            self.failed(check_id, error, surfaces)
            if fatal:
                raise Stop from None
            return None

    # --- the checks, in connect's order ------------------------------------------------------

    def run(self) -> None:
        try:
            self.flags = self.attempt("flags", "validate", lambda: connect_flags.validate(
                self.context), fatal=True)
            self.passed("flags", "The flags are complete and valid.",
                        "フラグはすべてそろっていて有効です。")
            self._machine()
            self._sign_in()
            self._subscription()
            self._cloud_side()
        except Stop:
            pass
        if hasattr(self, "http"):  # after sign-in: a built-in cloud is known without a call
            self._clock()

    def _machine(self) -> None:
        self.attempt("not-connected", "state", lambda: not_connected(self.context))
        if not self._last_failed():
            self.passed("not-connected", "This machine is not connected yet.",
                        "このマシンはまだ接続されていません。")
        self.attempt("himds", "himds", lambda: channel.ask(self.context.paths, channel.PING))
        if not self._last_failed():
            self.passed("himds", "The agent service (himds) answers.",
                        "エージェント サービス (himds) が応答しました。")

    def _sign_in(self) -> None:
        self.http = azure.session(self.context, time.monotonic() + azure.DEADLINE_SECONDS)
        self.cloud = self.attempt("cloud", "cloud", lambda: azure.resolve_cloud(
            self.flags.cloud, self.http, self.flags.cloud_given_as), fatal=True)
        where = self.cloud.name if self.cloud.name == self.cloud.arm \
            else f"{self.cloud.name}: {self.cloud.arm}"
        self.passed("cloud", f"Cloud {where}", f"クラウド {where}")
        self._network()
        token = self.attempt("sign-in", "authenticate", lambda: azure.sign_in(
            self.context, self.cloud, self.http, self.flags.tenant), fatal=True)
        method = azure.method(self.context)
        self.passed("sign-in", f"Signed in ({method}).",
                    f"{_METHODS_JA.get(method, method)}でサインインしました。")
        correlation = self.context.options.correlation_id or str(uuid.uuid4())
        self.arm = Arm(self.http, self.cloud.arm, token, correlation)

    def _clock(self) -> None:
        observed = self.http.clock
        if observed.offset is None:
            self.warned("clock", "No answer of the cloud carried a Date: the clock was not "
                        "compared.", "Date ヘッダーを含むクラウドの応答がなかったため、時刻を比較"
                        "していません。")
        elif (cause := clockskew.likely_cause(observed, self.context.env.environ)) is not None:
            self.warned("clock", cause.en, cause.ja)
        else:
            offset = clockskew.span(observed.offset)
            self.passed("clock", f"The clock is within {offset.en} of {observed.host}.",
                        f"このマシンの時刻と {observed.host} の差は {offset.ja} 以内です。")

    def _network(self) -> None:
        options = self.context.options
        if options.ignore_network_check or options.skip_network_check:
            self.skipped("network", "Skipped: --ignore-network-check.",
                         "スキップしました: --ignore-network-check。")
            return
        self.attempt("network", "network-check", lambda: connect_flags.network_precheck(
            self.context, self.cloud, self.flags))
        if not self._last_failed():
            self.passed("network", "Every endpoint connect needs is reachable.",
                        "接続に必要なすべてのエンドポイントに到達できます。")

    def _subscription(self) -> None:
        self.subscription = self.attempt("subscription", "subscription", lambda: (
            connect_flags.subscription_id(self.arm, self.flags.subscription)), fatal=True)
        self.passed("subscription", f"Subscription {self.subscription}.",
                    f"サブスクリプション {self.subscription} を使用します。")

    def _cloud_side(self) -> None:
        arm_checks.group(self)
        arm_checks.providers(self)
        arm_checks.location(self)
        arm_checks.resource_name(self)
        arm_checks.permissions(self)
        self.skipped("identity-certificate", "Not checked: the Hybrid Identity Service issues "
                     "the certificate only for a resource that exists.",
                     "確認していません: Hybrid Identity Service は、存在するリソースにのみ証明書を"
                     "発行します。")

    def _last_failed(self) -> bool:
        return bool(self.checks) and self.checks[-1].outcome == "failed"

    # --- the verdict -------------------------------------------------------------------------

    @property
    def resource_id(self) -> str:
        return machine_id(self.subscription, self.flags.group, self.flags.name)

    def first_problem(self) -> Check | None:
        failures = [c for c in self.checks if c.outcome == "failed"]
        return min(failures, key=lambda c: STEPS.index(c.surfaces), default=None)


def run(context: Context[ConnectOptions]) -> Result:
    dry = DryRun(context)
    dry.run()
    lang = context.env.lang
    report = _report(dry, lang)
    first = dry.first_problem()
    if first is None or first.error is None:
        return report
    first.error.report = report
    raise first.error


_OUTCOMES_JA = {"passed": "成功", "failed": "失敗", "warning": "警告", "skipped": "スキップ"}
_METHODS_JA = {"service-principal": "サービス プリンシパル", "device-code": "デバイス コード",
               "access-token": "アクセス トークン", "azcli": "Azure CLI の資格情報"}


def _report(dry: DryRun, lang: str) -> Result:
    failures = [c for c in dry.checks if c.outcome == "failed"]
    lines = [("接続のドライ ラン: 作成、変更、削除したものはありません。" if lang == "ja" else
              "Dry run of connect: nothing was created, changed or deleted.")]
    for check in dry.checks:
        outcome = _OUTCOMES_JA[check.outcome] if lang == "ja" else \
            check.outcome.upper() if check.outcome == "failed" else check.outcome
        padding = " " * max(0, 8 - display_width(outcome))  # a Japanese word is twice as wide
        lines.append(f"  {outcome}{padding} {check.id:<21} {check.text(lang)}")
        if check.quoted:
            lines.append(f"  {'':<8} {'':<21} {'詳細' if lang == 'ja' else 'Details'}: "
                         f"{check.quoted}")
    if not failures:
        lines.append("connect は成功する見込みです。" if lang == "ja" else
                     "connect would succeed.")
    else:
        lines.append(f"connect は失敗する見込みです ({len(failures)} 件の問題)。最初に発生する"
                     "問題:"
                     if lang == "ja" else
                     f"connect would fail ({len(failures)} problem(s) found); the first it "
                     "would meet:")
    data = {"dryRun": True, "wouldSucceed": not failures,
            "checks": [c.to_json(lang) for c in dry.checks],
            "problems": [c.error.code for c in failures if c.error is not None]}
    if not failures:
        data.update(status="success", message="connect would succeed")
    return Result("\n".join(lines), data)
