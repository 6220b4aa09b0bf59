"""The dry run's checks against the resource manager, after sign-in: the resource group, the
resource providers, the location, the resource name, and the principal's permissions (ARM's
permissions API, the same role assignments that decide the real requests). Each failure carries
the error the real connect would raise and the step where it would meet it."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from cmagent.agent import azure
from cmagent.agent import results
from cmagent.agent.commands import connect_undo
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.errors import joined
from cmagent.wire.arm import PROVIDERS
from cmagent.wire.arm import ArmError
from cmagent.wire.arm import permits

if TYPE_CHECKING:
    from cmagent.agent.commands.connect_dry_run import DryRun

READ = "Microsoft.HybridCompute/machines/read"
WRITE = "Microsoft.HybridCompute/machines/write"
REGISTER = "Microsoft.HybridCompute/register/action"
CREATE_GROUP = "Microsoft.Resources/subscriptions/resourceGroups/write"
CREATE_FAILED = "Failed to AzcmagentConnect ARM resource"


def _subscription_scope(dry: DryRun) -> str:
    return f"/subscriptions/{dry.subscription}"


def _permissions(dry: DryRun, scope: str) -> list[dict[str, Any]] | None:
    """The caller's permissions at ``scope``, asked once per run (None: could not be read)."""
    if scope not in dry.permissions_at:
        try:
            dry.permissions_at[scope] = dry.arm.permissions(scope)
        except ArmError:
            dry.permissions_at[scope] = None
    return dry.permissions_at[scope]


def group(dry: DryRun) -> None:
    """Whether the group exists, asked through the permissions API (which needs no role:
    reading the group itself may be denied to an onboarding principal)."""
    name = dry.flags.group
    group_scope = f"{_subscription_scope(dry)}/resourceGroups/{name}"
    try:
        dry.arm.permissions(group_scope)
        dry.group_exists = True
    except ArmError as error:
        if error.code != "ResourceGroupNotFound":
            dry.warned("resource-group", f"Cannot tell whether resource group {name} exists.",
                       f"リソース グループ {name} が存在するか判断できません。", error.message)
            return
    if dry.group_exists:
        dry.passed("resource-group", f"Resource group {name} exists.",
                   f"リソース グループ {name} は存在します。")
    elif permits(_permissions(dry, _subscription_scope(dry)) or [], CREATE_GROUP):
        dry.passed("resource-group", f"Resource group {name} does not exist; connect will "
                   "create it.", f"リソース グループ {name} は存在しません。connect が作成します。")
    else:
        dry.failed("resource-group", AzcmError(codes.CREATE_RESOURCE_FAILED, Localized(
            f"Resource group {name} does not exist, and the principal may not create it "
            f"({CREATE_GROUP}).",
            f"リソース グループ {name} は存在せず、プリンシパルには作成する権限がありません "
            f"({CREATE_GROUP})。"),
            quoted=f"{CREATE_FAILED}: Resource group '{name}' could not be found."), "create")


def providers(dry: DryRun) -> None:
    states = {namespace: _registration(dry, namespace) for namespace in PROVIDERS}
    missing = [n for n, state in states.items() if state != "Registered"]
    hybrid = states["Microsoft.HybridCompute"]
    if not missing:
        dry.passed("providers", "The resource providers are registered.",
                   "リソース プロバイダーは登録済みです。")
    elif hybrid in ("Registered", "unknown") or permits(
            _permissions(dry, _subscription_scope(dry)) or [], REGISTER):
        listed = ", ".join(f"{n} ({states[n]})" for n in missing)
        listed_ja = "、".join(f"{n} ({_STATE_JA.get(states[n], states[n])})" for n in missing)
        dry.warned("providers", f"Not known to be registered: {listed}; connect registers "
                   "them where it may.", f"登録を確認できません: {listed_ja}。connect は権限が"
                   "あれば登録します。")
    else:
        dry.failed("providers", AzcmError(codes.CREATE_RESOURCE_FAILED, Localized(
            "The principal may not register the resource provider "
            "(Microsoft.HybridCompute/register/action): register it with az provider register "
            "--namespace Microsoft.HybridCompute.",
            "プリンシパルにはリソース プロバイダーを登録する権限がありません "
            "(Microsoft.HybridCompute/register/action)。az provider register --namespace "
            "Microsoft.HybridCompute で登録してください。"),
            quoted=f"{CREATE_FAILED}: The subscription is not registered to use namespace "
                   "'Microsoft.HybridCompute'."), "create")


