"""Churn is decided at renewal from the experience of the term, the customer base stays steady by default, and
chasing accrues in the customer's working hours (issue 8, findings 2, 6 and part of 1).

Rates are checked against binomial 99.9% intervals over thousands of renewal decisions pooled over
replications; the chasing rule is exact, so it is checked case by case against a reference computed here.
"""

from __future__ import annotations

import math

import pytest
from scipy import stats

import cxsim
from cxsim import formatting as fmt
from cxsim.engine import Listener, Replication
from cxsim.engine.population import Population, base_churn, disloyal_share, high_effort, renewal_churn
from cxsim.errors import ScenarioError
from cxsim.loader import load_scenario
from cxsim.metrics import replication_metrics
from cxsim.runner import run_replication
from cxsim.scenario import Churn
from cxsim.units import HOURS_PER_MONTH
from cxsim.working_hours import WorkingHours

SEED = 8
MONTH = HOURS_PER_MONTH


class Decisions(Listener):
    """Counts renewal decisions (kept or lost) made at or after ``since``."""

    def __init__(self, since: float = 0.0) -> None:
        self.since = since
        self.kept = 0
        self.lost = 0

    def customer_renewed(self, customer, now: float) -> None:
        self.kept += now >= self.since

    def customer_churned(self, customer, now: float) -> None:
        self.lost += now >= self.since


def churn_scenario(*, loyalty: float, churn: dict, case_rate: str = "1.5 per month", count: int = 1500,
                   months: int = 12, term: str = "12 months", **customers) -> dict:
    return {
        "name": "renewals", "horizon": f"{months} months",
        "customers": {"count": count, "case_rate": case_rate, "loyalty": loyalty,
                      "contract": {"term": term}, **customers},
        "churn": churn,
        "case_types": {"q": {"share": 1.0, "skills": ["s"], "fix_time": "10 min"}},
        "designs": {"d": {"teams": {"t": {"agents": 30, "skills": {"s": 1.0}, "hours": "24/7"}}}},
    }


def renewal_share(scenario: dict, replications: int, since: float = 0.0) -> tuple[float, int]:
    """Share of renewal decisions that lost the customer, pooled over replications, and the decisions."""
    loaded = load_scenario(scenario)
    kept = lost = 0
    for r in range(replications):
        spy = Decisions(since)
        Replication(loaded, "d", SEED, r, listeners=[spy]).run()
        kept, lost = kept + spy.kept, lost + spy.lost
    return lost / (kept + lost), kept + lost


def assert_binomial(share: float, n: int, p: float, what: str) -> None:
    half = stats.norm.ppf(0.9995) * math.sqrt(p * (1 - p) / n)
    assert abs(share - p) < half, f"{what}: {share:.4f} over {n} decisions, expected {p:.4f} +- {half:.4f}"


# ---------------------------------------------------------------- the rule (exact)


def test_the_curve_maps_ceb_96_vs_9_percent():
    """E = 0 is CEB's 9% disloyal and gives the base churn; E = 1 is the 96% and 96/9 times the base."""
    churn = Churn()
    assert disloyal_share(churn, 0.0) == pytest.approx(0.09)
    assert disloyal_share(churn, 1.0) == pytest.approx(0.96)
    base = base_churn(0.95, 8766.0)
    assert base == pytest.approx(0.05)
    assert renewal_churn(churn, base, 0.0) == pytest.approx(0.05)
    assert renewal_churn(churn, base, 1.0) / base == pytest.approx(0.96 / 0.09)
    assert renewal_churn(churn, 0.2, 1.0) == 1.0  # capped
    assert high_effort(churn, 0.0) == 0.0  # a flawless case is no effort at all
    assert high_effort(churn, 200.0) == pytest.approx(1.0)
    values = [high_effort(churn, x) for x in range(0, 80, 5)]
    assert values == sorted(values)
    assert base_churn(0.95, 6 * MONTH) == pytest.approx(1 - 0.95 ** 0.5)  # loyalty is annual


