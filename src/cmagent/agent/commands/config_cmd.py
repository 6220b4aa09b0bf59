"""``azcmagent config list|get|set|clear|info``: the agent's local settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cmagent.agent import log
from cmagent.agent.main import Context
from cmagent.agent.options import ConfigSetOptions
from cmagent.agent.options import InfoOptions
from cmagent.agent.options import NoOptions
from cmagent.agent.options import PropertyOptions
from cmagent.agent.output import Result
from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes
from cmagent.machine import lock
from cmagent.machine import settings

_WIDTH = 54


def list_settings(context: Context[NoOptions]) -> Result:
    values = settings.effective(settings.load(context.paths))
    lines = ["ローカル構成設定" if context.env.lang == "ja" else "Local Configuration Settings"]
    for prop in settings.PROPERTIES:
        lines.append(f"  {prop.label:<{_WIDTH}}: {settings.display(values[prop.name])}")
    data = {"LocalSettings": [{"Key": p.name, "Value": settings.public(values[p.name])}
                              for p in settings.PROPERTIES]}
    return Result("\n".join(lines), data)


def get_setting(context: Context[PropertyOptions]) -> Result:
    prop = settings.lookup(context.options.property)
    value = settings.effective(settings.load(context.paths))[prop.name]
    return Result(settings.display(value), {"Key": prop.name, "Value": settings.public(value)})


def set_setting(context: Context[ConfigSetOptions]) -> Result:
    prop = settings.lookup(context.options.property)
    raw = context.options.value
    if raw is None:
        raise AzcmError(codes.MISSING_PARAMETER, "<value>")
    with _changing(context, prop) as stored:
        new_value = _combine(prop, stored, settings.parse(prop, raw), context)
        stored[prop.name] = new_value
    shown = settings.display(new_value)
    log.debug("Local setting %s set to %s", prop.name, shown)
    return Result(Localized(f"Config property {prop.name} set to value {shown}",
                            f"構成プロパティ {prop.name} を値 {shown} に設定しました").pick(
                  context.env.lang),
                  {"status": "success", "Key": prop.name, "Value": settings.public(new_value)})


def clear_setting(context: Context[PropertyOptions]) -> Result:
    prop = settings.lookup(context.options.property)
    with _changing(context, prop) as stored:
        stored.pop(prop.name, None)
    log.debug("Local setting %s cleared", prop.name)
    default = settings.display(prop.default)
    return Result(Localized(f"Config property {prop.name} cleared; value is now {default}",
                            f"構成プロパティ {prop.name} を既定値 ({default or 'なし'}) に戻し"
                            "ました").pick(context.env.lang),
                  {"status": "success", "Key": prop.name, "Value": prop.default})


@contextmanager
def _changing(context: Context[Any], prop: settings.Property) -> Iterator[dict[str, Any]]:
    """The stored settings to change, read, checked and written back under their lock (two
    'config set' at once both count); then a running himds reads them again (a proxy counts
    without a restart, as the real agent's does; a stopped one reads them when it starts)."""
    from cmagent.machine import channel

    with lock.settings_change(context.paths):
        stored = settings.load(context.paths)
        settings.check_unlocked(prop, stored)
        yield stored
        settings.save(context.paths, _without_defaults(stored))
    try:
        channel.ask(context.paths, channel.SETTINGS, timeout=5.0)
    except AzcmError:
        log.debug("himds did not answer; it reads the settings when it starts")


def info(context: Context[InfoOptions]) -> Result:
    name = context.options.property
    props = [settings.lookup(name)] if name else list(settings.PROPERTIES)
    blocks = [_described(p, context.env.lang) for p in props]
    data = [{"DisplayName": p.name, "Description": p.description, "AllowedValues": p.allowed,
             "DefaultValue": p.default, "MultiValued": p.multi, "Preview": p.preview}
            for p in props]
    return Result("\n\n".join(blocks), data)


def _described(prop: settings.Property, lang: str) -> str:
    default = settings.display(prop.default)
    if lang != "ja":
        return (f"{prop.label}\n  {prop.description}\n  Allowed values: {prop.allowed}\n"
                f"  Default: {default}")
    from cmagent.agent.commands.settings_ja import TEXTS

    description, allowed = TEXTS[prop.name]
    label = f"{prop.name} (プレビュー)" if prop.preview else prop.name
    return f"{label}\n  {description}\n  使用できる値: {allowed}\n  既定値: {default or '(なし)'}"


def _combine(prop: settings.Property, stored: dict[str, Any], values: Any,
             context: Context[ConfigSetOptions]) -> Any:
    add, remove = context.options.add, context.options.remove
    if (add or remove) and not prop.multi:
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"--add and --remove apply only to multi-valued settings; {prop.name} takes one value.",
            f"--add と --remove は複数の値を取る設定にのみ使用できます。{prop.name} は値を 1 つ"
            "だけ取ります。",
        ))
    if add and remove:
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            "--add and --remove cannot be used together.",
            "--add と --remove は同時に指定できません。"), remedy="combination")
    current = list(stored.get(prop.name, prop.default)) if prop.multi else None
    if add:
        return list(dict.fromkeys([*(current or []), *values]))
    if remove:
        return [item for item in current or [] if item not in values]
    return values


def _without_defaults(stored: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stored.items() if v != settings.BY_NAME[k].default}
