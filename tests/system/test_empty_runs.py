"""A run in which no case is counted (no demand, a horizon that ends with the warm-up, a customer base that
has left before it) completes: every file written, every chart drawn, and the report and the CLI say why
there is nothing to compare."""

from __future__ import annotations

import copy

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from rich.console import Console  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import cxsim  # noqa: E402
from cxsim import cli  # noqa: E402
from cxsim.charts import RUN_CHARTS, applicable_charts  # noqa: E402
from cxsim.outputs import RUN_FILES  # noqa: E402
from cxsim.report import render_report  # noqa: E402

BASE = {"name": "empty", "horizon": "12 days", "warmup": "10 days",
        "customers": {"count": 20, "case_rate": "1 per month"},
        "case_types": {"how_to": {"share": 1.0, "skills": ["product"], "fix_time": "10 min"}},
        "designs": {"a": {"teams": {"product": {"agents": 1, "skills": ["product"]}}},
                    "b": {"teams": {"product": {"agents": 2, "skills": ["product"]}}}}}

EMPTY = {  # three ways to count no case, each a fraction of a second
    "no demand": {"customers": {"count": 20, "case_rate": "0 per month"}},
    "horizon ends with the warm-up": {"horizon": "241 h"},
    "every customer gone at the first renewal": {
        "horizon": "3 days", "warmup": "2 days",
        "customers": {"count": 20, "case_rate": "1 per month", "contract": {"term": "1 h"}, "loyalty": 0.0,
                      "acquisition": "0 per month"}},
}


def _scenario(change: dict) -> dict:
    scenario = copy.deepcopy(BASE)
    scenario.update(copy.deepcopy(change))
    return scenario


@pytest.fixture(scope="module", params=list(EMPTY))
def empty(request):
    result = cxsim.run(_scenario(EMPTY[request.param]), replications=2, seed=1)
    assert sum(result.summary.designs[d].accounting.counted for d in result.designs) == 0
    return result


def test_every_chart_draws_an_empty_run_and_says_so(empty):
    for name, draw in RUN_CHARTS.items():
        fig = draw(empty)  # none raises (transfer_matrix did: max of an empty grid)
        assert fig.axes, name
    assert set(applicable_charts(empty)) <= {"customers_over_time", "backlog_over_time"}


def test_an_empty_run_writes_every_file_and_a_report_that_says_why(empty, tmp_path):
    written = empty.write(tmp_path / "out")
    names = {p.name for p in written}
    assert set(RUN_FILES) | {"report.html"} <= names
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "No case was counted" in html
    assert "Lengthen the horizon" in html
    assert "NaN" not in html and "nan h" not in html


def test_the_report_of_an_empty_run_has_one_verdict_and_no_comparison_sentences(empty):
    html = render_report(empty)
    assert html.count("No case was counted") == 2  # the verdict and the findings, nothing else
    assert "Customers spent" not in html


def test_cxsim_run_on_an_empty_scenario_exits_0_with_a_note_even_when_quiet(tmp_path, monkeypatch):
    path = tmp_path / "empty.yaml"
    import json

    path.write_text(json.dumps(_scenario(EMPTY["no demand"])))  # JSON is YAML
    monkeypatch.setattr(cli.common, "out_console", Console(record=True, width=120, color_system=None))
    monkeypatch.setattr(cli.common, "err_console", Console(record=True, width=120, color_system=None))
    done = CliRunner().invoke(cli.app, ["run", str(path), "-o", str(tmp_path / "out"), "-r", "2",
                                        "-w", "1", "--quiet"])
    assert done.exit_code == 0, done.output
    assert "No case was counted" in cli.common.err_console.export_text()
    assert (tmp_path / "out" / "report.html").exists()
    assert not list((tmp_path / "out").glob("transfer_matrix.png"))  # no empty per-case charts


ONE_EMPTY = {  # 'bad' loses every customer during the warm-up (a day's contract, loyalty 0.16, a day's
    # chasing at 4 h per case pushes their effort past disloyal_high); 'good' keeps counting cases
    "name": "one design empty", "horizon": "40 days", "warmup": "30 days", "replications": 2,
    "customers": {"count": 20, "case_rate": "1 per day", "loyalty": 0.16, "acquisition": "0 per month",
                  "contract": {"term": "1 day"}},
    "churn": {"disloyal_low": 0.01, "disloyal_high": 1},
    "case_types": {"how_to": {"share": 1, "skills": ["product"], "fix_time": "4 h"}},
    "effort": {"chasing": "4 h per day"},
    "designs": {"bad": {"teams": {"product": {"agents": 1, "skills": ["product"]}}},
                "good": {"teams": {"product": {"agents": 30, "skills": ["product"]}}}},
}


def test_one_design_without_cases_is_left_out_of_the_comparison_not_a_crash(tmp_path):
    result = cxsim.run(ONE_EMPTY, seed=1)
    accounting = {d: result.summary.designs[d].accounting.counted for d in result.designs}
    assert accounting["bad"] == 0 and accounting["good"] > 0
    written = result.write(tmp_path / "out")  # the verdict subtracted the empty baseline's effort: TypeError
    assert {p.name for p in written} >= set(RUN_FILES) | {"report.html"}
    html = render_report(result)
    assert "Not compared" in html and "bad: counted no case in the measured window" in html
    assert "bad counted no case in the measured window" in html  # the findings say it too
    assert "against 0.00 h in bad" not in html and "bad loses" not in html  # no comparison with nothing
