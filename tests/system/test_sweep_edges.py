"""Sweeps at their edges: points that count no case are named and left out of the tables and charts (not
drawn as 0), a sweep where no point counts one says so on the command line, in the report and on every
chart; a damaged point file or sweep.json is one line that says what to do, never a traceback. In process
(CliRunner), on scenarios/minimal.yaml cut to 15 days and one replication."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import cxsim  # noqa: E402
from cxsim import outputs  # noqa: E402
from cxsim.charts import sweep_chart  # noqa: E402
from cxsim.cli import app  # noqa: E402
from cxsim.sweep import read_sweep  # noqa: E402
from tests.system.test_empty_runs import ONE_EMPTY  # noqa: E402

MINIMAL = str(Path("scenarios/minimal.yaml").resolve())
SMALL = ["-r", "1", "--horizon", "15 days", "-w", "1", "--seed", "1"]
RATE = "customers.case_rate"


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def error_line(result, status: int = 2) -> str:
    """The one line a refused command prints (and that it printed no traceback)."""
    assert result.exit_code == status, (result.exit_code, result.output, result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output, result.stderr
    return lines[0]


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


ONE_DESIGN_EMPTY = {**ONE_EMPTY, "replications": 1}  # 'bad' loses every customer in the warm-up


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


# ------------------------------------------------------------------ damaged files of a sweep

AGENTS = "designs.lanes.teams.product.agents"


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """A sweep of three points stopped (Ctrl-C) after saving two: points/plan.json, point-0000/0001.json."""
    out = tmp_path_factory.mktemp("interrupted") / "sw"
    save = outputs.save_point

    def save_then_stop(folder, k, point):
        save(folder, k, point)
        if k == 1:
            raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(outputs, "save_point", save_then_stop)
        assert cli("sweep", MINIMAL, "--set", f"{AGENTS}=1,2,3", *SMALL, "-q", "--no-charts",
                   "--out", out).exit_code == 130
    return out


@pytest.fixture
def copy(interrupted, tmp_path):
    folder = tmp_path / "sw"
    shutil.copytree(interrupted, folder)
    return folder


def _edited(path: Path, change) -> str:
    data = json.loads(path.read_text())
    change(data)
    return json.dumps(data)


def _lanes(data):
    return data["summary"]["designs"]["lanes"]


DAMAGED_POINTS = {  # how point-0001.json is damaged -> what the line says is wrong with it
    "truncated": (lambda text: text[:300], "cannot be read (JSONDecodeError: "),
    "a list": (lambda text: "[1, 2]", "must be a mapping (got a list)"),
    "a metric missing": (lambda d: _lanes(d).pop("effort_hours_mean"),
                         "summary.designs.lanes.effort_hours_mean: missing required key 'effort_hours_mean'"),
    "text for a number": (lambda d: _lanes(d)["tickets_closed"].update(mean="lots"),
                          "summary.designs.lanes.tickets_closed.mean: must be a number (got 'lots')"),
    "another scenario's": (lambda d: d["summary"].update(scenario="other"),
                           "summary.scenario is 'other', not 'minimal' as this sweep ran it"),
    "another seed's": (lambda d: d["summary"].update(seed=7),
                       "summary.seed is 7, not 1 as this sweep ran it"),
    "another point's": (lambda d: d.update(values={AGENTS: 3}),
                        f"its values are not those of point 1 of this sweep ({{'{AGENTS}': 2}})"),
    "a design missing": (lambda d: d["summary"]["designs"].pop("one_team"),
                         "summary.designs names the designs ['lanes'], not this sweep's "
                         "['lanes', 'one_team']"),
}


@pytest.mark.parametrize("damage", list(DAMAGED_POINTS))
def test_a_damaged_point_file_is_one_line_that_says_what_to_do(damage, copy):
    change, says = DAMAGED_POINTS[damage]
    path = copy / "points" / "point-0001.json"
    text = path.read_text()
    path.write_text(change(text) if damage in ("truncated", "a list") else _edited(path, change))
    before = sorted(p.name for p in copy.rglob("*"))
    line = error_line(cli("sweep", "--resume", copy, "-w", "1", "-q", "--no-charts"))
    assert line.startswith(f"error: --resume: {path}: {says}"), line
    assert line.endswith(f"; delete that file and run cxsim sweep --resume {copy} again to re-run its point")
    assert sorted(p.name for p in copy.rglob("*")) == before  # nothing written, nothing removed


def test_deleting_the_damaged_point_and_resuming_runs_just_that_point(copy, monkeypatch):
    (copy / "points" / "point-0001.json").write_text("{")
    assert "delete that file" in error_line(cli("sweep", "--resume", copy, "-w", "1", "-q", "--no-charts"))
    (copy / "points" / "point-0001.json").unlink()  # as the line says
    ran = []
    save = outputs.save_point
    monkeypatch.setattr(outputs, "save_point",
                        lambda folder, k, point: (ran.append(k), save(folder, k, point)))
    done = cli("sweep", "--resume", copy, "-w", "1", "-q", "--no-charts")
    assert done.exit_code == 0, done.output
    assert ran == [1, 2]  # point 0 was kept
    whole = cxsim.run_sweep(MINIMAL, parameters=[(AGENTS, [1, 2, 3])], replications=1, seed=1,
                            horizon="15 days")
    assert json.loads((copy / "sweep.json").read_text())["points"] == whole.to_json()["points"]


def test_a_damaged_plan_says_to_start_again(copy):
    plan = copy / "points" / "plan.json"
    plan.write_text(_edited(plan, lambda d: d.update(seed="one")))
    line = error_line(cli("sweep", "--resume", copy, "-w", "1", "-q", "--no-charts"))
    assert line == (f"error: --resume: {plan}: seed: must be an integer (got 'one'); start the "
                    f"sweep again (the same cxsim sweep command with --out {copy} --force; the points it "
                    "kept are lost)")


DAMAGED_SWEEPS = {  # how sweep.json is damaged -> what the line says is wrong with it
    "truncated": (None, "not valid JSON ("),
    "text for a number": (lambda d: d["points"][1]["designs"]["lanes"]["tickets_closed"].update(mean="lots"),
                          "points[1].designs.lanes.tickets_closed.mean: must be a number (got 'lots')"),
    "values a list": (lambda d: d["points"][0].update(values=[1]),
                      "points[0].values: must be a mapping (got a list)"),
    "unknown metric": (lambda d: d.update(metrics=["nope"]), "metrics[0]: unknown metric 'nope'"),
    "a design missing": (lambda d: d["points"][0]["designs"].pop("one_team"),
                         "points[0].designs names the designs ['lanes'], not this sweep's "
                         "['lanes', 'one_team']"),
    "scenario as text": (lambda d: d.update(scenario_content="scenarios/minimal.yaml"),  # was read as a file
                         "scenario_content: must be a mapping (got 'scenarios/minimal.yaml')"),
}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("finished") / "sw"
    assert cli("sweep", MINIMAL, "--set", f"{AGENTS}=1,2", *SMALL, "-q", "--no-charts",
               "--out", out).exit_code == 0
    return out


@pytest.mark.parametrize("damage", list(DAMAGED_SWEEPS))
def test_cxsim_report_on_a_damaged_sweep_json_is_one_line_that_says_what_to_do(damage, finished, tmp_path):
    folder = tmp_path / "sw"
    shutil.copytree(finished, folder)
    change, says = DAMAGED_SWEEPS[damage]
    path = folder / "sweep.json"
    path.write_text(path.read_text()[:500] if change is None else _edited(path, change))
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    line = error_line(cli("report", folder))
    assert re.match(rf"error: {re.escape(str(path))}(:\d+)?: {re.escape(says)}", line), line
    assert line.endswith("; this file is not as cxsim sweep wrote it; run the sweep again from its scenario "
                         f"with --out {folder} --force to rewrite the folder")
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_rerunning_a_sweep_json_with_damaged_points_says_they_differ(finished, tmp_path):
    record = tmp_path / "rec" / "sweep.json"
    record.parent.mkdir()
    record.write_text(_edited(finished / "sweep.json", lambda d: d["points"].__setitem__(1, [1])))
    done = cli("sweep", record, "-w", "1", "--no-charts", "--out", tmp_path / "again")
    assert done.exit_code == 0, done.output  # was a TypeError traceback, after the whole sweep had run
    assert "re-run of the recorded sweep: results DIFFER from the recorded sweep" in done.stdout


def test_the_points_named_under_a_chart_stay_inside_it():
    from tests.system.test_long_names import layout_problems

    sweep = cxsim.run_sweep(MINIMAL, parameters=[(RATE, ["0 per month", "1 per month"]),
                                                 ("customers.count", [100, 300])],
                            replications=1, seed=1, horizon="15 days")
    fig = sweep_chart(sweep, "annual_churn_rate")
    assert ("no counted cases, not drawn: case_rate=0 per month, count=100; case_rate=0 per month, "
            "count=300") in " ".join(texts(fig).split())
    assert layout_problems(fig) == []


def test_rerunning_a_sweep_json_whose_inputs_are_damaged_is_one_located_line(finished, tmp_path):
    """A re-run reads the recorded seed, replications, horizon and grid: a seed of 1.5 is refused at its
    line (it would be cut to 1), before anything runs."""
    record = tmp_path / "rec" / "sweep.json"
    record.parent.mkdir()
    data = json.loads((finished / "sweep.json").read_text())
    data["seed"] = 1.5
    record.write_text(json.dumps(data, indent=1))
    line = error_line(cli("sweep", record, "-w", "1", "--no-charts", "--out", tmp_path / "again"))
    where = re.escape(str(record))
    assert re.match(rf"error: {where}:\d+: seed: must be an integer \(got 1\.5\)", line), line
    assert not (tmp_path / "again").exists()