_STATE_JA = {"unknown": "不明", "NotRegistered": "未登録", "Registering": "登録中",
             "Unregistering": "登録解除中"}


def _registration(dry: DryRun, namespace: str) -> str:
    try:
        return dry.arm.registration(dry.subscription, namespace)
    except ArmError:  # reading providers may be denied to an onboarding principal
        return "unknown"


def location(dry: DryRun) -> None:
    wanted = dry.flags.location
    try:
        known = dry.arm.locations(dry.subscription)
    except ArmError as error:
        dry.warned("location", "Cannot list the subscription's locations.",
                   "サブスクリプションのリージョンの一覧を取得できません。", error.message)
        return
    if wanted in known:
        dry.passed("location", f"Location {wanted} exists.",
                   f"リージョン {wanted} はこのサブスクリプションで使用できます。")
        return
    dry.failed("location", AzcmError(codes.UNKNOWN_REGION, Localized(
        f"The location {wanted} is not available to subscription {dry.subscription}.",
        f"リージョン {wanted} はサブスクリプション {dry.subscription} では使用できません。"),
        quoted=f"{CREATE_FAILED}: The location '{wanted}' is not available to subscription "
               f"{dry.subscription}."), "create")


def resource_name(dry: DryRun) -> None:
    """The same read connect makes before it creates: the name must be free."""
    try:
        existing = dry.arm.machine(dry.resource_id) if dry.group_exists else None
    except ArmError as error:
        dry.failed("resource-name", azure.arm_failure(error, "get"), "resource-exists")
        return
    if existing is None:
        dry.passed("resource-name", f"The name {dry.flags.name} is valid and free.",
                   f"名前 {dry.flags.name} は有効で、使用されていません。")
        return
    earlier = connect_undo.earlier_run_sentence(
        existing, results.previous(dry.context.paths, "connect"))
    dry.failed("resource-name", AzcmError(codes.RESOURCE_EXISTS, joined(Localized(
        f"{dry.resource_id} already exists.", f"{dry.resource_id} は既に存在します。"),
        earlier)), "resource-exists")


def permissions(dry: DryRun) -> None:
    scope = dry.resource_id if dry.group_exists else _subscription_scope(dry)
    try:
        granted = dry.arm.permissions(scope)
    except ArmError as error:
        dry.warned("permissions", "Cannot read the principal's permissions.",
                   "プリンシパルのアクセス許可を読み取れません。", error.message)
        return
    lacking = [action for action in (READ, WRITE) if not permits(granted, action)]
    if not lacking:
        dry.passed("permissions", f"The principal may read and write machines at {scope}.",
                   f"プリンシパルは {scope} でマシンの読み取りと書き込みができます。")
        return
    actions = ", ".join(f"'{action}'" for action in lacking)
    dry.failed("permissions", AzcmError(codes.CREATE_RESOURCE_FAILED, Localized(
        f"The principal may not perform {actions} at {scope}: give it the 'Azure Connected "
        "Machine Onboarding' role on the resource group.",
        f"プリンシパルには {scope} で {actions} を実行する権限がありません。リソース グループに"
        "対する 'Azure Connected Machine Onboarding' ロールを割り当ててください。"),
        quoted=f"{'Get ARM Resource Response' if READ in lacking else CREATE_FAILED}: The "
               f"client does not have authorization to perform action {actions} over scope "
               f"'{scope}'."), "resource-exists" if READ in lacking else "create")
