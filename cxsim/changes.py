"""Dotted paths into a scenario: how ``--set``, sweeps and ``Scenario.with_changes`` name a value.

A path is written as the key path in a scenario file (``designs.lanes.teams.product.agents``); ``*``
stands for every key at its level (``designs.*.transfer.accuracy``). Values are written as they would be in
the file (``3``, ``2 h``, ``{dist: uniform, low: 1 h, high: 2 h}``), so the same strings mean the same
thing in YAML, on the command line and in Python.
"""

from __future__ import annotations

import copy
import difflib
import types
import typing
from typing import TYPE_CHECKING, Any

from cxsim.errors import ScenarioError

if TYPE_CHECKING:
    from cxsim.scenario import Scenario


def set_path(data: dict, path: str, value: Any) -> dict:
    """A deep copy of ``data`` with the value at dotted ``path`` replaced (``*``: every key there)."""
    out = copy.deepcopy(data)
    parts = path.split(".")
    nodes = [out]
    wild = False  # below a '*', only existing branches are followed (no team is created in a design)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        nxt = []
        for node in nodes:
            if wild and not last and part != "*" and part not in node:
                continue
            if not isinstance(node, dict):
                raise ScenarioError(f"cannot set {path!r}: {'.'.join(parts[:i])} is not a mapping",
                                    field=path)
            keys = list(node) if part == "*" else [part]
            if part == "*" and not keys:
                raise ScenarioError(f"cannot set {path!r}: nothing matches '*'", field=path)
            for key in keys:
                if last:
                    node[key] = copy.deepcopy(value)
                else:
                    nxt.append(node.setdefault(key, {}))
        wild = wild or part == "*"
        if not nxt and not last:
            raise ScenarioError(f"cannot set {path!r}: no such path in the scenario", field=path)
        nodes = nxt
    return out


SET_SYNTAX = ("path=v1,v2,... (values split at ',' or ';' outside braces, brackets and quotes, so a value "
              "may be a YAML flow mapping: path={dist: lognormal, mean: 10 min, sd: 5 min};20 min)")


def split_values(raw: str) -> list[str]:
    """The values of a ``--set``: split at ',' or ';' that are outside {...}, [...] and quotes."""
    items, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(raw):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth = max(0, depth - 1)
        elif ch in ",;" and depth == 0:
            items.append(raw[start:i])
            start = i + 1
    items.append(raw[start:])
    return [item.strip() for item in items]


def parse_set(option: str) -> tuple[str, list[Any]]:
    """'path=v1,v2,...' from the command line (``SET_SYNTAX``); each value read as YAML ('0.5' -> 0.5,
    '{dist: uniform, low: 1 h, high: 2 h}' -> a mapping). ValueError says what is wrong, in one line."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    if "=" not in option:
        raise ValueError(f"--set {option!r}: write {SET_SYNTAX}")
    path, _, raw = option.partition("=")
    path = path.strip()
    if not path or not raw.strip():
        raise ValueError(f"--set {option!r}: write {SET_SYNTAX}")
    yaml = YAML(typ="safe", pure=True)
    values = []
    for item in split_values(raw):
        if not item:
            raise ValueError(f"--set {option!r}: an empty value (two separators in a row?)")
        try:
            parsed = yaml.load(item)
        except YAMLError as exc:
            problem = getattr(exc, "problem", None) or type(exc).__name__
            raise ValueError(f"--set {option!r}: cannot read {item!r} as a YAML value ({problem})") from None
        values.append(item if parsed is None else parsed)
    return path, values


def value_text(value: Any) -> str:
    """A swept value as it would be written in a scenario file (mappings and lists in YAML flow style)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {value_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if value is None or isinstance(value, bool):  # as YAML writes them, not Python's None and True
        return {None: "null", True: "true", False: "false"}[value]
    return str(value)


# ------------------------------------------------------------------ checking a path before setting it


def _shape(annotation: Any) -> tuple[str, Any] | None:
    """What a field holds: ('model', class), ('mapping', value type), or None (a value: a number, a
    duration, a distribution...), looking through Annotated and Optional."""
    from pydantic import BaseModel

    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _shape(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        shapes = [s for s in map(_shape, typing.get_args(annotation)) if s is not None]
        return shapes[0] if len(shapes) == 1 else None
    if origin is dict:
        return ("mapping", typing.get_args(annotation)[1])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return ("model", annotation)
    return None


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    shown = ", ".join(choices[:8]) + (", ..." if len(choices) > 8 else "")
    return (f"; did you mean {close[0]!r}?" if close else "") + (f" (there: {shown})" if choices else "")


def check_parameter(scenario: Scenario, path: str, *, adding: bool = False) -> None:
    """Refuse (``ScenarioError``) a path that names nothing in the scenario: a field no model has, or a
    design, team, case type... that does not exist (a sweep would otherwise fail at every point, and
    setting it would quietly add one). A field the file leaves at its default is fine; values are checked
    by the scenario's validation. ``adding``: the path's last part may be a new name (``designs.new``,
    set to a whole design by ``with_changes``); a new name before it is still refused."""
    parts = path.split(".")
    shape: tuple[str, Any] | None = ("model", type(scenario))
    nodes: list[Any] = [scenario.content]
    for i, part in enumerate(parts):
        where = ".".join(parts[:i]) or "the scenario"
        if shape is None or not part:
            if not part:
                raise ScenarioError(f"no such path in the scenario (an empty name in {path!r})",
                                    file=scenario.origin, field=path)
            return  # inside a value (a distribution's fields...): the point's validation judges it
        nodes = [n for n in nodes if isinstance(n, dict)]
        kind, inner = shape
        if kind == "model":
            fields = {(f.alias or name): f for name, f in inner.model_fields.items()}
            if part == "*" or part not in fields:
                raise ScenarioError(f"no such path in the scenario: {where} has no field {part!r}"
                                    + _suggest(part, list(fields)), file=scenario.origin, field=path)
            shape = _shape(fields[part].annotation)
            nodes = [n[part] for n in nodes if n.get(part) is not None]
            continue
        keys = list(dict.fromkeys(k for n in nodes for k in n))
        if part == "*":
            if not keys:
                raise ScenarioError(f"no such path in the scenario: {where} is empty, nothing matches '*'",
                                    field=path)
            nodes = [v for n in nodes for v in n.values()]
        elif part in keys:
            nodes = [n[part] for n in nodes if part in n]
        elif i < len(parts) - 1 or (_shape(inner) is not None and not adding):
            # a named thing (design, team, case type, skill) must exist: setting it would add one
            raise ScenarioError(f"no such path in the scenario: {where} has no {part!r}"
                                + _suggest(part, [str(k) for k in keys]), file=scenario.origin, field=path)
        shape = _shape(inner)
