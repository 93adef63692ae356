"""The console's segment builder (分群配置): a condition tree edited as a form, and back.

Each condition is a node of the form, named by its place (``n`` is the top group, ``n.0``
its first condition, ``n.1.0`` the first of the group in second place). A node's inputs
are ``<id>.kind``, ``<id>.negate`` and, per kind, ``<id>.<kind>.<field>``; a property filter
of an event is ``<id>.<kind>.<slot>.<k>.name`` / ``.value``. The form keeps every value as
typed: ``tree_of`` turns it into the JSON tree the segments service compiles (numbers where
they parse, the text as it is where they do not, so the compiler names what is wrong), and
``mark`` puts the service's refusal (its ``where``, ``$.all[1].performed.at_least``) back on
the node it came from."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from contactless.events import audience
from contactless.events.registry import Registry

GROUPS = ("all", "any")
CONDITIONS = ("tag", "holds", "profile", "performed", "did_not_perform", "followed_by")
KINDS = GROUPS + CONDITIONS
FIELDS: dict[str, tuple[str, ...]] = {
    "tag": ("tag",), "holds": ("product",), "profile": ("property", "op", "value"),
    "performed": ("type", "at_least", "within_days"),
    "did_not_perform": ("type", "within_days"),
    "followed_by": ("first", "then", "within_minutes", "within_days"),
}
# the property filters of an event: which slot holds the filters of which part of the tree
SLOTS: dict[str, tuple[str, ...]] = {"performed": ("where",), "did_not_perform": ("where",),
                                     "followed_by": ("first_where", "then_where")}
DEFAULTS = {"tag": "high_value", "product": "time_deposit", "property": "aum", "op": "gte",
            "value": "", "type": "app.opened", "at_least": "1", "within_days": "30",
            "first": "product.viewed", "then": "journey.started", "within_minutes": "60"}
OPERATORS = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}
MAX_NODES = 50
MAX_DEPTH = 4
MAX_FILTERS = 5
KIND_KEY = re.compile(r"^(n(?:\.\d+){0,4})\.kind$")


@dataclass
class Node:
    """One condition (or group) of the form, its values as typed."""

    kind: str
    negate: bool = False
    values: dict[str, str] = field(default_factory=dict)
    filters: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    id: str = "n"
    number: str = ""  # as people count: "2", "2.1"
    error: str | None = None
    error_field: str | None = None

    @property
    def group(self) -> bool:
        return self.kind in GROUPS

    def value(self, kind: str, name: str) -> str:
        """The input's value (its default for another kind's input)."""
        return self.values.get(name, DEFAULTS.get(name, "")) if kind == self.kind \
            else DEFAULTS.get(name, "")

    def rows(self, kind: str, slot: str) -> list[tuple[str, str]]:
        """A slot's filters as typed, and one empty row to add another."""
        typed = self.filters.get(slot, []) if kind == self.kind else []
        return [*typed, ("", "")][:MAX_FILTERS]

    def walk(self) -> list[Node]:
        return [self, *(n for child in self.children for n in child.walk())]


def blank() -> Node:
    """A new segment: an "all" group with one condition."""
    return numbered(Node("all", children=[Node("tag", values={"tag": "high_value"})]))


def numbered(root: Node) -> Node:
    """Give every node its id and number from its place."""
    def place(node: Node, node_id: str, number: str) -> None:
        node.id, node.number = node_id, number
        for n, child in enumerate(node.children):
            place(child, f"{node_id}.{n}", f"{number}.{n + 1}" if number else str(n + 1))
    place(root, "n", "")
    return root


# ---- the form ---------------------------------------------------------------------------------


def parse(form: Mapping[str, str]) -> Node:
    """The form's nodes, each with what was typed (at most ``MAX_NODES``)."""
    ids = sorted((m.group(1) for key in form if (m := KIND_KEY.match(key))),
                 key=lambda i: [int(p) for p in i.split(".")[1:]])
    by_id: dict[str, Node] = {}
    for node_id in ["n", *(i for i in ids if i != "n")][:MAX_NODES]:
        parent = by_id.get(node_id.rsplit(".", 1)[0]) if node_id != "n" else None
        if node_id != "n" and (parent is None or not parent.group):
            continue
        node = _node_of(form, node_id, top=node_id == "n")
        by_id[node_id] = node
        if parent is not None:
            parent.children.append(node)
    return numbered(by_id["n"])


def _node_of(form: Mapping[str, str], node_id: str, *, top: bool) -> Node:
    kind = str(form.get(f"{node_id}.kind", "all"))
    if kind not in KINDS or (top and kind not in GROUPS):
        kind = "all" if top else "tag"
    node = Node(kind, negate=not top and form.get(f"{node_id}.negate") == "on")
    for name in FIELDS.get(kind, ()):
        node.values[name] = str(form.get(f"{node_id}.{kind}.{name}", "")).strip()
    for slot in SLOTS.get(kind, ()):
        rows = []
        for k in range(MAX_FILTERS):
            name = str(form.get(f"{node_id}.{kind}.{slot}.{k}.name", "")).strip()
            if name:
                rows.append((name, str(form.get(f"{node_id}.{kind}.{slot}.{k}.value", ""))))
        node.filters[slot] = rows
    return node


