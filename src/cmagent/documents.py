"""Strict reading of the JSON and YAML files people write (azcmagent's --config files, the
lab's scenario files): a key given twice is refused (the last would silently win), and so are
YAML aliases (a few lines of nested aliases expand to gigabytes). Shared by the agent and the
lab, which import nothing of each other."""

from __future__ import annotations

import functools
from typing import Any


def strict_json(text: str) -> Any:
    """``json.loads`` that refuses a key given twice (ValueError, as for bad JSON)."""
    import json

    def once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        twice = next((key for key in keys if keys.count(key) > 1), None)
        if twice is not None:
            raise ValueError(f"the key {twice!r} is given twice")
        return dict(pairs)
    return json.loads(text, object_pairs_hook=once)


MAX_DEPTH = 32  # files people write nest a few levels; PyYAML slows down steeply with depth


def strict_yaml(text: str) -> Any:
    """``yaml.safe_load`` without aliases, without a key given twice and nested at most
    MAX_DEPTH levels (yaml.YAMLError): the events are checked before anything is built."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            problem = "aliases (*name) are not allowed: write the value out"
        elif isinstance(event, yaml.CollectionStartEvent) and (depth := depth + 1) > MAX_DEPTH:
            problem = f"nested more than {MAX_DEPTH} levels deep"
        else:
            depth -= isinstance(event, yaml.CollectionEndEvent)
            continue
        raise yaml.MarkedYAMLError(problem=problem,
                                   problem_mark=event.start_mark)  # type: ignore[arg-type]
    return yaml.load(text, Loader=_strict_loader())


@functools.cache
def _strict_loader() -> Any:
    import yaml

    class StrictLoader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            seen: list[Any] = []
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.MarkedYAMLError(problem=f"the key {key!r} is given twice",
                                               problem_mark=key_node.start_mark)
                seen.append(key)
            return dict(super().construct_mapping(node, deep=deep))

    return StrictLoader
