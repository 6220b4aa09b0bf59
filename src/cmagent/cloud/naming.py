"""ARM's rule for resource group names as a plain predicate: the cloud's client commands
(``quickstart``) check a name without loading the server stack that ``arm.names`` refuses with."""

from __future__ import annotations

import re

GROUP_NAME = re.compile(r"^[-\w._()]{1,90}\Z")


def is_group_name(name: str) -> bool:
    """1-90 letters (of any script), digits, '_', '-', '.', '(' or ')', not ending in '.'."""
    return bool(GROUP_NAME.match(name)) and not name.endswith(".")
