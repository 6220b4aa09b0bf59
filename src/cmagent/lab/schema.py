"""Scenario files checked against ``scenario.schema.json`` before anything runs, with an answer
that names the key (``steps[2].use``) and what it must be.

A small checker of the JSON Schema keywords that file uses (``type``, ``enum``, ``required``,
``properties``, ``additionalProperties``, ``items``, ``oneOf``, ``$ref``, bounds and
``dependentRequired``): the lab must not depend on a validation library to read a file, and a
library's messages name schema paths, not the user's keys.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).with_name("scenario.schema.json")
_TYPES = {"object": "a table", "array": "a list", "string": "a string",
          "integer": "a whole number", "number": "a number", "boolean": "true or false"}


@cache
def scenario_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text())
    return schema


def problem(document: Any) -> str | None:
    """What is wrong with ``document`` as a scenario, naming the key; None when nothing is."""
    root = scenario_schema()
    return _check(document, root, root, "")


def _check(value: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> str | None:
    if "$ref" in schema:
        return _check(value, _resolve(root, schema["$ref"]), root, where)
    if "oneOf" in schema:
        return _one_of(value, schema["oneOf"], root, where)
    for check in (_type, _enum, _bounds):
        found = check(value, schema, where)
        if found:
            return found
    if isinstance(value, dict):
        return _table(value, schema, root, where)
    if isinstance(value, list) and "items" in schema:
        return next((found for index, item in enumerate(value) if (
            found := _check(item, schema["items"], root, f"{where}[{index}]"))), None)
    return None


def _resolve(root: dict[str, Any], reference: str) -> dict[str, Any]:
    target: Any = root
    for part in reference.removeprefix("#/").split("/"):
        target = target[part]
    return dict(target)


def _named(where: str) -> str:
    return where or "the file"


def _is(value: Any, kind: str) -> bool:
    if kind == "integer":  # as JSON Schema counts them: 26.0 is one
        return (isinstance(value, int) and not isinstance(value, bool)) or \
            (isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool) and \
            math.isfinite(value)
    return isinstance(value, {"object": dict, "array": list, "string": str,
                              "boolean": bool}[kind])


def _type(value: Any, schema: dict[str, Any], where: str) -> str | None:
    kinds = schema.get("type")
    if kinds is None:
        return None
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if any(_is(value, kind) for kind in kinds):
        return None
    return f"{_named(where)} must be {' or '.join(_TYPES[k] for k in kinds)}, not " \
           f"{_shown(value)}{_hint(value)}"


def _enum(value: Any, schema: dict[str, Any], where: str) -> str | None:
    choices = schema.get("enum")
    if choices is None or any(type(value) is type(c) and value == c for c in choices):
        return None
    return f"{_named(where)} must be one of {', '.join(map(str, choices))}, not " \
           f"{_shown(value)}{_hint(value)}"


def _bounds(value: Any, schema: dict[str, Any], where: str) -> str | None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if _is(value, "number") and ((low is not None and value < low) or
                                 (high is not None and value > high)):
        return f"{_named(where)} must be from {low} to {high}, not {value}"
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        return f"{_named(where)} must not be empty"
    if isinstance(value, list) and len(value) < schema.get("minItems", 0):
        return f"{_named(where)} must hold at least {schema['minItems']} item(s)"
    return None


def _table(value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any],
           where: str) -> str | None:
    prefix = f"{where}." if where else ""
    properties = schema.get("properties", {})
    missing = [key for key in schema.get("required", []) if key not in value]
    if missing:
        return f"{_named(where)}: missing key {prefix}{missing[0]}"
    if not schema.get("minProperties", 0) <= len(value) <= schema.get("maxProperties", 1 << 30):
        return f"{_named(where)} must hold exactly one of {', '.join(properties)}"
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if key in properties:
            found = _check(item, properties[key], root, f"{prefix}{key}")
        elif extra is False:
            found = f"unknown key {prefix}{key} (known: {', '.join(sorted(properties))})"
        else:
            found = _check(item, extra, root, f"{prefix}{key}") if isinstance(extra, dict) \
                else None
        if found:
            return found
    for key, needed in schema.get("dependentRequired", {}).items():
        if key in value and any(other not in value for other in needed):
            return f"{_named(where)}: give {key} and {', '.join(needed)} together, or neither"
    return None


def _one_of(value: Any, branches: list[dict[str, Any]], root: dict[str, Any],
            where: str) -> str | None:
    """The branch the value means (by its type, and for a table by its keys), checked."""
    resolved = [_resolve(root, b["$ref"]) if "$ref" in b else b for b in branches]
    fitting = [b for b in resolved if "type" not in b or _is(value, b["type"])]
    if not fitting:
        kinds = [_TYPES[b["type"]] for b in resolved if "type" in b]
        return f"{_named(where)} must be {' or '.join(kinds)}, not {_shown(value)}"
    if isinstance(value, dict) and len(fitting) > 1:
        keyed = [b for b in fitting if b.get("required") and set(b["required"]) <= set(value)]
        names = [key for b in fitting for key in b.get("required", [])]
        if len(keyed) != 1 and names:
            return f"{_named(where)} must hold exactly one of {', '.join(names)}"
        fitting = keyed or fitting
    return _check(value, fitting[0], root, where)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _hint(value: Any) -> str:
    if isinstance(value, bool):
        return " (YAML reads yes, no, on and off as true or false: quote the word)"
    return ""
