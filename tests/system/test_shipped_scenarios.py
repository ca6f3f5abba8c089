"""Back-tests of the shipped scenarios: they validate, and one_lane_tech tells the seed-000 story."""

from __future__ import annotations

from pathlib import Path

import pytest

import cxsim
from cxsim.distributions import Constant

SCENARIOS = sorted(Path("scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenario_validates(path):
    scenario = cxsim.load_scenario(path)
    assert scenario.designs


@pytest.fixture(scope="module")
def story():
    scenario = cxsim.load_scenario("scenarios/one_lane_tech.yaml")
    return scenario, cxsim.run(scenario, replications=4)


@pytest.mark.slow
def test_story_setup_is_faithful(story):
    scenario, result = story
    integration = scenario.case_types["integration"]
    assert integration.fix_time == Constant(5 / 60)  # seed 000: a 5-minute fix
    assert {"one_lane", "integrated"} <= set(scenario.designs)
    lanes = scenario.designs["one_lane"]
    assert len(lanes.teams) >= 7
    assert lanes.transfer.policy == "cold" and lanes.incentive.scheme == "close_fast"
    integrated = scenario.designs["integrated"]
    assert integrated.transfer.policy in ("swarm", "owner") and integrated.incentive.scheme == "resolution"
    cost = {d: result.metric(d, "staff_cost") for d in ("one_lane", "integrated")}
    assert abs(cost["one_lane"] - cost["integrated"]) <= 0.1 * cost["one_lane"]


@pytest.mark.slow
def test_one_lane_reproduces_the_story(story):
    _, result = story
    lane = result.summary.designs["one_lane"].case_types["integration"]
    assert 40 <= lane["effort_hours_p50"].mean <= 90
    assert 20 <= lane["resolution_days_p50"].mean <= 40
    assert lane["transfers_per_case"].mean > 3  # the lane hopping is why


@pytest.mark.slow
def test_integrated_resolves_the_same_cases_fast(story):
    _, result = story
    owner = result.summary.designs["integrated"].case_types["integration"]
    assert owner["resolution_days_p50"].mean < 2
    assert owner["effort_hours_p50"].mean < 5


@pytest.mark.slow
def test_dashboard_flatters_the_lanes(story):
    """The company's ticket metrics favour one_lane while customers live the opposite."""
    _, result = story
    m = result.metric
    assert m("one_lane", "tickets_closed") > m("integrated", "tickets_closed")
    assert m("one_lane", "ticket_handle_minutes") < m("integrated", "ticket_handle_minutes")
    assert m("one_lane", "effort_hours_mean") > 3 * m("integrated", "effort_hours_mean")
    assert m("one_lane", "churn_rate") > m("integrated", "churn_rate")
