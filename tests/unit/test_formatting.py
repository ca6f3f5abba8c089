"""The one formatter (cxsim.formatting) and the report's SVG id renumbering, on values built here."""

from __future__ import annotations

from cxsim import formatting as fmt
from cxsim.estimates import Difference, Estimate
from cxsim.report import renumber_ids


def test_one_rounding_rule():
    assert fmt.number(1234.4) == "1,234"
    assert fmt.number(123.4) == "123"
    assert fmt.number(12.34) == "12.3"
    assert fmt.number(1.234) == "1.23"
    assert fmt.number(-0.01234) == "-0.01"
    assert fmt.number(0.4821, "annual_churn_rate") == "48.2%"
    assert fmt.number(0.04821, "annual_churn_rate") == "4.82%"
    assert fmt.number(None) == fmt.number(float("nan"), "annual_churn_rate") == fmt.MISSING == "–"


def test_intervals_are_rounded_like_their_mean_and_in_its_unit():
    assert fmt.interval(Estimate(16.43, 9.871, 23.02)) == "(9.9–23.0)"
    assert fmt.interval(Estimate(0.482, 0.451, 0.513), "annual_churn_rate") == "(45.1–51.3)"
    assert fmt.interval(Estimate(2.0, 1.5, 2.5), prefix="95% CI ") == "(95% CI 1.50–2.50)"
    assert fmt.interval(Estimate(2.0)) == ""


def test_differences_are_signed_in_points_for_shares_and_starred_when_significant():
    assert fmt.difference(Difference(-2.5, -3.0, 1.0, significant=False)) == "-2.50"
    diff = Difference(0.05, 0.01, 0.09, significant=True)
    assert fmt.difference(diff, "annual_churn_rate") == "+5.00 pts *"
    assert fmt.difference(Difference(1234.0, 1000.0, 1500.0, significant=True)) == "+1,234 *"
    assert fmt.difference(Difference(None)) == "–"


def test_svg_ids_are_renumbered_in_order_with_their_references():
    svg = ('<svg><defs><clipPath id="p9f2"><rect/></clipPath><path id="DejaVuSans-48" d=""/></defs>'
           '<g clip-path="url(#p9f2)"><use xlink:href="#DejaVuSans-48"/><use href="#DejaVuSans-48"/></g>'
           '<g style="fill: url(#p9f2)"/></svg>')
    out = renumber_ids(svg, "chart")
    assert out == ('<svg><defs><clipPath id="chart-1"><rect/></clipPath><path id="chart-2" d=""/></defs>'
                   '<g clip-path="url(#chart-1)"><use xlink:href="#chart-2"/><use href="#chart-2"/></g>'
                   '<g style="fill: url(#chart-1)"/></svg>')


def test_money_is_shown_in_the_scenarios_currency():
    """Money metrics carry the scenario's ``currency`` (a code after the amount, a symbol before), and no
    unit at all when the scenario names none."""
    assert fmt.label("lost_mrr") == "MRR lost"
    assert fmt.label("lost_mrr", "EUR") == "MRR lost (EUR)"
    assert fmt.label("staff_cost", "$") == "staff cost / month ($)"
    assert fmt.label("effort_hours_mean", "EUR") == "effort, mean (h)"
    assert fmt.money(1234.4, "EUR") == "1,234 EUR"
    assert fmt.money(1234.4, "$") == "$1,234"
    assert fmt.money(1234.4) == "1,234"
    assert fmt.money(float("nan"), "EUR") == fmt.MISSING
