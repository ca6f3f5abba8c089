"""The scenario reference (cxsim.docs) and ``cxsim schema``: the committed page is a fresh render of the JSON
Schema, every model and field is on it with its docstring, the example is scenarios/minimal.yaml itself."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cxsim.scenario
from cxsim.docs import COMMAND, EXAMPLE, render
from cxsim.loader import load_scenario
from cxsim.policies import INCENTIVE_SCHEMES, INCENTIVE_TUNABLES, TRANSFER_POLICIES, TRANSFER_TUNABLES
from cxsim.scenario import Scenario
from cxsim.units import duration_text

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "scenario-reference.md"
REGENERATE = f"regenerate the page from the repository root: {COMMAND}"
SCHEMA = Scenario.model_json_schema()
MODELS = {SCHEMA["title"]: SCHEMA, **SCHEMA["$defs"]}


@pytest.fixture(scope="module")
def page() -> str:
    return render(ROOT)


def _section(page: str, heading: str) -> list[str]:
    lines = page.splitlines()
    assert heading in lines, f"no section {heading!r} on the reference page"
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith(("## ", "### "))), len(lines))
    return lines[start:end]


def _rows(lines: list[str]) -> dict[str, list[str]]:
    """The first Markdown table in ``lines``: its rows by their first cell (without backticks)."""
    start = next(i for i, line in enumerate(lines) if line.startswith("| "))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("| ")), len(lines))
    rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[start:end]]
    return {row[0].strip("`"): row[1:] for row in rows}


def test_committed_page_is_a_fresh_render(page: str) -> None:
    assert DOCS.exists(), f"{DOCS} is missing: {REGENERATE}"
    assert DOCS.read_text(encoding="utf-8") == page, f"docs/scenario-reference.md is stale: {REGENERATE}"


@pytest.mark.slow
def test_the_command_renders_the_same_page_in_any_process(page: str) -> None:
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-m", "cxsim.docs"], cwd=ROOT, env=env, capture_output=True,
                             check=True).stdout
        assert out.decode("utf-8") == page
    assert render(ROOT) == page
    assert page.splitlines()[2].startswith("<!-- Generated") and COMMAND in page.splitlines()[2]


def test_every_model_and_every_field_of_the_schema_is_on_the_page(page: str) -> None:
    missing = []
    for name, model in MODELS.items():
        rows = _rows(_section(page, f"### {name}"))
        missing += [f"{name}.{key}" for key in model["properties"] if key not in rows]
    assert not missing, "fields missing from the reference page: " + ", ".join(missing)


def test_every_model_and_every_field_has_a_docstring(page: str) -> None:
    undocumented = []
    for name, schema in MODELS.items():
        model = getattr(cxsim.scenario, name)
        if not (model.__dict__.get("__doc__") or "").strip() or not schema.get("description", "").strip():
            undocumented.append(name)
        undocumented += [f"{name}.{key}" for key, field in model.model_fields.items()
                         if not (field.description or "").strip()]
        undocumented += [f"{name}.{key} (on the page)" for key, cells in _rows(_section(page, f"### {name}"))
                         .items() if key in schema["properties"] and not cells[2]]
    assert not undocumented, ("add a docstring in cxsim/scenario.py, then " + REGENERATE + ": "
                              + ", ".join(undocumented))


def test_every_link_on_the_page_leads_to_a_heading(page: str) -> None:
    headings = {re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
                for line in page.splitlines() if line.startswith(("## ", "### "))}
    links = set(re.findall(r"\]\(#([^)]+)\)", page))
    assert links and links <= headings, f"links to no heading: {sorted(links - headings)}"


def test_example_is_minimal_yaml_verbatim_and_loads(page: str) -> None:
    block = "\n".join(_section(page, "## A complete example")) + "\n"
    start = block.index("```yaml\n") + len("```yaml\n")
    shown = block[start:block.index("```\n", start)]
    path = ROOT / EXAMPLE
    assert shown.encode("utf-8") == path.read_bytes()
    scenario = load_scenario(path)
    assert len(scenario.designs) >= 2


def test_example_is_read_from_the_repository_when_rendering(tmp_path: Path) -> None:
    (tmp_path / EXAMPLE).parent.mkdir(parents=True)
    (tmp_path / EXAMPLE).write_text("name: elsewhere\n", encoding="utf-8")
    assert "```yaml\nname: elsewhere\n```" in render(tmp_path)
    assert "name: elsewhere" not in render(ROOT)


def test_every_transfer_policy_and_incentive_scheme_is_on_the_page_with_its_defaults(page: str) -> None:
    def written(value: float | str) -> str:
        return f"`{value}`" if isinstance(value, str) else f"`{value:g}`"

    for model, by, table, tunables in (("Transfer", "policy", TRANSFER_POLICIES, TRANSFER_TUNABLES),
                                       ("Incentive", "scheme", INCENTIVE_SCHEMES, INCENTIVE_TUNABLES)):
        section = _section(page, f"### {model}")
        caption = f"Defaults set by `{by}` (a value given in the file overrides them):"
        rows = _rows(section[section.index(caption):])
        columns = [cell.strip("`") for cell in rows[by]]
        assert columns == list(table)
        for name, entry in table.items():
            assert f"- `{name}`: {entry.meaning}" in section
            for key in tunables:
                value = getattr(entry, key)
                expected = written(duration_text(value) if key == "handoff_time" else value)
                assert rows[key][columns.index(name)] == expected, f"{model} {name} {key}"


@pytest.mark.parametrize("model, key, words, default", [
    ("Scenario", "horizon", "duration", "`180 days`"),
    ("Scenario", "time_unit", "one of `min`, `h`, `day`", "*not set*"),
    ("Scenario", "designs", "mapping of name → [Design](#design) (at least 1)", "**required**"),
    ("Customers", "case_rate", "rate", "`1 per month`"),
    ("Effort", "chasing", "effort rate", "`1 h per day`"),
    ("CaseType", "fix_time", "distribution of durations", "**required**"),
    ("CaseType", "share", "number > 0 and ≤ 1", "**required**"),
    ("CaseType", "exchanges", "integer 1–20", "`1`"),
    ("Contract", "monthly_value", "distribution of numbers", "`1000`"),
    ("Team", "hours", "working hours", "`business`"),
    ("Intake", "accuracy", "probability 0–1", "`0.8`"),
    ("Design", "transfer", "[Transfer](#transfer)", "*all defaults*"),
    ("Transfer", "handoff_time", "duration", "*the `policy`'s*"),
    ("Sweep", "parameters", "list of [SweepParameter](#sweepparameter) (1–2)", "**required**"),
])
def test_schema_constructs_in_words(page: str, model: str, key: str, words: str, default: str) -> None:
    assert _rows(_section(page, f"### {model}"))[key][:2] == [words, default]


@pytest.mark.slow
def test_cxsim_schema_prints_the_json_schema() -> None:
    command = [sys.executable, "-m", "cxsim", "schema"]
    out = subprocess.run(command, capture_output=True, check=True, text=True)
    assert json.loads(out.stdout) == Scenario.model_json_schema()
    assert out.stdout.startswith('{\n  "$defs": {\n')  # indent 2
    helped = subprocess.run([*command, "--help"], capture_output=True, text=True)
    assert helped.returncode == 0 and "JSON Schema" in helped.stdout