def test_recent_cases_weigh_more_and_good_cases_restore_trust():
    population = Population.__new__(Population)
    population.churn = Churn(half_life="30 days")

    def experience(cases: list[tuple[float, float]], renewal: float) -> float:
        customer = type("C", (), {})()
        customer.experience = customer.weight = 0.0
        customer.mark = 0.0
        customer.open_cases = set()
        for at, share in cases:
            population._experience(customer, at, share, 1.0)
        return population.term_experience(customer, renewal)

    day = 24.0
    bad_then_good = experience([(10 * day, 1.0), (300 * day, 0.0)], 330 * day)
    good_then_bad = experience([(10 * day, 0.0), (300 * day, 1.0)], 330 * day)
    assert good_then_bad > 0.9 > 0.1 > bad_then_good  # the recent case dominates
    one_bad = experience([(300 * day, 1.0)], 330 * day)
    assert one_bad == 1.0
    assert experience([(300 * day, 1.0), (310 * day, 0.0), (320 * day, 0.0)], 330 * day) < 0.5  # trust back
    assert experience([], 330 * day) == 0.0


@pytest.mark.parametrize("field, value", [("disloyal_low", 0.0), ("disloyal_low", 0.97),
                                          ("half_life", "0 days"), ("disloyal_high", 1.5)])
def test_bad_churn_parameters_are_one_line_errors(field, value):
    scenario = churn_scenario(loyalty=0.95, churn={field: value})
    with pytest.raises(ScenarioError) as err:
        load_scenario(scenario)
    assert "\n" not in str(err.value) and "churn" in str(err.value)


# ---------------------------------------------------------------- the rule in the engine


@pytest.mark.slow
def test_flawless_service_gives_exactly_the_base_churn():
    """18 flawless cases a year (score 0) leave the annual churn at 1 - loyalty. The old rule multiplied
    loyalty by (1 - p >= 1%) after every case: 28% here, measured on the old code."""
    flawless = {"weights": {"effort_hours": 0, "transfers": 0, "reopens": 0, "days": 0, "unresolved": 0}}
    share, n = renewal_share(churn_scenario(loyalty=0.9, churn=flawless), replications=3)
    assert_binomial(share, n, 0.10, "flawless service")


@pytest.mark.slow
def test_a_high_effort_term_gives_the_effortless_experience_contrast():
    """Every case high-effort (a tiny midpoint): churn at renewal is 96/9 times the base churn."""
    harsh = {"midpoint": 0.01, "scale": 0.001}
    # Decisions after two months: every customer has had cases in the term by then (5 a month).
    share, n = renewal_share(churn_scenario(loyalty=0.95, churn=harsh, case_rate="5 per month", count=800),
                             replications=2, since=2 * MONTH)
    assert_binomial(share, n, 0.05 * 0.96 / 0.09, "high-effort terms")


def test_annual_churn_rate_counts_only_renewals_decided_in_the_window():
    """2-year contracts over 6 months: only about a quarter of the customers decide, and those who have not
    decided yet are not counted as kept. The old churn_rate (lost / customers) said about 9% here."""
    scenario = load_scenario(churn_scenario(loyalty=0.8, churn={"curve": "none"}, term="24 months",
                                            months=6, count=3000, case_rate="0.1 per month"))
    lost = decided = 0
    for r in range(3):
        out = run_replication(scenario, "d", SEED, r, cases="none")
        metrics = replication_metrics(out)
        assert metrics["customers_lost"] == out.customers_churned
        assert metrics["annual_churn_rate"] == pytest.approx(
            1 - (out.renewals / (out.renewals + out.customers_churned)) ** 0.5)
        lost, decided = lost + out.customers_churned, decided + out.renewals + out.customers_churned
    assert decided < 0.35 * 3 * 3000
    assert_binomial(lost / decided, decided, 1 - 0.8 ** 2, "churn per 2-year renewal")


def test_churned_customers_are_replaced_by_default():
    """``acquisition: steady`` (the default): the base keeps its size; an explicit 0 lets it shrink."""
    steady = load_scenario(churn_scenario(loyalty=0.5, churn={"curve": "none"}, count=400,
                                          case_rate="0.5 per month"))
    assert steady.customers.acquisition == "steady"
    rep = Replication(steady, "d", SEED, 0).run()
    assert len(rep.population.active) == 400 and rep.population.joined > 500
    shrinking = load_scenario(churn_scenario(loyalty=0.5, churn={"curve": "none"}, count=400,
                                             case_rate="0.5 per month", acquisition="0 per month"))
    rep = Replication(shrinking, "d", SEED, 0).run()
    assert len(rep.population.active) < 300 and rep.population.joined == 400


# ---------------------------------------------------------------- chasing in the customer's working hours

BUSINESS = WorkingHours.business()


