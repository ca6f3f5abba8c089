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


def parse_set(option: str) -> tuple[str, list[Any]]:
    """'path=v1,v2,...' from the command line; each value read as a YAML scalar ('0.5' -> 0.5)."""
    from ruamel.yaml import YAML

    if "=" not in option:
        raise ValueError(f"--set {option!r}: write path=value1,value2,...")
    path, _, raw = option.partition("=")
    path = path.strip()
    if not path or not raw.strip():
        raise ValueError(f"--set {option!r}: write path=value1,value2,...")
    yaml = YAML(typ="safe", pure=True)
    values = []
    for item in raw.split(","):
        item = item.strip()
        parsed = yaml.load(item) if item else None
        values.append(item if isinstance(parsed, (dict, list)) or parsed is None else parsed)
    return path, values
