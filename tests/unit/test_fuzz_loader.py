"""Fuzzing the loader: mutated shipped scenarios and random YAML text may be refused, but only with a
``ScenarioError`` (one located line), never another exception, and quickly.

Deterministic (``derandomize``) and bounded (``max_examples``, a per-example deadline) so the suite stays
fast and CI sees the same examples every time. Every bug this finds is fixed and its example kept as a file
in tests/bad_scenarios/.
"""

from __future__ import annotations

import copy
import functools
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxsim import run_size
from cxsim.errors import ScenarioError
from cxsim.scenario import Scenario
from cxsim.yaml_source import source_from_dict, source_from_text

SHIPPED = sorted(Path(__file__).parents[2].joinpath("scenarios").glob("*.yaml"))


def fuzz(examples: int) -> settings:
    return settings(derandomize=True, deadline=timedelta(seconds=3), database=None, max_examples=examples,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@functools.cache
def shipped_text(index: int) -> str:
    return SHIPPED[index].read_text(encoding="utf-8")


@functools.cache
def shipped_data(index: int) -> dict:
    return source_from_text(shipped_text(index), SHIPPED[index].name).data


def only_scenario_errors(load) -> None:
    """Run ``load``; a refusal must be one ScenarioError line, and an accepted scenario must be measurable."""
    try:
        scenario = load()
    except ScenarioError as err:
        assert "\n" not in str(err)
        return
    size = run_size.estimate(scenario)
    assert size.events >= 0 and not math.isnan(size.events)


def paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value in ``data`` (mappings and lists)."""
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += paths(value, prefix + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += paths(value, prefix + (i,))
    return out


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.sampled_from([0, -1, 1, 10**9, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e-308, 5e-324, 1e-320]),
    st.sampled_from(["", " ", "nan", "inf", "-inf", "1e400 h", "1e305 years", "0 min", "-5 min", "1 per 0 h",
                     "yes", "no", "on", "1:30", "0o17", "12 months", "1 per month", "2 h per day", "24/7",
                     "business", "lognormal", "resolved", "*", "~", "null", "{", "[", "a: b", "\x00",
                     "\x85"]),
    st.text(max_size=12),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(max_size=6), SCALARS,
                                                                           max_size=3))


def mutate(data: dict, where: tuple, how: str, value: Any) -> dict:
    data = copy.deepcopy(data)
    if not where:
        return data
    parent = data
    for part in where[:-1]:
        parent = parent[part]
    last = where[-1]
    if how == "delete":
        del parent[last]
    elif how == "replace":
        parent[last] = value
    elif how == "wrap":  # a value where a list or mapping was expected, or the other way round
        parent[last] = [parent[last]] if not isinstance(parent[last], list) else {"x": parent[last]}
    elif how == "add" and isinstance(parent[last], dict):
        parent[last][str(value)[:10]] = value
    return data


@fuzz(400)
@given(st.data())
def test_mutated_shipped_scenarios_raise_only_scenario_errors(data):
    index = data.draw(st.integers(0, len(SHIPPED) - 1), label="scenario")
    original = shipped_data(index)
    changed = original
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        where = data.draw(st.sampled_from(paths(changed)), label="path")
        how = data.draw(st.sampled_from(["delete", "replace", "replace", "wrap", "add"]), label="how")
        changed = mutate(changed, where, how, data.draw(VALUES, label="value"))
    only_scenario_errors(lambda: Scenario.from_source(source_from_dict(changed, "fuzz.yaml")))


LINE_EDITS = st.sampled_from(["delete", "duplicate", "indent", "dedent", "tab", "truncate", "insert"])


@fuzz(150)
@given(st.data())
def test_edited_shipped_texts_raise_only_scenario_errors(data):
    index = data.draw(st.sampled_from([i for i, p in enumerate(SHIPPED) if p.stat().st_size < 12_000]))
    lines = shipped_text(index).splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        edit = data.draw(LINE_EDITS)
        if edit == "delete":
            del lines[i]
        elif edit == "duplicate":
            lines.insert(i, lines[i])
        elif edit == "indent":
            lines[i] = "  " + lines[i]
        elif edit == "dedent":
            lines[i] = lines[i][1:]
        elif edit == "tab":
            lines[i] = "\t" + lines[i]
        elif edit == "truncate":
            lines[i] = lines[i][: data.draw(st.integers(0, max(0, len(lines[i]) - 1)))]
        else:
            at = data.draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + data.draw(st.text(max_size=4)) + lines[i][at:]
        if not lines:
            break
    text = "\n".join(lines) + "\n"
    only_scenario_errors(lambda: Scenario.from_source(source_from_text(text, "fuzz.yaml")))


YAML_PIECES = st.sampled_from([
    "name: x\n", "case_types:\n", "designs:\n", "  a:\n", "    teams:\n", "  - ", "- ", "? ", ": ", "&a ",
    "*a", "<<: *a\n", "!!int ", "!!float ", "!!str ", "!!set ", "!!map ", "!!seq ", "!!binary ",
    "!!timestamp ",
    "!foo ", "[", "]", "{", "}", ",", "'", '"', "|\n", ">\n", "#", "---\n", "...\n", "%YAML 1.1\n", "\t",
    "\n",
    "  ", "0o7", "012", "1e309", ".nan", ".inf", "-.inf", "1:30", "yes", "~", "null", "2026-13-45", "\x00",
    "\x07", "\ufeff", "\u2028",
])


@fuzz(400)
@given(st.lists(st.one_of(YAML_PIECES, st.text(max_size=5)), max_size=40).map("".join))
def test_random_yaml_raises_only_scenario_errors(text):
    only_scenario_errors(lambda: Scenario.from_source(source_from_text(text, "fuzz.yaml")))