def change(root: Node, op: str) -> Node:
    """A structural change the form asked for: ``add:<group id>`` (a condition),
    ``group:<group id>`` (a group), ``remove:<node id>``."""
    action, _sep, target = op.partition(":")
    nodes = {node.id: node for node in root.walk()}
    found = nodes.get(target)
    count = len(nodes)
    if found is not None and action in ("add", "group") and found.group and count < MAX_NODES \
            and target.count(".") < MAX_DEPTH:
        found.children.append(Node("tag", values={"tag": "high_value"}) if action == "add"
                              else Node("any", children=[Node("tag")]))
    elif found is not None and action == "remove" and target != "n":
        parent = nodes[target.rsplit(".", 1)[0]]
        parent.children = [child for child in parent.children if child is not found]
    return numbered(root)


# ---- the tree -----------------------------------------------------------------------------


def tree_of(root: Node, registry: Registry) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON tree of the form, and which node each path of the tree came from."""
    paths: dict[str, str] = {}
    return _tree(root, registry, "$", paths), paths


def _tree(node: Node, registry: Registry, where: str, paths: dict[str, str]) -> dict[str, Any]:
    paths[where] = node.id
    if node.negate:
        where = f"{where}.not"
        paths[where] = node.id
    kind = node.kind
    values = {name: node.values.get(name, DEFAULTS.get(name, ""))
              for name in FIELDS.get(kind, ())}
    filters = {slot: node.filters.get(slot, []) for slot in SLOTS.get(kind, ())}
    body: Any
    if node.group:
        body = [_tree(child, registry, f"{where}.{kind}[{n}]", paths)
                for n, child in enumerate(node.children)]
    elif kind == "tag":
        body = values["tag"]
    elif kind == "holds":
        body = values["product"]
    elif kind == "profile":
        body = {"property": values["property"], "op": values["op"],
                "value": _profile_value(values["property"], values["value"])}
    elif kind == "followed_by":
        body = {"first": _event(registry, values["first"], filters["first_where"]),
                "then": _event(registry, values["then"], filters["then_where"]),
                "within_minutes": _number(values["within_minutes"]),
                "within_days": _number(values["within_days"])}
    else:
        body = {**_event(registry, values["type"], filters["where"]),
                "within_days": _number(values["within_days"])}
        if kind == "performed":
            body["at_least"] = _number(values["at_least"])
    tree = {kind: body}
    return {"not": tree} if node.negate else tree


def _number(text: str) -> Any:
    return int(text) if re.fullmatch(r"-?\d{1,9}", text) else text


def _profile_value(name: str, text: str) -> Any:
    declared = audience.PROPERTY_BY_NAME.get(name)
    return _number(text.strip()) if declared and declared.kind is audience.Kind.COUNT \
        else text.strip()


def _event(registry: Registry, type_name: str, rows: list[tuple[str, str]]) -> dict[str, Any]:
    event: dict[str, Any] = {"type": type_name}
    if rows:
        event["where"] = {name: _property_value(registry, type_name, name, value)
                          for name, value in rows}
    return event


def _property_value(registry: Registry, type_name: str, name: str, text: str) -> Any:
    """A filter's value as the property's type when it reads as one (a count as a number),
    else the text: the compiler refuses what does not fit."""
    found = registry.types.get(type_name)
    declared = {f.name: f.type for f in msgspec.structs.fields(found.properties)} \
        if found else {}
    if name in declared:
        try:
            typed = msgspec.convert(text, declared[name], strict=False)
        except msgspec.ValidationError:
            return text
        if isinstance(typed, int) and not isinstance(typed, bool):
            return typed
    return text


def mark(root: Node, paths: dict[str, str], where: str, message: str) -> Node | None:
    """Put the refusal on the node its ``where`` names (the deepest path that starts it)."""
    nodes = {node.id: node for node in root.walk()}
    best = max((path for path in paths if where == path or where.startswith(
        (path + ".", path + "["))), key=len, default=None)
    if best is None:
        return None
    node = nodes[paths[best]]
    node.error = message
    rest = where[len(best):].split(".")
    node.error_field = rest[-1] if len(rest) > 1 else None
    return node


# ---- a stored tree, as the form shows it -------------------------------------------------------


def form_of(tree: Any) -> Node:
    """A saved tree as the form's nodes (the top always a group)."""
    root = _from(tree)
    if not root.group or root.negate:
        root = Node("all", children=[root])
    return numbered(root)


def _from(tree: Any) -> Node:
    if not isinstance(tree, dict) or len(tree) != 1:
        return Node("all")
    (kind, body), = tree.items()
    if kind == "not":
        inner = _from(body)
        inner.negate = not inner.negate
        return inner
    if kind in GROUPS:
        return Node(kind, children=[_from(child) for child in body or []])
    if kind == "tag":
        return Node(kind, values={"tag": str(body)})
    if kind == "holds":
        return Node(kind, values={"product": str(body)})
    if kind == "profile":
        return Node(kind, values={name: str(body.get(name, "")) for name in FIELDS[kind]})
    if kind == "followed_by":
        return Node(kind, values={
            "first": str(body["first"]["type"]), "then": str(body["then"]["type"]),
            "within_minutes": str(body.get("within_minutes", 60)),
            "within_days": str(body.get("within_days", 30))},
            filters={"first_where": _rows(body["first"]), "then_where": _rows(body["then"])})
    return Node(kind, values={"type": str(body["type"]),
                              "at_least": str(body.get("at_least", 1)),
                              "within_days": str(body.get("within_days", 30))},
                filters={"where": _rows(body)})


def _rows(event: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(name), str(value)) for name, value in (event.get("where") or {}).items()]


def property_names(registry: Registry) -> list[str]:
    """Every property an event filter may name (of any type), sorted."""
    return sorted({f.name for event_type in registry.types.values()
                   for f in msgspec.structs.fields(event_type.properties)})
