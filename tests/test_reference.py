"""Tests for cxsim.reference: the committed scenario reference is current and documents every field."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import pytest
from pydantic import BaseModel
from ruamel.yaml import YAML

from cxsim import distributions
from cxsim.docs import (
    DISTRIBUTION_EXAMPLES,
    EXAMPLE_SCENARIO,
    POLICIES,
    SCHEME_DEFAULTS,
    reachable_models,
    render_reference,
)
from cxsim.loader import load_scenario
from cxsim.scenario import Scenario

DOCS = Path(__file__).resolve().parents[1] / "docs" / "scenario-reference.md"
REGENERATE = "regenerate with python -m cxsim.reference > docs/scenario-reference.md"


def _models_in(tp: Any) -> Iterator[type[BaseModel]]:
    """Models anywhere inside a type (Optional, Annotated, list, dict ...)."""
    if get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        yield tp
        return
    for arg in get_args(tp):
        yield from _models_in(arg)


def _all_models() -> list[type[BaseModel]]:
    """Every model reachable from Scenario, found independently of cxsim.reference."""
    seen: list[type[BaseModel]] = []
    todo = [Scenario]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.append(model)
        for field in model.model_fields.values():
            todo.extend(_models_in(field.annotation))
    return seen


def _fields() -> list[tuple[type[BaseModel], str, Any]]:
    return [(model, name, field) for model in _all_models() for name, field in model.model_fields.items()]


@pytest.fixture(scope="module")
def page() -> str:
    return render_reference()


def _section(page: str, title: str) -> list[str]:
    lines = page.splitlines()
    heading = f"### {title}"
    assert heading in lines, f"no section {heading!r} in the reference page"
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("#")), len(lines))
    return lines[start:end]


def test_committed_page_is_current(page: str) -> None:
    assert DOCS.exists(), f"{DOCS} is missing: {REGENERATE}"
    assert DOCS.read_text(encoding="utf-8") == page, REGENERATE


def test_render_is_deterministic(page: str) -> None:
    assert render_reference() == page


def test_every_model_is_found_by_the_renderer() -> None:
    assert set(reachable_models(Scenario)) == set(_all_models())


def test_every_field_appears_in_its_models_section(page: str) -> None:
    missing = []
    for model, name, field in _fields():
        key = field.alias or name
        if not any(line.startswith(f"| `{key}` |") for line in _section(page, model.__name__)):
            missing.append(f"{model.__name__}.{name}")
    assert not missing, "fields missing from the reference page: " + ", ".join(missing)


def test_every_field_has_a_docstring() -> None:
    undocumented = [f"{model.__name__}.{name}" for model, name, field in _fields()
                    if not (field.description or "").strip()]
    assert not undocumented, (
        "schema fields without a docstring (add one under the field in cxsim/scenario.py, then "
        + REGENERATE + "): " + ", ".join(undocumented)
    )


def test_every_model_has_a_docstring() -> None:
    undocumented = [m.__name__ for m in _all_models() if not (m.__dict__.get("__doc__") or "").strip()]
    assert not undocumented, "schema models without a docstring: " + ", ".join(undocumented)


def test_example_scenario_is_valid() -> None:
    data = YAML(typ="safe", pure=True).load(io.StringIO(EXAMPLE_SCENARIO))
    scenario = load_scenario(data)
    assert len(scenario.designs) >= 2


def test_every_distribution_family_has_an_example() -> None:
    assert set(DISTRIBUTION_EXAMPLES) == set(distributions._FAMILIES)


def test_default_tables_cover_every_policy_and_scheme(page: str) -> None:
    transfer = page[page.index("## Transfer policy defaults"):]
    header = next(line for line in transfer.splitlines() if line.startswith("|"))
    assert all(f"`{name}`" in header for name in POLICIES)
    incentive = page[page.index("## Incentive scheme defaults"):]
    header = next(line for line in incentive.splitlines() if line.startswith("|"))
    assert all(f"`{name}`" in header for name in SCHEME_DEFAULTS)
    for key in {k for values in SCHEME_DEFAULTS.values() for k in values}:
        assert f"| `{key}` |" in incentive
