"""The same metric shows the same number in the CLI table, summary.csv and the charts; shares are
percentages everywhere (axes included), money is in the scenario's currency, and a share's interval stays
within 0-100%."""

from __future__ import annotations

import csv
import dataclasses
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from rich.console import Console  # noqa: E402

from cxsim import cli  # noqa: E402
from cxsim import formatting as fmt  # noqa: E402
from cxsim.charts import customers_over_time, dashboard_vs_truth, effort_distribution, sweep_chart  # noqa: E402
from cxsim.estimates import Estimate  # noqa: E402
from cxsim.report import render_report  # noqa: E402
from cxsim.sweep import SweepPoint  # noqa: E402


@pytest.fixture(scope="module")
def result(minimal_short):
    return minimal_short


def test_p90_effort_is_the_same_number_in_the_table_the_csv_and_the_violin(result, tmp_path, monkeypatch):
    from cxsim.outputs import _write_summary_csv

    _write_summary_csv(result, tmp_path / "summary.csv")
    with (tmp_path / "summary.csv").open() as fh:
        csv_p90 = {r["design"]: float(r["mean"]) for r in csv.DictReader(fh)
                   if r["scope"] == "all" and r["metric"] == "effort_hours_p90"}
    console = Console(record=True, width=400, color_system=None)
    monkeypatch.setattr(cli.common, "out_console", console)
    cli.print_table(result)
    line = next(x for x in console.export_text().splitlines() if "effort, p90 (h)" in x)
    table = [c.strip().split(" ")[0] for c in line.strip().strip("│").split("│")[1:1 + len(result.designs)]]
    ax = effort_distribution(result).axes[0]
    dashed = [10 ** ln.get_xdata()[0] for ln in ax.lines if ln.get_linestyle() == "--"]
    for design, shown, drawn in zip(result.designs, table, dashed, strict=True):
        assert fmt.number(csv_p90[design]) == shown == fmt.number(drawn), design


def _sweep(metric: str, means: list[float], currency: str | None = None, ci: float = 0.05):
    points = [SweepPoint(values={"customers.loyalty": x}, summary=SimpleNamespace(designs={
        "a": SimpleNamespace(metrics={metric: Estimate(m, m - ci, m + ci)})})) for x, m in zip(
        (0.9, 0.95), means, strict=True)]
    return SimpleNamespace(scenario=SimpleNamespace(currency=currency), designs=["a"],
                           parameters=["customers.loyalty"], points=points, metrics=[metric])


def test_the_churn_sweep_chart_plots_percentages_on_its_percent_axis():
    ax = sweep_chart(_sweep("annual_churn_rate", [0.08, 0.03]), "annual_churn_rate").axes[0]
    assert list(ax.lines[0].get_ydata()) == pytest.approx([8.0, 3.0])
    assert "%" in ax.get_ylabel() and "per year" in ax.get_ylabel()
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() >= 0.0 and band.max() <= 100.0  # 0.03 - 0.05 would be a negative churn
    assert "8%" in ax.get_title() and "3%" in ax.get_title()


def test_a_money_sweep_chart_is_in_the_scenarios_currency():
    sweep = _sweep("revenue_at_risk", [1000.0, 2000.0], currency="EUR", ci=10)
    ax = sweep_chart(sweep, "revenue_at_risk").axes[0]
    label = ax.get_ylabel().replace("\n", " ")
    assert "EUR" in label and "$" not in label and "per year" in label


def test_a_shares_interval_is_written_within_0_and_100_percent():
    churn = Estimate(0.01, -0.02, 0.04)
    assert fmt.interval(churn, "annual_churn_rate") == "(0.00–4.00)"
    assert fmt.interval(Estimate(0.99, 0.95, 1.03), "fcr") == "(95.0–100.0)"
    assert fmt.interval(Estimate(0.5, -0.2, 1.2), "effort_hours_mean") == "(0.00–1.20)"  # hours >= 0


def test_a_shares_interval_is_clipped_in_the_csv_and_the_dashboard_chart(result, tmp_path):
    lanes = result.summary.designs["lanes"]
    metrics = {**dict(lanes.metrics), "annual_churn_rate": Estimate(0.01, -0.02, 0.04),
               "closed_resolved_share": Estimate(0.99, 0.95, 1.03)}
    designs = {**dict(result.summary.designs), "lanes": dataclasses.replace(lanes, metrics=metrics)}
    view = SimpleNamespace(summary=dataclasses.replace(result.summary, designs=designs),
                           designs=result.designs, details=result.details,
                           metric=lambda d, m: designs[d].metrics[m].mean,
                           case_rows=result.case_rows, cases=result.cases, step_rows=result.step_rows)
    from cxsim.outputs import _write_summary_csv

    _write_summary_csv(view, tmp_path / "summary.csv")
    with (tmp_path / "summary.csv").open() as fh:
        rows = {(r["design"], r["scope"], r["metric"]): r for r in csv.DictReader(fh)}
    churn = rows[("lanes", "all", "annual_churn_rate")]
    assert (float(churn["ci95_low"]), float(churn["ci95_high"])) == (0.0, 0.04)
    fcr = rows[("lanes", "all", "closed_resolved_share")]
    assert float(fcr["ci95_high"]) == 1.0
    fig = dashboard_vs_truth(view)
    churn_ax = fig.axes[5]
    (bars,) = [c for c in churn_ax.collections if hasattr(c, "get_segments")]
    lows = [seg[:, 1].min() for seg in bars.get_segments()]
    highs = [seg[:, 1].max() for seg in bars.get_segments()]
    assert min(lows) >= 0.0
    assert max(highs) <= 100.0 or not np.isfinite(max(highs))


def test_revenue_lost_is_labelled_per_month_in_the_scenarios_currency(result):
    content = {**dict(result.summary.scenario_content or {}), "currency": "EUR"}
    view = SimpleNamespace(summary=dataclasses.replace(result.summary, scenario_content=content),
                           designs=result.designs, details=result.details)
    fig = customers_over_time(view)
    assert fig.axes[1].get_ylabel() == "revenue lost per month (EUR)"


@pytest.mark.parametrize(("currency", "said"), [
    ("EUR", "Money is in EUR."),
    (None, "Money amounts are plain numbers: the scenario names no currency"),
])
def test_the_report_says_what_money_is_in(result, currency, said):
    """A leader reading '222,629 a month' learns its currency, or that the scenario set none."""
    content = {k: v for k, v in (result.summary.scenario_content or {}).items() if k != "currency"}
    if currency:
        content["currency"] = currency
    view = dataclasses.replace(result, _summary=dataclasses.replace(result.summary, scenario_content=content))
    assert said in render_report(view)