def chasing_scenario(effort: dict) -> dict:
    """A team open one hour a week (Monday 08:00-09:00, before the customers start work): cases wait days,
    over weekends, then are fixed in their first session, so each case's chasing is exactly that of one
    wait, [opened, first session)."""
    return {
        "name": "chasing", "horizon": "8 weeks",
        "arrivals": {"process": "poisson", "rate": "3 per day"},
        "case_types": {
            "urgent": {"share": 0.5, "skills": ["s"], "fix_time": "1 min", "diagnosis_time": "1 min",
                       "severity": 1},
            "routine": {"share": 0.5, "skills": ["s"], "fix_time": "1 min", "diagnosis_time": "1 min",
                        "severity": 4},
        },
        "effort": effort,
        "designs": {"d": {"teams": {"t": {"agents": 1, "skills": {"s": 1.0},
                                          "hours": {"days": "mon", "open": "08:00",
                                                    "close": "09:00"}}},
                          "incentive": {"scheme": "resolution"}}},
    }


def expected_chasing(a: float, b: float, rate: float, cap: float | None) -> float:
    """Reference: ``rate`` per business hour over [a, b], at most ``cap`` per calendar day."""
    total, day = 0.0, math.floor(a / 24)
    while day * 24 < b:
        amount = rate * BUSINESS.open_hours(max(a, day * 24), min(b, day * 24 + 24))
        total += amount if cap is None else min(cap, amount)
        day += 1
    return total


def waits(effort: dict):
    out = run_replication(load_scenario(chasing_scenario(effort)), "d", SEED, 0, cases="all")
    resolved = [c for c in out.cases if c.status == "resolved"]
    assert len(resolved) > 100
    for case in resolved:
        assert case.sessions == 1
        yield case, case.opened_at_hours, case.visits[0].started_at


def test_no_chasing_at_night_or_at_the_weekend_and_severity_scales_it():
    """1 h per day is 1 h per business day (1/8 h per open hour), doubled for severity 1, halved for 4."""
    weekend_waits = 0
    for case, opened, started in waits({"chasing": "1 h per day", "chasing_severity": {1: 2, 4: 0.5}}):
        factor = 2.0 if case.case_type == "urgent" else 0.5
        assert case.effort_waiting_hours == pytest.approx(expected_chasing(opened, started, factor / 8, None),
                                                          abs=1e-9), case
        if BUSINESS.open_hours(opened, started) == 0 and started - opened > 40:
            weekend_waits += 1  # opened after Friday 17:00, served Monday 8-9: not one hour chased
            assert case.effort_waiting_hours == 0.0
    assert weekend_waits > 3


def test_the_daily_cap_binds():
    """4 h per business day against a cap of 2 h per day: a full working day of waiting costs 2 h."""
    capped = 0
    for case, opened, started in waits({"chasing": "4 h per day", "chasing_cap": "2 h"}):
        assert case.effort_waiting_hours == pytest.approx(expected_chasing(opened, started, 0.5, 2.0),
                                                          abs=1e-9), case
        capped += expected_chasing(opened, started, 0.5, None) > case.effort_waiting_hours + 1
    assert capped > 50


@pytest.mark.parametrize("effort", [{"chasing_severity": {5: 1.0}}, {"chasing_severity": {2: -1}},
                                    {"chasing_cap": "0 h"}])
def test_bad_chasing_parameters_are_one_line_errors(effort):
    with pytest.raises(ScenarioError) as err:
        load_scenario(chasing_scenario(effort))
    assert "\n" not in str(err.value) and "effort" in str(err.value)


def test_bad_acquisition_is_a_one_line_error():
    scenario = churn_scenario(loyalty=0.9, churn={}, acquisition="lots")
    with pytest.raises(ScenarioError, match="customers.acquisition: use 'steady'") as err:
        load_scenario(scenario)
    assert "\n" not in str(err.value)


def test_money_is_labelled_with_the_scenarios_currency():
    scenario = churn_scenario(loyalty=0.9, churn={}, count=100, months=2)
    for currency, label in ((None, "MRR lost"), ("EUR", "MRR lost (EUR)")):
        if currency:
            scenario["currency"] = currency
        result = cxsim.run(scenario, replications=2)
        sections = fmt.comparison_table(result.summary)
        rows = {row.metric: row.label for section in sections for row in section.rows}
        assert rows["lost_mrr"] == label
        assert result.summary.to_json()["scenario_content"]["currency"] == currency
