"""Sensitivity's pieces in isolation: finding the values a file marks ``# [assumption]``, varying a value
(numbers, integers, quantities with units, distributions, shares), refusing what cannot be varied, and
Morris elementary effects on functions whose effects are known."""

from __future__ import annotations

import numpy as np
import pytest

from cxsim.errors import ScenarioError
from cxsim.loader import load_scenario
from cxsim.scenario import Scenario
from cxsim.sensitivity import (
    _comment,
    assumption_paths,
    elementary_effects,
    morris_trajectories,
    resolve_parameters,
)
from cxsim.yaml_source import source_from_text

SNIPPET = """\
name: snippet
description: "quoted, so not a comment: # [assumption]"
horizon: 30 days       # [assumption] run control: never varied by default
warmup: 5 days
customers:
  count: 200           # [assumption] accounts
  case_rate: 1.5 per month   # [assumption]
  loyalty: 0.95        # [assumption] renewals when service is fine
  patience: {dist: uniform, low: 10 days, high: 20 days}   # [assumption] as a whole
arrivals: {process: population, hours: business}   # [assumption] not a number: left out
case_types:            # shares [assumption]: a mapping line, not a value
  how_to: {share: 1.0, skills: [product], fix_time: 10 min}
effort:
  chasing: 1 h per day # [seed 000] a fact, not marked
  reply: 20 min        # [assumption unless noted] another tag
designs:
  lanes:
    teams:
      product: {agents: 3, skills: [product]}   # [assumption] lane size
"""


def snippet() -> tuple[Scenario, object]:
    source = source_from_text(SNIPPET, "snippet.yaml")
    return Scenario.from_source(source), source


def test_discovery_finds_marked_numbers_in_file_order():
    _, source = snippet()
    assert assumption_paths(source) == [
        "customers.count", "customers.case_rate", "customers.loyalty", "customers.patience",
        "designs.lanes.teams.product.agents",
    ]


def test_comments_are_found_outside_quotes_only():
    assert _comment("a: 1  # [assumption] x") == " [assumption] x"
    assert _comment('a: "b # c"') is None
    assert _comment("a: 'b # c'   # d") == " d"
    assert _comment("a: b#c") is None  # a '#' inside a plain scalar
    assert _comment("# whole line") == " whole line"


def test_discovery_without_marks_or_text_is_empty():
    source = source_from_text(SNIPPET.replace("[assumption]", "[fact]"), "x.yaml")
    assert assumption_paths(source) == []


def test_variation_rules():
    scenario, source = snippet()
    params = {p.path: p for p in resolve_parameters(scenario, [
        "customers.count", "customers.case_rate", "customers.loyalty", "customers.patience",
        "designs.lanes.teams.product.agents", "effort.chasing"], 0.25, source)}
    count = params["customers.count"]
    assert (count.low, count.high, count.rule, count.line) == ((150,), (250,), "multiplicative", 6)
    # A rate keeps its unit (as the scenario records it: 1.5 per month is 18 per year); an effort rate too.
    assert params["customers.case_rate"].low == ("13.5 per year",)
    assert params["effort.chasing"].high == ("1.25 h per day",)
    # 0.95 x 1.25 is not a probability: varied through 1 - p (5% churn moves by 25%).
    loyalty = params["customers.loyalty"]
    assert loyalty.rule == "complement"
    assert loyalty.low == pytest.approx((0.9375,)) and loyalty.high == pytest.approx((0.9625,))
    # A distribution is scaled as a whole.
    assert params["customers.patience"].high == (
        {"dist": "uniform", "low": "12.5 days", "high": "25 days"},)
    # An integer moves by at least 1 (3 x 0.75 = 2.25 -> 2; 3 x 1.25 = 3.75 -> 4).
    assert params["designs.lanes.teams.product.agents"].low == (2,)
    for p in params.values():  # every variant is a valid scenario
        for side in (-1.0, 1.0):
            load_scenario(p.apply(scenario.content, side))


def test_small_integers_still_move():
    scenario, source = snippet()
    data = scenario.content
    data["designs"]["lanes"]["teams"]["product"]["agents"] = 2
    (p,) = resolve_parameters(load_scenario(data), ["designs.lanes.teams.product.agents"], 0.1)
    assert (p.low, p.high) == ((1,), (3,))


def test_wildcards_vary_every_match():
    scenario, source = snippet()
    (p,) = resolve_parameters(scenario, ["designs.*.teams.*.agents"], 0.5, source)
    assert p.targets == (("designs", "lanes", "teams", "product", "agents"),) and p.high == (4,)


@pytest.mark.parametrize(("path", "says"), [
    ("customers.nope", "customers.nope: matches no value"),
    ("arrivals.hours", "arrivals.hours: is 'business', not a number"),
    ("designs.lanes.teams.product.skills", "not a number"),
    ("effort.presence", "at +25% (1.25) the scenario refuses it"),
])
def test_bad_parameters_are_refused_with_file_line_and_field(path, says):
    scenario, source = snippet()
    with pytest.raises(ScenarioError) as err:
        resolve_parameters(scenario, [path], 0.25, source)
    assert says in str(err.value) and str(err.value).startswith("snippet.yaml")
    assert "\n" not in str(err.value)


def test_bad_parameter_names_its_line():
    scenario, source = snippet()
    with pytest.raises(ScenarioError) as err:
        resolve_parameters(scenario, ["designs.lanes.teams.product.hours"], 0.25, source)
    assert str(err.value).startswith("snippet.yaml:19: designs.lanes.teams.product.hours")


def test_vary_must_be_a_fraction():
    scenario, source = snippet()
    with pytest.raises(ValueError):
        resolve_parameters(scenario, ["customers.count"], 1.5, source)


def test_morris_trajectories_move_one_input_at_a_time_on_the_grid():
    rng = np.random.default_rng(1)
    for points in morris_trajectories(5, 10, 4, rng):
        assert points.shape == (6, 5)
        steps = np.abs(np.diff(points, axis=0))
        assert ((steps > 1e-9).sum(axis=1) == 1).all()  # one input per step
        assert np.allclose(steps.max(axis=1), 2 / 3)  # delta = p / (2 (p - 1))
        assert sorted(np.argmax(steps, axis=1)) == list(range(5))  # each input moves once
        assert np.isin(np.round(points * 3, 9), [0, 1, 2, 3]).all()  # on the 4-level grid
        assert points.min() >= 0 and points.max() <= 1


def test_morris_ranks_a_linear_function_by_its_coefficients():
    coef = np.array([0.5, -8.0, 0.0, 3.0])
    rng = np.random.default_rng(7)
    design = morris_trajectories(4, 6, 4, rng)
    outputs = [list(points @ coef + 2.0) for points in design]
    ee = elementary_effects(design, outputs)
    assert ee["mu_star"] == pytest.approx(np.abs(coef))
    assert ee["mu"] == pytest.approx(coef)
    assert ee["sigma"] == pytest.approx(np.zeros(4), abs=1e-9)
    assert list(np.argsort(-ee["mu_star"])) == [1, 3, 0, 2]


def test_morris_sigma_sees_an_interaction():
    rng = np.random.default_rng(3)
    design = morris_trajectories(3, 8, 4, rng)
    outputs = [[x[0] * x[1] + 0.1 * x[2] for x in points] for points in design]
    ee = elementary_effects(design, outputs)
    assert ee["sigma"][0] > 0.1 and ee["sigma"][1] > 0.1 and ee["sigma"][2] == pytest.approx(0, abs=1e-9)
