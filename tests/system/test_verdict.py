"""The report opens with a verdict a leader can act on, and no generated sentence contradicts itself
or breaks grammar at the edge values (equal designs, 100%, one ticket, one customer)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

import cxsim
from cxsim.estimates import Difference, Estimate
from cxsim.formatting import plural
from cxsim.report import findings, parameter_rows, render_report, sensitivity_drivers, sweep_findings, verdict
from cxsim.sweep import SweepPoint


@pytest.fixture(scope="module")
def result(minimal_short):
    return minimal_short


def _edited(result, design: str, diffs: dict | None = None, **means: float):
    """A view of ``result`` whose ``design`` has the given metric means (and differences from the
    baseline)."""
    summary = result.summary
    block = summary.designs[design]
    metrics = dict(block.metrics)
    for name, value in means.items():
        metrics[name] = Estimate(value, value, value)
    vs = block.vs_baseline
    if diffs:
        vs = {**dict(vs), **diffs}
    designs = dict(summary.designs)
    designs[design] = dataclasses.replace(block, metrics=metrics, vs_baseline=vs)
    return SimpleNamespace(summary=dataclasses.replace(summary, designs=designs), designs=result.designs,
                           details=result.details)


def test_the_verdict_answers_best_by_how_much_at_what_cost_how_sure_and_on_what(result):
    answers = dict(verdict(result, parameter_rows(result.summary.scenario_content)))
    assert list(answers) == ["Best for customers", "By how much", "At what cost", "How sure", "Rests on"]
    best = min(result.designs, key=lambda d: result.metric(d, "effort_hours_mean"))
    assert answers["Best for customers"].startswith(best)
    assert "this metric decides" in answers["Best for customers"]
    assert "paired difference" in answers["By how much"] and "95% CI" in answers["By how much"]
    assert "staff cost" in answers["At what cost"].lower()
    other = next(d for d in result.designs if d != best)
    significant = result.summary.designs[other if best == result.summary.baseline else best] \
        .vs_baseline["effort_hours_mean"].significant
    assert answers["How sure"].startswith("Distinguishable" if significant else "Not distinguishable")


@pytest.fixture
def no_charts(monkeypatch):
    """Reports without their inline charts (drawing them is most of a report's time; not tested here)."""
    import cxsim.report

    monkeypatch.setattr(cxsim.report, "applicable_charts", lambda view: {})


def test_the_verdict_comes_first_in_the_report(result, no_charts):
    html = render_report(result)
    assert 'class="verdict"' in html
    assert html.index('class="verdict"') < html.index("<h2>Findings</h2>") < html.index("<h2>Comparison</h2>")


def test_a_significant_difference_is_called_distinguishable_and_an_unclear_one_is_not(result):
    other = next(d for d in result.designs if d != result.summary.baseline)
    sure = Difference(-1.0, -1.5, -0.5, significant=True)
    unsure = Difference(-1.0, -2.5, 0.5, significant=False)
    for diff, word in ((sure, "Distinguishable"), (unsure, "Not distinguishable")):
        view = _edited(result, other, diffs={"effort_hours_mean": diff}, effort_hours_mean=0.5)
        view = _edited(view, result.summary.baseline, effort_hours_mean=1.5)
        answers = dict(verdict(view))
        assert answers["How sure"].startswith(word), answers["How sure"]
        assert "-1.50 h to -0.50 h" in answers["How sure"] or "-2.50 h to +0.50 h" in answers["How sure"]
        assert ("not distinguishable" in answers["Best for customers"]) == (word != "Distinguishable")


def test_the_verdict_names_the_files_assumptions_and_the_sensitivity_drivers(tmp_path):
    path = tmp_path / "marked.yaml"
    path.write_text(
        "name: marked\nhorizon: 25 days\nwarmup: 5 days\n"
        "customers:\n  count: 60\n  case_rate: 1 per month  # [assumption] from last year's tickets\n"
        "case_types:\n  how_to: {share: 1.0, skills: [product], fix_time: 10 min}\n"
        "designs:\n  a: {teams: {product: {agents: 1, skills: [product]}}}\n"
        "  b: {teams: {product: {agents: 2, skills: [product]}}}\n")
    run = cxsim.run(path, replications=2, seed=1)
    rows = parameter_rows(run.summary.scenario_content, run.summary.scenario_file, run.summary.scenario_hash)
    marked = [r for r in rows if r["assumption"]]
    assert [(r["path"], r["value"], r["comment"]) for r in marked] == [
        ("customers.case_rate", "1 per month", "from last year's tickets")]
    sensitivity = {"vary": 0.25, "designs": ["a", "b"], "rows": [
        {"metric": "effort_hours_mean", "quantity": "b - a", "parameter": "customers.case_rate",
         "swing": 0.7},
        {"metric": "effort_hours_mean", "quantity": "b - a", "parameter": "case_types.how_to.fix_time",
         "swing": 0.1}],
        "ordering": [{"metric": "effort_hours_mean", "parameter": "customers.case_rate", "low": True,
                      "high": False}]}
    rests = dict(verdict(run, rows, sensitivity))["Rests on"]
    assert "customers.case_rate = 1 per month" in rests
    assert "customers.case_rate (0.70 h), case_types.how_to.fix_time (0.10 h)" in rests
    assert "flips under customers.case_rate" in rests
    assert sensitivity_drivers({"rows": []}) == ""
    # the marks are comments in the file: once it changes, the verdict says it cannot list them, never
    # that the scenario marks nothing
    path.write_text(path.read_text().replace("count: 60", "count: 61"))
    rows = parameter_rows(run.summary.scenario_content, run.summary.scenario_file, run.summary.scenario_hash)
    rests = dict(verdict(run, rows))["Rests on"]
    assert rests.startswith(f"Not known here: the values {path} marks '# [assumption]'")


def test_equal_staff_costs_are_said_once(result):
    cost = result.metric(result.designs[0], "staff_cost")
    view = _edited(result, result.designs[1], staff_cost=cost)
    text = " ".join(findings(view))
    assert "Staffing costs the same in every design" in text
    shown = f"{cost:,.0f}"
    assert f"{shown} to {shown}" not in text


def test_a_busiest_design_that_resolves_every_closed_ticket_is_not_called_only_100_percent(result):
    busiest = max(result.designs, key=lambda d: result.metric(d, "tickets_closed"))
    best = min(result.designs, key=lambda d: result.metric(d, "effort_hours_mean"))
    assert busiest != best  # the minimal scenario's story: the busy dashboard is the worse design
    text = " ".join(findings(_edited(result, busiest, closed_resolved_share=1.0)))
    assert "only 100%" not in text
    assert "marks every one of them resolved" in text


def test_one_ticket_and_one_customer_are_singular(result):
    busiest = max(result.designs, key=lambda d: result.metric(d, "tickets_closed"))
    best = min(result.designs, key=lambda d: result.metric(d, "effort_hours_mean"))
    view = _edited(result, busiest, tickets_closed=1.0, annual_churn_rate=0.1, customers_lost=1.0)
    view = _edited(view, best, tickets_closed=0.5)
    text = " ".join(findings(view))
    assert "1 ticket closed" in text and "1 tickets" not in text
    assert "1 customer lost" in text and "1 customers" not in text


def test_equal_effort_is_not_written_as_a_difference(result):
    effort = result.metric(result.designs[0], "effort_hours_mean")
    view = _edited(result, result.designs[1], effort_hours_mean=effort)
    first = findings(view)[0]
    assert first.startswith("Customers spent the same mean"), first
    assert "The same effort per case" in dict(verdict(view))["By how much"]


@pytest.mark.parametrize(("count", "text"), [(0, "0 tickets"), (1, "1 ticket"), (2, "2 tickets"),
                                             (1.0, "1 ticket"), (1.5, "1.50 tickets"),
                                             (1234, "1,234 tickets")])
def test_plural(count, text):
    assert plural(count, "ticket") == text


def test_a_sweep_whose_metric_does_not_move_says_it_stays():
    summary = SimpleNamespace(designs={"a": SimpleNamespace(metrics={"effort_hours_mean": Estimate(2.0)})})
    points = [SweepPoint(values={"x": v}, summary=summary) for v in (1, 2)]
    sweep = SimpleNamespace(parameters=["x"], points=points, metrics=["effort_hours_mean"], designs=["a"])
    text = " ".join(sweep_findings(sweep))
    assert "2.00 to 2.00" not in text
    assert "stays at 2.00 h in a" in text


def test_a_sensitivity_analysis_beside_the_run_folder_feeds_the_verdict(result, tmp_path, no_charts):
    import json

    from cxsim.outputs import write_report

    sens = tmp_path / "minimal-sensitivity"
    sens.mkdir()
    data = {"scenario_hash": result.summary.scenario_hash, "vary": 0.25, "designs": list(result.designs),
            "rows": [{"metric": "effort_hours_mean", "quantity": "one_team - lanes",
                      "parameter": "effort.chasing", "swing": 1.5}], "ordering": []}
    (sens / "sensitivity.json").write_text(json.dumps(data))
    write_report(result, tmp_path / "minimal", charts=False)
    html = (tmp_path / "minimal" / "report.html").read_text(encoding="utf-8")
    assert "largest swing of the difference from effort.chasing (1.50 h)" in html
    (sens / "sensitivity.json").write_text(json.dumps({**data, "scenario_hash": "another scenario"}))
    write_report(result, tmp_path / "minimal", charts=False)
    assert "largest swing" not in (tmp_path / "minimal" / "report.html").read_text(encoding="utf-8")


def test_templates_pluralise_replications():
    from pathlib import Path

    from cxsim.report import _environment

    assert _environment().from_string("{{ n | plural('replication') }}").render(n=1) == "1 replication"
    templates = Path(__file__).resolve().parents[2] / "cxsim" / "templates"
    for template in templates.glob("*.j2"):
        assert "{{ replications }} replications" not in template.read_text(), template.name


def test_chart_titles_survive_a_design_without_effort():
    from cxsim.charts import _effort_title

    assert "inf" not in _effort_title({"a": 2.0, "b": 0.0})
    assert _effort_title({"a": 2.0, "b": 2.0}).startswith("Median customer effort is about the same")
