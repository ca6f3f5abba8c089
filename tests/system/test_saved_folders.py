"""A results folder read back (`cxsim report DIR`, `cxsim run DIR/summary.json`): files edited by hand or
damaged are refused in one line naming file, line and field, exit 2, nothing written; never a traceback
half-way through the charts, nor a report of numbers no run gives. Every folder cxsim writes reads back."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from rich.console import Console  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import cxsim  # noqa: E402
from cxsim import cli  # noqa: E402
from cxsim.errors import ResultsFolderError  # noqa: E402
from cxsim.outputs import write_report  # noqa: E402
from cxsim.saved import load_results  # noqa: E402

SCENARIO = {"name": "saved", "horizon": "30 days", "warmup": "5 days",
            "customers": {"count": 60, "case_rate": "2 per month"},
            "case_types": {"how_to": {"share": 0.7, "skills": ["product"], "fix_time": "10 min"},
                           "bug": {"share": 0.3, "skills": ["engineering"], "fix_time": "1 h"}},
            "designs": {"lanes": {"teams": {"product": {"agents": 1, "skills": ["product"]},
                                            "engineering": {"agents": 1, "skills": ["engineering"]}}},
                        "one_team": {"teams": {"support": {"agents": 2,
                                                           "skills": ["product", "engineering"]}}}}}


@pytest.fixture
def consoles(monkeypatch):
    out, err = (Console(record=True, width=1000, color_system=None) for _ in range(2))
    monkeypatch.setattr(cli.common, "out_console", out)
    monkeypatch.setattr(cli.common, "err_console", err)
    return out, err


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("saved") / "run"
    cxsim.run(SCENARIO, replications=2, seed=3).write(out, charts=False)
    return out


@pytest.fixture(scope="module")
def every_case(tmp_path_factory) -> Path:
    """A run that kept every case and its journey (what export-log reads)."""
    out = tmp_path_factory.mktemp("saved") / "all"
    cxsim.run(SCENARIO, replications=1, seed=3, cases="all").write(out, charts=False)
    return out


def _copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    (target / "report.html").unlink()
    return target


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))  # as cxsim writes it: a key per line


def _line_of(path: Path, needles: str) -> int:
    """The line of the last of ``needles`` (' > '-separated), each looked for after the one before."""
    lines = path.read_text().splitlines()
    at = 0
    for needle in needles.split(" > "):
        at = next(i for i in range(at, len(lines)) if needle in lines[i])
    return at + 1


def _report(target: Path, consoles) -> tuple[int, str]:
    done = CliRunner().invoke(cli.app, ["report", "--no-charts", str(target)])
    return done.exit_code, consoles[1].export_text().strip()


def _set(*path, value):
    def change(data):
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value
    return change


def _drop(*path):
    def change(data):
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]
    return change


# (what, edit of summary.json, the field named, what the message says, the line's key)
SUMMARY_EDITS = [
    ("a baseline naming no design", _set("baseline", value="nosuch"), "baseline",
     "names no design of the run (designs: lanes, one_team)", '"baseline"'),
    ("a metric removed", _drop("designs", "one_team", "effort_hours_mean"),
     "designs.one_team.effort_hours_mean",
     "missing required key 'effort_hours_mean'", '"one_team": {'),
    ("a mean written as a word", _set("designs", "lanes", "effort_hours_mean", "mean", value="lots"),
     "designs.lanes.effort_hours_mean.mean", "must be a number (got 'lots')", '"lots"'),
    ("a horizon written as a word", _set("horizon_hours", value="lots"), "horizon_hours",
     "must be a number (got 'lots')", '"horizon_hours"'),
    ("the scenario as a string", _set("scenario_content", value="hello"), "scenario_content",
     "must be a mapping (got 'hello')", '"scenario_content"'),
    ("no replication", _set("replications", value=0), "replications", "greater than or equal to 1",
     '"replications"'),
    ("a negative horizon", _set("horizon_hours", value=-5), "horizon_hours", "greater than 0",
     '"horizon_hours"'),
    ("no design", _set("designs", value={}), "designs", "at least 1 item", '"designs"'),
    ("a negative mean", _set("designs", "lanes", "staff_cost", value={"mean": -3, "ci95": [-4, -2]}),
     "designs.lanes.staff_cost.mean", "cannot be negative (got -3)", '"staff_cost" > "mean"'),
    ("a share above 100%", _set("designs", "lanes", "fcr", value={"mean": 4.0, "ci95": [3.9, 4.1]}),
     "designs.lanes.fcr.mean", "a share is at most 1, i.e. 100% (got 4)", '"fcr" > "mean"'),
    ("an interval that does not hold its mean", _set("designs", "lanes", "fcr", "ci95", value=[0.9, 0.1]),
     "designs.lanes.fcr.ci95", "a 95% interval holds its mean: [0.9, 0.1] does not hold", '"fcr" > "ci95"'),
    ("a value past any run's", _set("designs", "lanes", "staff_cost", value={"mean": 1e308, "ci95": [1e307,
                                                                                                   1.7e308]}),
     "designs.lanes.staff_cost.mean", "beyond any number a run gives (got 1e+308; at most 1e+100 in size)",
     '"staff_cost" > "mean"'),
    ("cases that are not the counted ones", _set("designs", "lanes", "cases", value={"mean": 1e30,
                                                                                      "ci95": [1e29, 2e30]}),
     "designs.lanes.cases.mean", "are not the", '"cases" > "mean"'),
    ("a case type renamed in one design", lambda d: d["case_types"]["lanes"].update(
        howto=d["case_types"]["lanes"].pop("how_to")), "case_types.lanes.howto",
     "'howto' is not one of the scenario's case types (how_to, bug)", '"howto"'),
    ("a case type removed from one design", lambda d: d["case_types"]["lanes"].pop("bug"),
     "case_types.lanes", "'bug' is missing of the scenario's case types", '"case_types" > "lanes"'),
    ("replications past any run's", _set("replications", value=10**30), "replications",
     "less than or equal to 1000000000", '"replications"'),
    ("an unknown metric", _set("designs", "lanes", "happiness", value={"mean": 1, "ci95": [0, 2]}),
     "designs.lanes.happiness", "unknown key 'happiness'", '"happiness"'),
    ("a comparison removed", _drop("designs", "one_team", "vs_baseline"), "designs.one_team",
     "missing required key 'vs_baseline'", '"one_team": {'),
    ("significance as a word", _set("designs", "one_team", "vs_baseline", "fcr", "significant",
                                    value="yes"),
     "designs.one_team.vs_baseline.fcr.significant", "must be true or false (got 'yes')", '"yes"'),
    ("a design's teams removed", _drop("teams", "one_team"), "teams",
     "has no entry for design 'one_team'", '"teams"'),
    ("accounting that does not add up", _set("accounting", "lanes", "counted", value=1),
     "accounting.lanes.counted", "resolved + abandoned + open", '"counted": 1,'),
    ("a seed with a fraction", _set("seed", value=1.5), "seed", "must be an integer (got 1.5)", '"seed"'),
    ("a warm-up past the horizon", _set("warmup_hours", value=5000), "warmup_hours",
     "leaves nothing of the 720-hour horizon", '"warmup_hours"'),
    ("a version that is no version", _set("cxsim_version", value="soon"), "cxsim_version",
     "not a cxsim version (got 'soon')", '"cxsim_version"'),
]


@pytest.mark.parametrize(("what", "change", "field", "message", "needle"), SUMMARY_EDITS,
                         ids=[e[0] for e in SUMMARY_EDITS])
def test_a_hand_edited_summary_is_refused_in_one_located_line(what, change, field, message, needle, folder,
                                                              tmp_path, consoles):
    target = _copy(folder, tmp_path)
    _edit(target / "summary.json", change)
    code, err = _report(target, consoles)
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    line = _line_of(target / "summary.json", needle)
    assert f"summary.json:{line}: {field}: " in err, err
    assert message in err, err
    assert "run the scenario again" in err, err  # the way forward
    assert not (target / "report.html").exists()


def test_a_summary_of_a_later_cxsim_asks_for_an_upgrade(folder, tmp_path, consoles):
    target = _copy(folder, tmp_path)
    _edit(target / "summary.json", _set("cxsim_version", value="99.0.0"))
    code, err = _report(target, consoles)
    assert code == 2 and len(err.splitlines()) == 1, err
    line = _line_of(target / "summary.json", '"cxsim_version"')
    assert f"summary.json:{line}: cxsim_version: written by cxsim 99.0.0, later than this cxsim" in err
    assert "upgrade cxsim" in err


@pytest.mark.parametrize(("file", "text", "message"), [
    ("summary.json", 'NaN', "must be a finite number (got nan)"),  # JSON's NaN: cxsim writes null
    ("summary.json", None, "not valid JSON"),  # cut short
    ("details.json", "[1]", "must be a mapping (got a list)"),
    ("details.json", "{}", "has no entry for design 'lanes'"),
    ("details.json", "[" * 5000, "nested too deeply"),
])
def test_damaged_json_files_are_refused(file, text, message, folder, tmp_path, consoles):
    target = _copy(folder, tmp_path)
    path = target / file
    if text == "NaN":
        path.write_text(re.sub(r'"mean": [0-9.e+-]+', '"mean": NaN', path.read_text(), count=1))
    elif text is None:
        path.write_text(path.read_text()[:3000])
    else:
        path.write_text(text)
    code, err = _report(target, consoles)
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith(f"error: {path}") and message in err, err
    assert not (target / "report.html").exists()


@pytest.mark.parametrize(("edit", "message"), [
    (lambda lines: lines[:2] + [lines[2].replace(",0,", ",zero,", 1)] + lines[3:],
     "cases.csv:3: replication: not a number (got 'zero')"),
    (lambda lines: lines[:4] + [lines[4].rsplit(",", 1)[0]] + lines[5:], "cases.csv:5: "),
])
def test_a_damaged_cases_csv_names_its_line(edit, message, folder, tmp_path, consoles):
    target = _copy(folder, tmp_path)
    path = target / "cases.csv"
    path.write_text("\n".join(edit(path.read_text().splitlines())) + "\n")
    code, err = _report(target, consoles)
    assert code == 2 and len(err.splitlines()) == 1 and message in err, err


def _cell(lines: list[str], row: int, column: str, value: str) -> list[str]:
    header = lines[0].split(",")
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    return lines[:row] + [",".join(cells)] + lines[row + 1:]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda lines: _cell(lines, 2, "effort_hours", "1e308"),
     "effort_hours: not a number a run gives (got '1e308')"),
    (lambda lines: _cell(lines, 2, "effort_hours", "nan"), "effort_hours: not a number (got 'nan')"),
    (lambda lines: _cell(lines, 2, "effort_hours", "-5"),
     "effort_hours: not a number a run gives (got '-5')"),
    (lambda lines: _cell(lines, 2, "case_type", "billing"), "case_type: 'billing' is not one of the run's"),
    (lambda lines: _cell(lines, 2, "design", "other"), "design: 'other' is not one of the run's"),
    (lambda lines: _cell(lines, 2, "replication", "7"), "replication: the run made 2"),
    (lambda lines: lines[:1], "holds no case, but the run kept them (cases_output: sample)"),
])
def test_cases_csv_from_another_run_or_with_impossible_values_is_refused(edit, message, folder, tmp_path,
                                                                         consoles):
    """A case type or design the run does not have (a file copied from another run), a number no run gives
    (1e308 made the effort chart unreadable), or no case where the run kept some."""
    target = _copy(folder, tmp_path)
    path = target / "cases.csv"
    path.write_text("\n".join(edit(path.read_text().splitlines())) + "\n")
    code, err = _report(target, consoles)
    assert code == 2 and len(err.splitlines()) == 1 and message in err, err
    assert not (target / "report.html").exists()


@pytest.mark.parametrize("save", ["windows line ends", "a byte-order mark"])
def test_a_cases_csv_saved_by_a_spreadsheet_reads_as_it_means(save, folder, tmp_path):
    target = _copy(folder, tmp_path)
    path = target / "cases.csv"
    text = path.read_text()
    path.write_bytes(text.replace("\n", "\r\n").encode() if save == "windows line ends"
                     else b"\xef\xbb\xbf" + text.encode())
    assert json.dumps(load_results(target).rows) == json.dumps(load_results(folder).rows)  # NaN != NaN


@pytest.mark.parametrize(("edit", "message"), [
    (lambda lines: _cell(lines, 2, "at_hours", "lots"),
     "journeys.csv:3: at_hours: not a number (got 'lots')"),
    (lambda lines: _cell(lines, 2, "at_hours", "inf"), "journeys.csv:3: at_hours: not a number (got 'inf')"),
    (lambda lines: [lines[0].replace("at_hours", "at"), *lines[1:]],
     "journeys.csv:1: at_hours: no such column"),
    (lambda lines: _cell(lines, 2, "design", "other"),
     "journeys.csv:3: design: 'other' is not one of the run's"),
])
def test_export_log_refuses_a_damaged_journeys_csv_in_one_line(edit, message, every_case, tmp_path, consoles):
    out = _copy(every_case, tmp_path)
    path = out / "journeys.csv"
    path.write_text("\n".join(edit(path.read_text().splitlines())) + "\n")
    done = CliRunner().invoke(cli.app, ["export-log", str(out), "--out", str(tmp_path / "log.csv")])
    err = consoles[1].export_text().strip()
    assert done.exit_code == 2 and len(err.splitlines()) == 1 and message in err, err
    assert not (tmp_path / "log.csv").exists()


def test_rerunning_a_hand_edited_summary_is_refused_before_running(folder, tmp_path, consoles):
    target = _copy(folder, tmp_path)
    _edit(target / "summary.json", _set("baseline", value="nosuch"))
    again = ["run", str(target / "summary.json"), "--out", str(tmp_path / "again")]
    done = CliRunner().invoke(cli.app, again)
    err = consoles[1].export_text().strip()
    assert done.exit_code == 2 and len(err.splitlines()) == 1, err
    assert "baseline: names no design" in err and "run the scenario file instead" in err, err
    assert not (tmp_path / "again").exists()


def test_folders_cxsim_writes_read_back(folder, tmp_path):
    """What cxsim writes passes the check: a run, an empty run (undefined means are null) and a sweep point
    count no case."""
    saved = load_results(folder)
    assert saved.designs == ["lanes", "one_team"] and saved.rows
    empty = dict(SCENARIO, customers={"count": 20, "case_rate": "0 per month"})
    cxsim.run(empty, replications=2, seed=1).write(tmp_path / "empty", charts=False)
    again = load_results(tmp_path / "empty")
    assert again.summary.designs["lanes"].accounting.counted == 0


_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**20), st.floats(allow_nan=False),
                  st.text(max_size=5), st.just([]), st.just({}), st.just([1, "x"]))


def _paths(data, prefix=()):
    if isinstance(data, dict):
        for key, value in data.items():
            if key != "scenario_content":
                yield prefix + (key,)
                yield from _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield prefix + (i,)
            yield from _paths(value, prefix + (i,))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_edit_of_a_saved_summary_is_refused_or_reported(data, folder, tmp_path_factory):
    """Change one value of summary.json or details.json to anything JSON can hold: reading the folder
    refuses it (ResultsFolderError), or the report is written; nothing else escapes."""
    target = tmp_path_factory.mktemp("fuzz") / "f"
    shutil.copytree(folder, target)
    file = target / data.draw(st.sampled_from(["summary.json", "details.json"]))
    doc = json.loads(file.read_text())
    path = data.draw(st.sampled_from(sorted(_paths(doc), key=str)))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(_LEAF)
    file.write_text(json.dumps(doc, indent=2))
    try:
        saved = load_results(target)
    except ResultsFolderError as err:
        assert "\n" not in str(err) and str(err).startswith(str(file.parent))
        return
    write_report(saved, target, charts=False)


def test_a_summary_saved_with_a_byte_order_mark_reads_and_reruns(folder, tmp_path, consoles):
    """An editor that saves with a byte-order mark: the report reads it, and a re-run reads its inputs
    (``validate`` reads a summary.json as ``run`` does; it read it as a scenario file: 'name: missing
    required key')."""
    target = _copy(folder, tmp_path)
    summary = target / "summary.json"
    summary.write_bytes(b"\xef\xbb\xbf" + summary.read_bytes())
    code, err = _report(target, consoles)
    assert code == 0, err
    done = CliRunner().invoke(cli.app, ["validate", str(summary)])
    assert done.exit_code == 0, consoles[1].export_text()
    assert f"{summary}: ok — scenario 'saved'" in consoles[0].export_text()
