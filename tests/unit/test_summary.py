"""The typed summary: immutable values that serialise to summary.json's layout and read back from it, and
the metric catalogue they are ordered and grouped by."""

from __future__ import annotations

import dataclasses
import json
import math
import pickle

import pytest

import cxsim
from cxsim.catalogue import CASE_TYPE_METRICS, GROUPS, METRICS, PERCENT_METRICS
from cxsim.estimates import Difference, Estimate, mean_ci, paired_difference
from cxsim.summary import Summary

# The names and order of summary.json's metrics: renaming or reordering one changes every output file.
NAMES = (
    "cases", "effort_hours_mean", "effort_hours_p50", "effort_hours_p90", "effort_hours_p99",
    "effort_hours_max", "effort_contact_hours_mean", "effort_waiting_hours_mean",
    "effort_reexplain_hours_mean", "effort_reopen_hours_mean", "resolution_days_mean", "resolution_days_p50",
    "resolution_days_p90", "resolution_days_resolved_p50", "resolution_days_resolved_p90",
    "transfers_per_case", "tickets_per_case",
    "teams_per_case", "teams_3plus_share", "pingpong_share",
    "reopen_rate", "fcr", "unresolved_share",
    "annual_churn_rate", "customers_lost", "lost_mrr", "revenue_at_risk",
    "tickets_closed", "closed_resolved_share", "ticket_handle_minutes",
    "ticket_close_hours", "first_response_hours_mean", "first_response_hours_p90", "service_level",
    "sla_attainment", "utilization", "staff_cost", "queue_wait_hours_mean", "queue_wait_hours_p90",
    "failure_demand_share", "cases_per_month",
    "queue_wait_hours_sev1", "queue_wait_hours_sev2", "queue_wait_hours_sev3", "queue_wait_hours_sev4",
)
TOP_KEYS = (
    "scenario", "scenario_hash", "scenario_file", "seed", "replications", "cxsim_version", "horizon_hours",
    "warmup_hours", "cases_output", "baseline", "run", "precision", "designs", "case_types", "teams",
    "accounting", "warnings", "stability", "scenario_content",
)


@pytest.fixture(scope="module")
def summary() -> Summary:
    result = cxsim.run("scenarios/minimal.yaml", replications=3, seed=2, horizon="30 days", precision=0.9)
    return result.summary


# ------------------------------------------------------------------ the catalogue


def test_catalogue_keeps_the_names_and_order():
    assert tuple(METRICS) == NAMES
    assert all(name == m.name for name, m in METRICS.items())


def test_every_metric_says_what_it_means_and_what_it_is_per():
    for m in METRICS.values():
        assert m.label and m.meaning and m.period, m
        assert m.group in GROUPS, m
        assert m.part_of is None or METRICS[m.part_of].group == m.group, m


def test_groups_are_contiguous_in_table_order():
    """Tables section rows by group: each group is one run of rows, in the order GROUPS lists them."""
    runs = [g for i, g in enumerate(m.group for m in METRICS.values())
            if i == 0 or g != list(METRICS.values())[i - 1].group]
    assert runs == list(GROUPS)


def test_derived_sets():
    assert PERCENT_METRICS == {"reopen_rate", "fcr", "unresolved_share", "annual_churn_rate",
                               "closed_resolved_share", "utilization", "service_level", "sla_attainment",
                               "failure_demand_share", "teams_3plus_share", "pingpong_share"}
    assert CASE_TYPE_METRICS == (
        "cases", "effort_hours_mean", "effort_hours_p50", "effort_hours_p90", "resolution_days_mean",
        "resolution_days_p50", "resolution_days_p90", "resolution_days_resolved_p50",
        "resolution_days_resolved_p90", "transfers_per_case", "tickets_per_case",
        "teams_per_case", "pingpong_share", "reopen_rate", "fcr", "unresolved_share")


# ------------------------------------------------------------------ estimates


def test_estimates_and_their_json():
    assert mean_ci([]) == Estimate(None, None, None)
    assert mean_ci([2.0, float("nan")]) == Estimate(2.0, None, None)
    e = mean_ci([1.0, 2.0, 3.0])
    assert e.mean == 2.0 and e.low < 2.0 < e.high
    assert e.to_json() == {"mean": 2.0, "ci95": [e.low, e.high]}
    assert Estimate.from_json(e.to_json()) == e
    d = paired_difference([2.0, 3.0, 4.0], [1.0, 1.9, 3.1])
    assert isinstance(d, Difference) and d.significant
    assert list(d.to_json()) == ["mean", "ci95", "significant"]
    assert Difference.from_json(json.loads(json.dumps(d.to_json()))) == d
    assert not paired_difference([1.0, 2.0], [1.0, 2.0]).significant
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.mean = 3.0  # type: ignore[misc]


# ------------------------------------------------------------------ the summary


def test_summary_json_has_todays_layout(summary):
    data = summary.to_json()
    assert tuple(data) == TOP_KEYS
    base = data["baseline"]
    for design, block in data["designs"].items():
        expected = [*NAMES, "vs_baseline"] if design != base else list(NAMES)
        assert list(block) == expected
        for value in (block[m] for m in NAMES):
            assert list(value) == ["mean", "ci95"] and len(value["ci95"]) == 2
        for value in block.get("vs_baseline", {}).values():
            assert list(value) == ["mean", "ci95", "significant"]
        assert all(list(m) == list(CASE_TYPE_METRICS) for m in data["case_types"][design].values())
        assert all(list(t) == ["utilization", "offered_load_planned", "wait_hours_mean", "wait_hours_p90",
                               "offered_load", "failure_share"] for t in data["teams"][design].values())
        assert list(data["accounting"][design]) == ["resolved", "abandoned", "open", "counted", "simulated"]
    assert list(data["run"]) == ["workers", "wall_seconds"]
    assert data["precision"]["reached"] is True
    assert json.loads(json.dumps(data, allow_nan=False)) == data  # plain JSON: no NaN, no tuples


def test_summary_reads_back_from_json(summary):
    data = json.loads(json.dumps(summary.to_json()))
    again = Summary.from_json(data)
    assert again.to_json() == data
    assert again.designs.keys() == summary.designs.keys()
    one_team = again.designs["one_team"]
    assert one_team.metrics["effort_hours_mean"] == summary.designs["one_team"].metrics["effort_hours_mean"]
    assert isinstance(one_team.vs_baseline["effort_hours_mean"], Difference)
    assert again.designs[again.baseline].vs_baseline is None


def test_summary_is_immutable_and_pickles(summary):
    design = summary.designs["lanes"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.seed = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        design.metrics["cases"] = Estimate(0.0)  # type: ignore[index]
    with pytest.raises(TypeError):
        summary.precision["reached"] = False  # type: ignore[index]
    assert pickle.loads(pickle.dumps(summary)).to_json() == summary.to_json()


def test_typed_access_matches_the_json(summary):
    data = summary.to_json()
    for name, design in summary.designs.items():
        assert design.name == name
        for metric, value in design.metrics.items():
            assert data["designs"][name][metric]["mean"] == value.mean
            assert summary.metric(name, metric) == value.mean
        assert 0 < design.accounting.counted < design.accounting.simulated  # the warm-up's are not counted
        for team, utilisation in design.team_utilization.items():
            assert 0 <= utilisation.mean <= 1 and not math.isnan(utilisation.mean), team
