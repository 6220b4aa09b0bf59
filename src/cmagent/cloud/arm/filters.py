"""ARM's ``$filter`` for resource and resource-group lists, compiled to a predicate.

The grammar the resource lists document: ``eq``/``ne`` on ``name``, ``resourceType``,
``location``, ``resourceGroup``; ``substringof('x', name|resourceGroup)``;
``startswith(tagName, 'x')``; ``tagName eq 'a' [and tagValue eq 'b']`` read as one tag; ``and``
binding tighter than ``or``; parentheses. Values compare without regard to case, as ARM
compares names. A filter outside the grammar is refused as ARM refuses it
(400 ``InvalidFilterInQueryString``), never answered with an unfiltered list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from cmagent.cloud.arm.errors import arm_error
from cmagent.cloud.http import HttpError

Item = dict[str, Any]  # keys: name, resourcetype, location, resourcegroup, tags
Predicate = Callable[[Item], bool]
MAX_DEPTH = 16  # nested parentheses
RESOURCE_FIELDS = ("name", "resourcetype", "location", "resourcegroup")
_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<punct>[(),])|(?P<word>[\w/.]+))")


class _Tag:
    """``tagName eq 'a'`` or ``tagValue eq 'b'`` before ``and`` joins them into one tag."""

    def __init__(self, name: str | None = None, value: str | None = None) -> None:
        self.name = name
        self.value = value

    def predicate(self) -> Predicate:
        name, value = self.name, self.value
        if name is None:
            return lambda item: any(v.lower() == value for v in item["tags"].values())
        return lambda item: any(k.lower() == name and (value is None or v.lower() == value)
                                for k, v in item["tags"].items())


def compile_filter(text: str, fields: tuple[str, ...] = RESOURCE_FIELDS) -> Predicate:
    """The predicate of ``text``; every item passes an empty filter."""
    if not text.strip():
        return lambda item: True
    parser = _Parser(text, fields)
    predicate = parser.expression()
    parser.expect_end()
    return predicate


def invalid(text: str) -> HttpError:
    return arm_error(400, "InvalidFilterInQueryString",
                     f"Invalid $filter '{text[:200]}' specified in the query string.")


class _Parser:
    def __init__(self, text: str, fields: tuple[str, ...]) -> None:
        self.text = text
        self.fields = fields
        self.tokens = self._tokens(text)
        self.at = 0
        self.depth = 0

    def _tokens(self, text: str) -> list[str]:
        tokens, position = [], 0
        while position < len(text.rstrip()):
            match = _TOKEN.match(text, position)
            if match is None:
                raise invalid(text)
            tokens.append(match.group(match.lastgroup or "word"))
            position = match.end()
        return tokens

    def _peek(self) -> str:
        return self.tokens[self.at] if self.at < len(self.tokens) else ""

    def _take(self, expected: str | None = None) -> str:
        token = self._peek()
        if not token or (expected is not None and token.lower() != expected):
            raise invalid(self.text)
        self.at += 1
        return token

    def expect_end(self) -> None:
        if self.at != len(self.tokens):
            raise invalid(self.text)

    def expression(self) -> Predicate:
        terms = [self._conjunction()]
        while self._peek().lower() == "or":
            self._take()
            terms.append(self._conjunction())
        return terms[0] if len(terms) == 1 else lambda item: any(t(item) for t in terms)

    def _conjunction(self) -> Predicate:
        parts = [self._factor()]
        while self._peek().lower() == "and":
            self._take()
            parts.append(self._factor())
        predicates = self._join_tags(parts)
        return predicates[0] if len(predicates) == 1 else \
            lambda item: all(p(item) for p in predicates)

    def _join_tags(self, parts: list[Predicate | _Tag]) -> list[Predicate]:
        joined: list[Predicate] = []
        pending: _Tag | None = None
        for part in parts:
            if isinstance(part, _Tag) and pending is not None and pending.value is None \
                    and part.name is None:
                pending.value = part.value
                continue
            if pending is not None:
                joined.append(pending.predicate())
                pending = None
            if isinstance(part, _Tag):
                pending = part
            else:
                joined.append(part)
        if pending is not None:
            joined.append(pending.predicate())
        return joined

    def _factor(self) -> Predicate | _Tag:
        token = self._take()
        if token == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:  # a parser, not the stack, says no
                raise invalid(self.text)
            inner = self.expression()
            self._take(")")
            self.depth -= 1
            return inner
        if token.lower() in ("substringof", "startswith"):
            return self._function(token.lower())
        return self._comparison(token.lower())

    def _string(self) -> str:
        token = self._take()
        if not token.startswith("'"):
            raise invalid(self.text)
        return token[1:-1].replace("''", "'").lower()

    def _comparison(self, field: str) -> Predicate | _Tag:
        operator = self._take().lower()
        value = self._string()
        if field in ("tagname", "tagvalue") and operator == "eq":
            return _Tag(name=value) if field == "tagname" else _Tag(value=value)
        if field not in self.fields or operator not in ("eq", "ne"):
            raise invalid(self.text)
        if operator == "eq":
            return lambda item: str(item[field]).lower() == value
        return lambda item: str(item[field]).lower() != value

    def _function(self, name: str) -> Predicate:
        self._take("(")
        if name == "substringof":
            needle = self._string()
            self._take(",")
            field = self._take().lower()
            self._take(")")
            if field not in ("name", "resourcegroup") or field not in self.fields:
                raise invalid(self.text)
            return lambda item: needle in str(item[field]).lower()
        self._take("tagname")
        self._take(",")
        prefix = self._string()
        self._take(")")
        return lambda item: any(k.lower().startswith(prefix) for k in item["tags"])
