"""Segments: a JSON condition tree over profiles, tags and behaviour, compiled to one SQL
query with SQLGlot, run by DuckDB over the lake (or by Spark, transpiled).

The design decision: nothing a user writes becomes SQL text. Event types, property names,
profile properties, products and tags must be ones a registry declares (an unknown one is a
clear error, with where it is in the tree); every value (a type, a property's path, a value,
a count, a window) is a named bound parameter. The query reads three tables the engine
provides: ``events`` (the lake), ``event_aliases`` (anonymous ids linked to customers at
sign-in: ``anonymous_id``, ``alias_customer_id``) and ``profiles`` (one row per customer:
the profile's properties, ``holds_<product>`` and ``tag_<tag>`` flags). An event counts for
its own customer or, sent while anonymous, for the customer its anonymous id was linked to
(``RESOLVED``). Every customer with a profile is a candidate, so "did not open the app"
includes those who never did anything:

    {"all": [{"tag": "high_value"},
             {"profile": {"property": "aum", "op": "gte", "value": "500000"}},
             {"performed": {"type": "product.viewed", "at_least": 3, "within_days": 30,
                            "where": {"product_kind": "time_deposit"}}},
             {"followed_by": {"first": {"type": "product.viewed"},
                              "then": {"type": "journey.started"},
                              "within_minutes": 60, "within_days": 30}},
             {"not": {"performed": {"type": "app.opened", "within_days": 7}}}]}

Counts of events are filtered counts in one grouped pass (``behaviour``); each
``followed_by`` is a window over the customer's events ordered by time (the latest ``first``
before each ``then``), so it costs a sort, not a self-join.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec
import sqlglot
from sqlglot import exp

from contactless.events import aliases, audience
from contactless.events.audience import Kind
from contactless.events.errors import SegmentInvalid
from contactless.events.registry import Registry
from contactless.platform.money import quantum

MAX_NODES = 50
MAX_WINDOW_DAYS = 3 * 366
NODES = ("all", "any", "not", "performed", "did_not_perform", "followed_by", "profile",
         "holds", "tag")


# the events as segments read them: each with its customer resolved through the aliases
# (``aliases``), the columns a condition reads. A subquery at each use, never a CTE an
# engine might materialize: DuckDB then reads only the columns and rows each use needs
_RESOLVED_SQL = (  # our own text, no value
    f"SELECT e.event_id, e.type, {aliases.RESOLVED_CUSTOMER} AS customer_id, "  # noqa: S608
    f"e.occurred_at, e.properties FROM events AS e {aliases.RESOLVE_JOIN}")
RESOLVED = sqlglot.parse_one(_RESOLVED_SQL, read="duckdb")


def _resolved_events() -> exp.Subquery:
    return exp.Subquery(this=RESOLVED.copy(), alias=exp.TableAlias(
        this=exp.to_identifier("events")))


@dataclass
class Compiled:
    sql: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def transpiled(self, dialect: str) -> str:
        """The same query in another engine's dialect (e.g. ``spark``)."""
        return str(sqlglot.transpile(self.sql, read="duckdb", write=dialect)[0])


def _col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table)


