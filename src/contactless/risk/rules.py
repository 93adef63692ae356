"""Analysts' rules: a JSON condition tree over the features and the operation's fields,
checked when it is saved (what is wrong, and where) and compiled to a function.

A condition is one of::

    {"all": [condition, ...]}      every one holds
    {"any": [condition, ...]}      at least one holds
    {"not": condition}
    {"field": "amount", "op": ">=", "value": 50000}
    {"field": "channel", "op": "in", "value": ["mobile", "api"]}

Numeric fields (every feature, ``hour``, ``new_payee``, ``new_device``) take ``> >= < <= ==
!=`` and a number; text fields (``kind``, ``channel``, ``currency``) take ``== != in
not_in``.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from contactless.risk.errors import RuleInvalid
from contactless.risk.features import FEATURES

TEXT_FIELDS = frozenset({"kind", "channel", "currency"})
CONTEXT_FIELDS = ("hour", "new_payee", "new_device", "signins_1d", "amount_converted")
NUMERIC_FIELDS = frozenset(FEATURES) | frozenset(CONTEXT_FIELDS)
FIELDS = NUMERIC_FIELDS | TEXT_FIELDS
ACTIONS = ("score", "step_up", "review", "block", "allow")
MAX_DEPTH = 8
MAX_NODES = 100

_NUMERIC_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
    "==": operator.eq, "!=": operator.ne,
}
_TEXT_OPS = ("==", "!=", "in", "not_in")

Facts = Mapping[str, Any]
Check = Callable[[Facts], bool]


@dataclass(frozen=True)
class CompiledRule:
    """A rule version ready to run."""

    key: str
    version: int
    action: str
    weight: float
    check: Check
    live: bool

    @property
    def name(self) -> str:
        return f"{self.key}@v{self.version}"


def parse_condition(text: str) -> Any:
    """A condition typed as JSON text (the console's form, the backtest command); text that
    is not JSON raises :class:`RuleInvalid` with the line and column."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise RuleInvalid("the condition is not JSON (line {line}, column {column})",
                          line=getattr(exc, "lineno", 1), column=getattr(exc, "colno", 1),
                          ) from exc


def compile_condition(condition: Any, *, where: str = "condition") -> Check:
    """Validate ``condition`` and return the function that evaluates it; a condition that
    does not parse raises :class:`RuleInvalid` naming where it fails."""
    counter = [0]
    return _compile(condition, where, 0, counter)


def _compile(node: Any, where: str, depth: int, counter: list[int]) -> Check:
    counter[0] += 1
    if counter[0] > MAX_NODES or depth > MAX_DEPTH:
        raise RuleInvalid("the condition is too large at {where}", where=where)
    if not isinstance(node, dict) or len(node) == 0:
        raise RuleInvalid("{where} must be an object", where=where)
    if "all" in node or "any" in node:
        name = "all" if "all" in node else "any"
        children = node[name]
        if len(node) != 1 or not isinstance(children, list) or not children:
            raise RuleInvalid("{where}.{name} must be the only key, with a non-empty list",
                              where=where, name=name)
        checks = [_compile(child, f"{where}.{name}[{index}]", depth + 1, counter)
                  for index, child in enumerate(children)]
        if name == "all":
            return lambda facts: all(check(facts) for check in checks)
        return lambda facts: any(check(facts) for check in checks)
    if "not" in node:
        if len(node) != 1:
            raise RuleInvalid("{where}.not must be the only key", where=where)
        inner = _compile(node["not"], f"{where}.not", depth + 1, counter)
        return lambda facts: not inner(facts)
    return _comparison(node, where)


def _comparison(node: dict[str, Any], where: str) -> Check:
    unexpected = sorted(set(node) - {"field", "op", "value"})
    if unexpected or not {"field", "op", "value"} <= set(node):
        raise RuleInvalid("{where} must have field, op and value (and nothing else)",
                          where=where)
    name, op, value = node["field"], node["op"], node["value"]
    if name not in FIELDS:
        raise RuleInvalid("{where}.field: unknown feature {feature}", where=where,
                          feature=str(name)[:64])
    if name in TEXT_FIELDS:
        return _text(name, op, value, where)
    if op not in _NUMERIC_OPS:
        raise RuleInvalid("{where}.op: {op} does not compare numbers", where=where,
                          op=str(op)[:8])
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleInvalid("{where}.value must be a number", where=where)
    compare, threshold = _NUMERIC_OPS[op], float(value)
    return lambda facts: bool(compare(float(facts.get(name) or 0.0), threshold))


def _text(name: str, op: Any, value: Any, where: str) -> Check:
    if op not in _TEXT_OPS:
        raise RuleInvalid("{where}.op: {op} does not compare text", where=where, op=str(op)[:8])
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value or not all(
                isinstance(item, str) for item in value):
            raise RuleInvalid("{where}.value must be a non-empty list of text", where=where)
        allowed = frozenset(value)
        if op == "in":
            return lambda facts: facts.get(name) in allowed
        return lambda facts: facts.get(name) not in allowed
    if not isinstance(value, str):
        raise RuleInvalid("{where}.value must be text", where=where)
    if op == "==":
        return lambda facts: facts.get(name) == value
    return lambda facts: facts.get(name) != value


def fields_of(condition: Any) -> set[str]:
    """Every field a (valid) condition names."""
    if not isinstance(condition, dict):
        return set()
    for name in ("all", "any"):
        if name in condition:
            return set().union(*(fields_of(child) for child in condition[name]))
    if "not" in condition:
        return fields_of(condition["not"])
    return {str(condition.get("field"))}


def check_action(action: str, weight: float) -> None:
    if action not in ACTIONS:
        raise RuleInvalid("action must be one of {actions}", actions=", ".join(ACTIONS))
    if not -1.0 <= weight <= 1.0:
        raise RuleInvalid("weight must lie between -1 and 1")


__all__ = ["ACTIONS", "CONTEXT_FIELDS", "FIELDS", "CompiledRule", "check_action",
           "compile_condition", "fields_of", "parse_condition"]
