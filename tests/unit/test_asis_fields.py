"""The as-is fields of a scenario (``arrivals.profile``, ``intake.shares``, ``transfer.routing: matrix``,
``teams.<name>.work_time`` and ``ask_customer``): both forms of a profile, round trips, the JSON Schema, and
one located line for each kind of mistake."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import pytest

import cxsim
from cxsim.errors import ScenarioError
from cxsim.scenario import DAYS, Scenario
from cxsim.yaml_source import load_source

EXAMPLE = Path(__file__).resolve().parents[1] / "model" / "asis_example.yaml"
TEAM = {"agents": 1, "skills": ["s"], "work_time": "30 min"}
BASE = {
    "name": "asis",
    "arrivals": {"process": "poisson", "rate": "10 per day"},
    "case_types": {"job": {"share": 1.0, "skills": ["s"], "fix_time": "0 min"}},
    "designs": {"d": {
        "teams": {"a": dict(TEAM), "b": dict(TEAM)},
        "intake": {"shares": {"a": 0.75, "b": 0.25}},
        "transfer": {"routing": "matrix", "matrix": {"a": {"resolved": 0.5, "b": 0.5}, "b": {"resolved": 1}}},
    }},
}


def changed(path: str, value) -> dict:
    """BASE with the value at a dotted ``path`` replaced (``None``: removed)."""
    data = copy.deepcopy(BASE)
    *parents, key = path.split(".")
    node = data
    for part in parents:
        node = node[part]
    if value is None:
        node.pop(key)
    else:
        node[key] = value
    return data


def week(**days) -> dict:
    return {day: days.get(day, [1] * 24) for day in DAYS}


def test_base_is_valid_and_the_two_forms_of_a_profile_are_the_same_weights():
    by_day = {day: [i + 24 * d for i in range(24)] for d, day in enumerate(DAYS)}
    as_list = list(range(168))
    a = Scenario(**changed("arrivals.profile", by_day))
    b = Scenario(**changed("arrivals.profile", as_list))
    assert a.arrivals.weekly_weights == b.arrivals.weekly_weights == [float(x) for x in as_list]
    assert Scenario(**BASE).arrivals.weekly_weights is None
    for scenario in (a, b):  # what ran reads back as the same scenario
        assert Scenario(**scenario.content).content == scenario.content


def test_example_and_its_content_validate_against_the_json_schema():
    validator = jsonschema.Draft202012Validator(Scenario.model_json_schema())
    assert [e.message for e in validator.iter_errors(load_source(EXAMPLE).data)] == []
    assert [e.message for e in validator.iter_errors(cxsim.load_scenario(EXAMPLE).content)] == []
    bad = load_source(EXAMPLE).data
    bad["arrivals"]["profile"]["mon"] = [1] * 23
    assert list(validator.iter_errors(bad))


BAD = [
    # (id, path, value, the field the error names, a fragment of the message)
    ("profile-length", "arrivals.profile", [1] * 167, "arrivals.profile", "needs 168 weights, got 167"),
    ("profile-negative", "arrivals.profile", [1] * 5 + [-1] + [1] * 162, "arrivals.profile[5]", "0 or more"),
    ("profile-text", "arrivals.profile", [1] * 5 + ["x"] + [1] * 162, "arrivals.profile[5]", "0 or more"),
    ("profile-all-zero", "arrivals.profile", [0] * 168, "arrivals.profile", "every weight is 0"),
    ("profile-day-short", "arrivals.profile", week(fri=[1] * 23), "arrivals.profile.fri", "24 weights"),
    ("profile-day-missing", "arrivals.profile", {d: [1] * 24 for d in DAYS[:6]}, "arrivals.profile", "sun"),
    ("profile-day-unknown", "arrivals.profile", {**week(), "sunday": [1] * 24}, "arrivals.profile.sunday",
     "unknown day"),
    ("profile-and-hours", "arrivals", {**BASE["arrivals"], "hours": "business", "profile": week()},
     "arrivals.profile", "not both"),
    ("shares-sum", "designs.d.intake.shares", {"a": 0.7, "b": 0.2}, "designs.d.intake.shares", "sum to 0.9"),
    ("shares-unknown-team", "designs.d.intake.shares", {"a": 0.5, "c": 0.5}, "designs.d.intake.shares.c",
     "unknown team 'c'"),
    ("shares-and-team", "designs.d.intake.team", "a", "designs.d.intake.shares", "not both"),
    ("matrix-unknown-target", "designs.d.transfer.matrix", {"a": {"resolved": 0.5, "c": 0.5}},
     "designs.d.transfer.matrix.a.c", "unknown team 'c'"),
    ("matrix-unknown-row", "designs.d.transfer.matrix", {"c": {"resolved": 1}},
     "designs.d.transfer.matrix.c", "unknown team 'c'"),
    ("matrix-row-sum", "designs.d.transfer.matrix", {"a": {"resolved": 0.5, "b": 0.4}},
     "designs.d.transfer.matrix.a", "sums to 0.9"),
    ("matrix-no-way-out", "designs.d.transfer.matrix", {"a": {"b": 1}, "b": {"a": 1}},
     "designs.d.transfer.matrix.a", "no path leads to 'resolved'"),
    ("matrix-without-routing", "designs.d.transfer.routing", "guess", "designs.d.transfer.matrix",
     "routing: matrix"),
    ("routing-without-matrix", "designs.d.transfer.matrix", None, "designs.d.transfer.matrix",
     "needs a matrix"),
    ("matrix-needs-work-time", "designs.d.teams.b", {"agents": 1, "skills": ["s"]}, "designs.d.teams.b",
     "needs a work_time"),
    ("team-named-resolved", "designs.d.teams.resolved", dict(TEAM), "designs.d.teams.resolved", "rename"),
    ("ask-probability", "designs.d.teams.a", {**TEAM, "ask_customer": 1.5}, "designs.d.teams.a.ask_customer",
     "less than 1"),
    # p = 1 would ask the customer forever (p / (1 - p) waits a visit): with zero times, a hang at one instant
    ("ask-always", "designs.d.teams.a", {**TEAM, "ask_customer": 1}, "designs.d.teams.a.ask_customer",
     "less than 1"),
]


@pytest.mark.parametrize(("path", "value", "field", "fragment"), [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
def test_each_mistake_is_one_located_line(path, value, field, fragment):
    with pytest.raises(ScenarioError) as info:
        Scenario(**changed(path, value))
    text = str(info.value)
    assert "\n" not in text
    assert f": {field}: " in text, text
    assert fragment in text, text


def test_work_time_and_ask_customer_are_refused_under_guess_routing():
    data = changed("designs.d.transfer", {"routing": "guess"})
    data["designs"]["d"]["intake"] = {}
    with pytest.raises(ScenarioError, match=r"designs\.d\.teams\.a\.work_time: work_time is for"):
        Scenario(**data)
    data["designs"]["d"]["teams"] = {"a": {"agents": 1, "skills": ["s"], "ask_customer": 0.2}}
    with pytest.raises(ScenarioError, match=r"designs\.d\.teams\.a\.ask_customer: ask_customer is for"):
        Scenario(**data)


def test_matrix_routing_refuses_lanes():
    data = copy.deepcopy(BASE)
    data["designs"]["d"] = {"lanes": {"count": 1, "agents": 2}, "transfer": BASE["designs"]["d"]["transfer"]}
    with pytest.raises(ScenarioError, match=r"designs\.d\.transfer\.routing: matrix routing names teams"):
        Scenario(**data)


def test_the_report_says_which_designs_route_by_the_observed_matrix():
    from cxsim.report import design_rules

    scenario = cxsim.load_scenario(EXAMPLE)
    rows = {row["label"]: row["cells"] for row in design_rules(scenario.content, list(scenario.designs))}
    assert rows["where a case goes next: guessed, or drawn from the observed matrix"] == ["matrix", "guess"]
