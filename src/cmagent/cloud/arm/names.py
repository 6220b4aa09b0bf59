"""ARM's naming rules for machines and resource groups, reserved words, and tag limits."""

from __future__ import annotations

import re
from typing import Any

from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.naming import is_group_name

MACHINE_NAME = re.compile(r"^[a-zA-Z0-9\-_.]{1,54}\Z")
# Trademarked words ARM refuses as a whole name; two more anywhere in it, two more as a prefix.
RESERVED_WHOLE = {"access", "app_code", "appservices", "azure", "azuredns", "bing", "bizspark",
                  "biztalk", "cortana", "directx", "dotnet", "dynamics", "excel", "exchange",
                  "forefront", "groove", "hololens", "hyperv", "kinect", "lync", "msdn", "o365",
                  "office", "office365", "onedrive", "onenote", "outlook", "powerpoint",
                  "sharepoint", "skype", "visio", "visualstudio"}
RESERVED_ANYWHERE = ("microsoft", "windows")
RESERVED_PREFIX = ("login", "xbox")
TAG_FORBIDDEN = set('<>%&\\?/')
MAX_TAGS = 50


def check_machine_name(name: str) -> None:
    """ARM's pattern for machines, and its rule for all names: no period at the end (so the
    path segments ``.`` and ``..``, which a client would normalise away, are no names)."""
    if not MACHINE_NAME.match(name) or name.endswith("."):
        raise arm_error(400, "InvalidResourceName",
                        f"Resource name {name} is invalid. The name can be up to 54 characters "
                        "in length, can contain letters, numbers, hyphens, underscores and "
                        "periods, and cannot end with a period.")
    _check_reserved(name)


def check_group_name(name: str) -> None:
    if not is_group_name(name):
        raise arm_error(400, "InvalidResourceGroupName",
                        f"Resource group name '{name}' is invalid. It can be up to 90 characters "
                        "of letters, digits, underscores, hyphens, periods and parentheses, and "
                        "cannot end with a period.")


def _check_reserved(name: str) -> None:
    lowered = name.lower()
    if lowered in RESERVED_WHOLE or any(word in lowered for word in RESERVED_ANYWHERE) \
            or lowered.startswith(RESERVED_PREFIX):
        raise arm_error(400, "ReservedResourceName",
                        f"The resource name '{name}' or a part of the name is a trademarked or "
                        "reserved word.")


def check_tags(tags: Any) -> dict[str, str]:
    if tags is None:
        return {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise arm_error(400, "InvalidRequestContent",
                        "The 'tags' property must be an object of string values.")
    if len(tags) > MAX_TAGS:
        raise arm_error(400, "InvalidTagCount",
                        f"The number of tags ({len(tags)}) exceeds the limit of {MAX_TAGS}.")
    for name, value in tags.items():
        if set(name) & TAG_FORBIDDEN or any(ord(c) < 32 for c in name):
            raise arm_error(400, "InvalidTagNameCharacters",
                            f"The tag names '{name}' have reserved characters "
                            "'<,>,%,&,\\,?,/' or control characters.")
        if len(name) > 512 or len(value) > 256:
            raise arm_error(400, "InvalidTagNameOrValueLength",
                            f"Tag name '{name[:40]}' is longer than 512 characters or its value "
                            "is longer than 256 characters.")
    return dict(tags)
