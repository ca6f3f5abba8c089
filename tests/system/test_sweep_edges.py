"""Sweeps at their edges: points that count no case are named and left out of the tables and charts (not
drawn as 0), a sweep where no point counts one says so on the command line, in the report and on every
chart; a damaged point file or sweep.json is one line that says what to do, never a traceback. In process
(CliRunner), on scenarios/minimal.yaml cut to 15 days and one replication."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import cxsim  # noqa: E402
from cxsim.charts import sweep_chart  # noqa: E402
from cxsim.cli import app  # noqa: E402
from cxsim.sweep import read_sweep  # noqa: E402

MINIMAL = str(Path("scenarios/minimal.yaml").resolve())
SMALL = ["-r", "1", "--horizon", "15 days", "-w", "1", "--seed", "1"]
RATE = "customers.case_rate"


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def texts(fig) -> str:
    """Every piece of text drawn on a figure (titles, labels, notes), joined."""
    return " | ".join(t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text())


def drawn(fig) -> list[list[float]]:
    """The y values of each line on a figure's axes."""
    return [list(line.get_ydata()) for line in fig.axes[0].get_lines()]


# ------------------------------------------------------------------ points that count no case


def test_a_sweep_where_no_point_counts_a_case_says_so_everywhere(tmp_path):
    out = tmp_path / "sw"
    done = cli("sweep", MINIMAL, "--set", f"{RATE}=0 per month,0 per day", *SMALL, "-q", "--out", out)
    assert done.exit_code == 0, done.output
    assert "note No case was counted at any point of the sweep" in done.stderr  # even with --quiet
    assert "Lengthen the horizon" in done.stderr
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "No case was counted at any point of the sweep" in html
    assert "no cases" in html and "0.00%" not in html  # the churn table said 0.00% at every point
    saved = read_sweep(out)  # cxsim report on the folder draws the same
    for metric in saved.metrics:
        assert "No counted cases at any point: nothing to draw" in texts(sweep_chart(saved, metric)), metric
    staff = sweep_chart(saved, "staff_cost")  # paid whether or not a case came: still drawn
    assert "No counted cases" not in texts(staff) and np.isfinite(drawn(staff)).all()


def test_points_without_cases_are_named_and_not_drawn_as_zero(tmp_path):
    out = tmp_path / "sw"
    done = cli("sweep", MINIMAL, "--set", f"{RATE}=0 per month,1 per month", *SMALL, "--out", out)
    assert done.exit_code == 0, done.output
    note = ("note No case was counted at 1 of 2 points: customers.case_rate=0 per month. Their effort, "
            "resolution, churn and ticket figures are left out of the tables and charts")
    assert note in " ".join(done.stderr.split())
    assert "tickets closed / month by sweep point" in done.stdout
    assert "│ 0 per month         │ no cases │ no cases │" in done.stdout  # was 0.00, and 0.00% churn
    rows = [r.split(",")[:4] for r in (out / "sweep.csv").read_text().splitlines()[1:]]
    assert [r[3] for r in rows] == ["no counted cases", "no counted cases", "ok", "ok"]
    saved = read_sweep(out)
    for metric in ("tickets_closed", "annual_churn_rate", "effort_hours_mean"):
        fig = sweep_chart(saved, metric)
        assert "no counted cases, not drawn: case_rate=0 per month" in texts(fig), metric
        for ys in drawn(fig):
            assert np.isnan(ys[0]) and np.isfinite(ys[1]), (metric, ys)  # a gap, not a 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "No case was counted at 1 of 2 points: customers.case_rate=0 per month" in html


ONE_DESIGN_EMPTY = {  # 'bad' loses every customer in the warm-up (tests/system/test_empty_runs.py)
    "name": "one design empty", "horizon": "40 days", "warmup": "30 days", "replications": 1,
    "customers": {"count": 20, "case_rate": "1 per day", "loyalty": 0.16, "acquisition": "0 per month",
                  "contract": {"term": "1 day"}},
    "churn": {"disloyal_low": 0.01, "disloyal_high": 1},
    "case_types": {"how_to": {"share": 1, "skills": ["product"], "fix_time": "4 h"}},
    "effort": {"chasing": "4 h per day"},
    "designs": {"bad": {"teams": {"product": {"agents": 1, "skills": ["product"]}}},
                "good": {"teams": {"product": {"agents": 30, "skills": ["product"]}}}},
}


def test_a_design_without_cases_at_a_point_is_named_with_it():
    from cxsim.report import sweep_no_cases_note, sweep_tables

    sweep = cxsim.run_sweep(ONE_DESIGN_EMPTY, parameters=[("designs.good.teams.product.agents", [30, 31])],
                            seed=1)
    assert [p.counted_no_case() for p in sweep.points] == [["bad"], ["bad"]]
    assert sweep_no_cases_note(sweep).startswith(
        "No case was counted at 2 of 2 points: designs.good.teams.product.agents=30 (in bad); "
        "designs.good.teams.product.agents=31 (in bad).")
    fig = sweep_chart(sweep, "annual_churn_rate")
    assert "no counted cases, not drawn: agents=30 (bad); agents=31 (bad)" in texts(fig)
    bad, good = drawn(fig)
    assert np.isnan(bad).all() and np.isfinite(good).all()
    effort = next(t for t in sweep_tables(sweep) if t["title"].startswith("effort, mean"))
    assert [[c.value for c in row["cells"]][0] for row in effort["rows"]] == ["no cases", "no cases"]