class _Compiler:
    def __init__(self, registry: Registry, now: datetime) -> None:
        self.registry = registry
        self.now = now
        self.parameters: dict[str, Any] = {}
        self.counts: list[Any] = []  # the behaviour pass's filtered counts
        self.sequences: list[exp.Select] = []  # one per followed_by
        self.nodes = 0

    def bind(self, value: Any) -> exp.Expression:
        name = f"p{len(self.parameters)}"
        self.parameters[name] = value
        return exp.Placeholder(this=name)

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
        if kind == "followed_by":
            return self.followed_by(body, f"{where}.followed_by")
        if kind in ("profile", "holds", "tag"):
            return exp.Coalesce(this=self.profile_node(kind, body, f"{where}.{kind}"),
                                expressions=[exp.false()])
        raise SegmentInvalid("unknown condition", where=where, name=str(kind)[:64])

    # ---- behaviour ------------------------------------------------------------------------

    def event_filter(self, body: Any, where: str, allowed: set[str]) -> list[exp.Expression]:
        """The type and property conditions of one event (``type``, ``where``)."""
        if not isinstance(body, dict):
            raise SegmentInvalid("expected an object", where=where)
        unknown = set(body) - allowed
        if unknown:
            raise SegmentInvalid("unknown field", where=where, name=sorted(unknown)[0][:64])
        type_name = body.get("type")
        event_type = self.registry.types.get(type_name) if isinstance(type_name, str) else None
        if event_type is None:
            raise SegmentInvalid("unknown event type", where=f"{where}.type",
                                 name=str(type_name)[:64])
        return [exp.EQ(this=_col("type"), expression=self.bind(type_name)),
                *self.properties(event_type.properties, body.get("where") or {},
                                 f"{where}.where")]

    def since(self, body: dict[str, Any], where: str) -> exp.Expression:
        days = _whole(body.get("within_days", 30), 1, MAX_WINDOW_DAYS, f"{where}.within_days")
        return exp.GTE(this=_col("occurred_at"),
                       expression=self.bind(self.now - timedelta(days=days)))

    def performed(self, body: Any, where: str, *, none: bool) -> exp.Expression:
        conditions = self.event_filter(body, where, {"type", "at_least", "within_days",
                                                      "where"})
        least = 1 if none else _whole(body.get("at_least", 1), 1, 1_000_000,
                                      f"{where}.at_least")
        conditions.append(self.since(body, where))
        alias = f"e{len(self.counts)}"
        self.counts.append(exp.alias_(exp.Filter(
            this=exp.Count(this=exp.Star()), expression=exp.Where(this=exp.and_(*conditions))),
            alias))
        count = exp.Coalesce(this=_col(alias, "b"), expressions=[exp.Literal.number(0)])
        if none:
            return exp.EQ(this=count, expression=self.bind(0))
        return exp.GTE(this=count, expression=self.bind(least))

    def followed_by(self, body: Any, where: str) -> exp.Expression:
        if not isinstance(body, dict):
            raise SegmentInvalid("expected an object", where=where)
        unknown = set(body) - {"first", "then", "within_minutes", "within_days"}
        if unknown:
            raise SegmentInvalid("unknown field", where=where, name=sorted(unknown)[0][:64])
        first = exp.and_(*self.event_filter(body.get("first"), f"{where}.first",
                                            {"type", "where"}))
        then = exp.and_(*self.event_filter(body.get("then"), f"{where}.then",
                                           {"type", "where"}))
        minutes = _whole(body.get("within_minutes", 60), 1, MAX_WINDOW_DAYS * 1440,
                         f"{where}.within_minutes")
        epoch = exp.TimeToUnix(this=_col("occurred_at"))
        latest_first = exp.Window(
            this=exp.Max(this=exp.Case(ifs=[exp.If(this=first, true=epoch)])),
            partition_by=[_col("customer_id")],
            order=exp.Order(expressions=[exp.Ordered(this=_col("occurred_at")),
                                         exp.Ordered(this=_col("event_id"))]),
            spec=exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                                end=exp.Literal.number(1), end_side="PRECEDING"))
        ordered = (exp.select(_col("customer_id"), exp.alias_(epoch, "at_s"),
                              exp.alias_(latest_first, "first_s"),
                              exp.alias_(exp.Paren(this=then), "is_then"))
                   .from_(_resolved_events())
                   .where(exp.Not(this=exp.Is(this=_col("customer_id"), expression=exp.Null())))
                   .where(self.since(body, where))
                   .where(exp.Paren(this=exp.or_(first.copy(), then.copy()))))
        gap = exp.Sub(this=_col("at_s"), expression=_col("first_s"))
        alias = f"s{len(self.sequences)}"
        self.sequences.append(
            exp.select(_col("customer_id")).from_(exp.alias_(exp.Subquery(this=ordered), "o"))
            .where(exp.and_(_col("is_then"),
                            exp.LTE(this=gap, expression=self.bind(minutes * 60))))
            .group_by(_col("customer_id")))
        return exp.Not(this=exp.Is(this=_col("customer_id", alias), expression=exp.Null()))

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
                _col("properties"), self.bind(f"$.{name}")])
            out.append(exp.EQ(this=extracted, expression=self.bind(_as_text(typed))))
        return out

    # ---- profiles and tags ----------------------------------------------------------------

    def profile_node(self, kind: str, body: Any, where: str) -> exp.Expression:
        if kind == "tag":
            if not isinstance(body, str) or body not in audience.TAG_BY_NAME:
                raise SegmentInvalid("unknown tag", where=where, name=str(body)[:64])
            return _col(f"tag_{body}", "p")
        if kind == "holds":
            if not isinstance(body, str) or body not in audience.PRODUCTS:
                raise SegmentInvalid("unknown product", where=where, name=str(body)[:64])
            return _col(f"holds_{body}", "p")
        if not isinstance(body, dict) or set(body) != {"property", "op", "value"}:
            raise SegmentInvalid("a profile condition has property, op and value",
                                 where=where)
        declared = audience.PROPERTY_BY_NAME.get(body["property"]) \
            if isinstance(body["property"], str) else None
        if declared is None:
            raise SegmentInvalid("unknown profile property", where=f"{where}.property",
                                 name=str(body["property"])[:64])
        operator = body["op"] if isinstance(body["op"], str) else None
        if operator not in audience.OPERATORS:
            raise SegmentInvalid("unknown comparison", where=f"{where}.op",
                                 name=str(body["op"])[:16])
        value = _profile_value(declared.kind, body["value"], f"{where}.value")
        comparison: Any = {
            "eq": exp.EQ, "ne": exp.NEQ, "gt": exp.GT, "gte": exp.GTE, "lt": exp.LT,
            "lte": exp.LTE}[operator]
        compared: exp.Expression = comparison(this=_col(declared.name, "p"),
                                              expression=self.bind(value))
        return compared


