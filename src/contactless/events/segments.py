"""Segments: a JSON condition tree over behaviour, compiled to SQL with SQLGlot and run by
DuckDB over the lake.

The design decision: nothing a user writes becomes SQL text. Event types and property names
must be ones the registry declares (so an unknown one is a clear error, with where it is in
the tree); every value (the type, the property's path, the value, the counts, the window's
start) is a bound parameter. The tree compiles to one pass over the lake, grouped by
customer, each condition a filtered count in HAVING:

    {"all": [{"performed": {"type": "product.viewed", "at_least": 3, "within_days": 30,
                            "where": {"product_kind": "time_deposit"}}},
             {"not": {"performed": {"type": "app.opened", "within_days": 7}}}]}

Nodes: ``all`` / ``any`` (lists), ``not``, ``performed`` (``type``, ``at_least`` 1,
``within_days`` 30, ``where`` property equals value) and ``did_not_perform`` (the same, none
at all). The members are customers with at least one event in the lake (profiles, which will
add every customer of the bank, are still to come).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import sqlglot
from sqlglot import exp

from contactless.events.errors import SegmentInvalid
from contactless.events.registry import Registry

MAX_NODES = 50
MAX_WINDOW_DAYS = 3 * 366


@dataclass
class Compiled:
    sql: str
    parameters: list[Any] = field(default_factory=list)

    def transpiled(self, dialect: str) -> str:
        """The same query in another engine's dialect (e.g. ``spark``)."""
        return str(sqlglot.transpile(self.sql, read="duckdb", write=dialect)[0])


class _Compiler:
    def __init__(self, registry: Registry, now: datetime) -> None:
        self.registry = registry
        self.now = now
        self.parameters: list[Any] = []
        self.nodes = 0

    def bind(self, value: Any) -> exp.Expression:
        self.parameters.append(value)
        return exp.Placeholder()

    def node(self, tree: Any, where: str) -> exp.Expression:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise SegmentInvalid("a segment has too many conditions", where=where,
                                 limit=MAX_NODES)
        if not isinstance(tree, dict) or len(tree) != 1:
            raise SegmentInvalid("each condition is an object with one key: all, any, not, "
                                 "performed or did_not_perform", where=where)
        (kind, body), = tree.items()
        if kind in ("all", "any"):
            if not isinstance(body, list) or not body:
                raise SegmentInvalid("all and any take a non-empty list", where=where)
            parts = [self.node(item, f"{where}.{kind}[{n}]") for n, item in enumerate(body)]
            joined = exp.and_(*parts) if kind == "all" else exp.or_(*parts)
            return exp.Paren(this=joined)
        if kind == "not":
            return exp.Not(this=exp.Paren(this=self.node(body, f"{where}.not")))
        if kind in ("performed", "did_not_perform"):
            return self.performed(body, f"{where}.{kind}", none=kind == "did_not_perform")
        raise SegmentInvalid("unknown condition", where=where, name=str(kind)[:64])

    def performed(self, body: Any, where: str, *, none: bool) -> exp.Expression:
        if not isinstance(body, dict):
            raise SegmentInvalid("expected an object", where=where)
        unknown = set(body) - {"type", "at_least", "within_days", "where"}
        if unknown:
            raise SegmentInvalid("unknown field", where=where, name=sorted(unknown)[0][:64])
        type_name = body.get("type")
        event_type = self.registry.types.get(type_name) if isinstance(type_name, str) else None
        if event_type is None:
            raise SegmentInvalid("unknown event type", where=f"{where}.type",
                                 name=str(type_name)[:64])
        days = _whole(body.get("within_days", 30), 1, MAX_WINDOW_DAYS, f"{where}.within_days")
        least = 1 if none else _whole(body.get("at_least", 1), 1, 1_000_000,
                                      f"{where}.at_least")
        conditions: list[exp.Expression] = [
            exp.EQ(this=exp.column("type"), expression=self.bind(type_name)),
            exp.GTE(this=exp.column("occurred_at"),
                    expression=self.bind(self.now - timedelta(days=days)))]
        conditions += self.properties(event_type.properties, body.get("where") or {},
                                      f"{where}.where")
        count = exp.Filter(this=exp.Count(this=exp.Star()),
                           expression=exp.Where(this=exp.and_(*conditions)))
        if none:
            return exp.EQ(this=count, expression=self.bind(0))
        return exp.GTE(this=count, expression=self.bind(least))

    def properties(self, schema: type, wanted: Any, where: str) -> list[exp.Expression]:
        if not isinstance(wanted, dict):
            raise SegmentInvalid("where takes an object of property: value", where=where)
        declared = {f.name: f.type for f in msgspec.structs.fields(schema)}
        out: list[exp.Expression] = []
        for name, value in wanted.items():
            if name not in declared:
                raise SegmentInvalid("unknown property", where=f"{where}.{name}")
            try:
                typed = msgspec.convert(value, declared[name])
            except msgspec.ValidationError as exc:
                raise SegmentInvalid("not a valid value for this property",
                                     where=f"{where}.{name}", reason=str(exc)) from exc
            if typed is None or isinstance(typed, (dict, list)):
                raise SegmentInvalid("expected one value", where=f"{where}.{name}")
            extracted = exp.Anonymous(this="json_extract_string", expressions=[
                exp.column("properties"), self.bind(f"$.{name}")])
            out.append(exp.EQ(this=extracted, expression=self.bind(_as_text(typed))))
        return out


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _whole(value: Any, low: int, high: int, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SegmentInvalid("expected a whole number in range", where=where, minimum=low,
                             maximum=high)
    return value


def compile_segment(registry: Registry, tree: Any, *, lake_dir: Path,
                    now: datetime) -> Compiled:
    """The tree as one SQL query over the lake's files, and its bound values."""
    compiler = _Compiler(registry, now)
    having = compiler.node(tree, "$")
    source = exp.Anonymous(this="read_parquet", expressions=[
        exp.Literal.string(str(lake_dir / "dt=*" / "*.parquet")),
        exp.EQ(this=exp.column("union_by_name"), expression=exp.true())])
    query = (exp.select("customer_id").from_(exp.Table(this=source))
             .where(exp.Not(this=exp.Is(this=exp.column("customer_id"), expression=exp.Null())))
             .group_by("customer_id").having(having).order_by("customer_id"))
    return Compiled(query.sql(dialect="duckdb"), compiler.parameters)
