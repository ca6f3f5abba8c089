"""Dotted paths into a scenario: how ``--set``, sweeps and ``Scenario.with_changes`` name a value.

A path is written as the key path in a scenario file (``designs.lanes.teams.product.agents``); ``*``
stands for every key at its level (``designs.*.transfer.accuracy``). Values are written as they would be in
the file (``3``, ``2 h``, ``{dist: uniform, low: 1 h, high: 2 h}``), so the same strings mean the same
thing in YAML, on the command line and in Python.
"""

from __future__ import annotations

import copy
from typing import Any

from cxsim.errors import ScenarioError


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
    return str(value)