def _profile_value(kind: Kind, value: Any, where: str) -> Any:
    """A profile condition's value as its property's type; anything else is refused."""
    try:
        if kind is Kind.MONEY and isinstance(value, (str, int)) and not isinstance(value, bool):
            amount = Decimal(str(value))
            if amount.is_finite() and abs(amount) < Decimal("1e15"):
                return amount.quantize(quantum())  # profiles keep yuan
        if kind is Kind.COUNT and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind is Kind.DATE and isinstance(value, str):
            return date.fromisoformat(value)
        if kind is Kind.TIME and isinstance(value, str):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                return moment
    except (ValueError, InvalidOperation):
        pass
    raise SegmentInvalid("not a valid value for this property", where=where,
                         reason=f"expected {kind.value}")


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _whole(value: Any, low: int, high: int, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SegmentInvalid("expected a whole number in range", where=where, minimum=low,
                             maximum=high)
    return value


def compile_segment(registry: Registry, tree: Any, *, now: datetime) -> Compiled:
    """The tree as one SQL query over the tables ``events``, ``event_aliases`` and
    ``profiles``, and its bound values (by name)."""
    compiler = _Compiler(registry, now)
    condition = compiler.node(tree, "$")
    query = exp.select(_col("customer_id", "p")).from_(exp.alias_(exp.to_table("profiles"),
                                                                  "p"))
    if compiler.counts:
        behaviour = (exp.select(_col("customer_id"), *compiler.counts)
                     .from_(_resolved_events())
                     .where(exp.Not(this=exp.Is(this=_col("customer_id"),
                                                expression=exp.Null())))
                     .group_by(_col("customer_id")))
        query = query.with_("behaviour", as_=behaviour).join(
            exp.alias_(exp.to_table("behaviour"), "b"), join_type="left",
            on=exp.EQ(this=_col("customer_id", "b"), expression=_col("customer_id", "p")))
    for n, sequence in enumerate(compiler.sequences):
        query = query.with_(f"s{n}", as_=sequence).join(
            exp.to_table(f"s{n}"), join_type="left",
            on=exp.EQ(this=_col("customer_id", f"s{n}"), expression=_col("customer_id", "p")))
    query = query.where(condition).order_by(_col("customer_id", "p"))
    return Compiled(query.sql(dialect="duckdb"), compiler.parameters)
