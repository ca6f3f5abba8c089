"""Output folders and files: built whole or not at all (a crash or Ctrl-C while writing leaves the earlier
files, or nothing: no partial folder, no truncated PNG); a folder cxsim did not write, or holding another
scenario's results, is refused unless --force (which replaces cxsim's own files only); a re-run of a
summary.json writes to a new folder, never over its record; an --out that cannot be written, a recorded
summary with a non-integer seed or a .json path that is a folder: one located line, exit 2, before any
simulation. In process (CliRunner) wherever the process itself is not the point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

import cxsim
from cxsim import api, outputs
from cxsim.cli import app
from cxsim.errors import OutputFolderError

MINIMAL = str(Path("scenarios/minimal.yaml").resolve())
SMALL = ["-r", "1", "--horizon", "20 days", "-w", "1", "-q"]


@pytest.fixture(scope="module")
def small() -> cxsim.Result:
    return cxsim.run(MINIMAL, replications=1, seed=1, horizon="20 days")


def cli(*args) -> object:
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def one_line(result, status: int = 2) -> str:
    """The one line a refused command prints on stderr (no traceback), with its exit status checked."""
    assert result.exit_code == status, (result.exit_code, result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.stderr
    return lines[0]


@pytest.fixture
def no_simulation(monkeypatch):
    """Any run from here on is a failure: the command had to refuse before simulating."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("simulated before refusing")

    for name in ("run", "run_sweep", "run_sensitivity"):
        monkeypatch.setattr(api, name, refuse)


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# ------------------------------------------------------------------ atomic folders and files


def test_a_crash_while_writing_leaves_no_folder_and_no_partial(small, tmp_path, monkeypatch):
    def crash(*_args):
        raise RuntimeError("crash while rendering")

    monkeypatch.setattr(outputs, "render_report", crash)  # after the data files and charts are written
    out = tmp_path / "results" / "minimal"
    with pytest.raises(RuntimeError):
        small.write(out)
    assert list(tmp_path.iterdir()) == []  # no folder, no results/ made for it, no *.partial


def test_a_crash_mid_chart_leaves_the_earlier_files_untouched(small, tmp_path, monkeypatch):
    small.write(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    calls = []
    savefig = Figure.savefig

    def truncated(fig, path, *args, **options):  # the 227-byte dashboard_vs_truth.png
        calls.append(path)
        if len(calls) == 2:
            Path(path).write_bytes(b"\x89PNG" + b"\0" * 223)
            raise OSError("disk full")
        return savefig(fig, path, *args, **options)

    monkeypatch.setattr(Figure, "savefig", truncated)
    with pytest.raises(OSError):
        small.write(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert not list(tmp_path.parent.glob("*.partial"))


def test_ctrl_c_while_writing_is_one_line_and_writes_nothing(tmp_path, monkeypatch):
    def interrupted(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs, "render_report", interrupted)
    result = cli("run", MINIMAL, *SMALL, "--out", tmp_path / "out")
    line = one_line(result, 130)
    assert line.startswith("stopped (Ctrl-C): nothing was written; run it again with: cxsim")  # sys.argv
    assert list(tmp_path.iterdir()) == []


def test_report_rebuild_replaces_its_files_only_when_complete(small, tmp_path, monkeypatch):
    small.write(tmp_path, charts=False)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def interrupted(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs, "render_report", interrupted)
    line = one_line(cli("report", tmp_path, "--no-charts"), 130)
    assert "were left as they were" in line
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert not list(tmp_path.parent.glob("*.partial"))


# ------------------------------------------------------------------ whose folder is it


def test_a_folder_cxsim_did_not_write_is_refused_before_running(tmp_path, no_simulation):
    (tmp_path / "notes.txt").write_text("mine")
    line = one_line(cli("run", MINIMAL, *SMALL, "--out", tmp_path))
    assert f"--out: {tmp_path} is not empty and holds no cxsim results (notes.txt)" in line
    assert "--force" in line and names(tmp_path) == {"notes.txt"}


def test_another_scenarios_results_are_refused_and_force_replaces_only_cxsims_files(small, tmp_path):
    (tmp_path / "summary.json").write_text(json.dumps({"scenario": "other"}))
    (tmp_path / "report.html").write_text("other's report")
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputFolderError, match="holds the run results of scenario 'other'"):
        small.write(tmp_path)
    line = one_line(cli("run", MINIMAL, *SMALL, "--out", tmp_path))
    assert "holds the run results of scenario 'other' (summary.json), not a run of 'minimal'" in line
    assert (tmp_path / "report.html").read_text() == "other's report"
    written = small.write(tmp_path, force=True, charts=False)
    assert names(tmp_path) == {p.name for p in written} | {"notes.txt"}
    assert json.loads((tmp_path / "summary.json").read_text())["scenario"] == "minimal"
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_the_same_scenarios_folder_is_rewritten_without_force(small, tmp_path):
    (tmp_path / ".DS_Store").write_text("")  # hidden files do not make a folder someone else's
    small.write(tmp_path, charts=False)
    result = cli("run", MINIMAL, *SMALL, "--out", tmp_path, "--cases", "none", "--no-charts")
    assert result.exit_code == 0, result.output
    assert "journeys.csv" not in names(tmp_path)  # the earlier run's file is gone, not mixed in


@pytest.mark.parametrize("command", [
    ["sweep", MINIMAL, "--set", "designs.lanes.teams.product.agents=1,2"],
    ["sensitivity", MINIMAL, "--params", "designs.lanes.teams.product.agents"],
    ["backtest", "no-such-log.csv", MINIMAL, "--case", "c", "--time", "t", "--team", "g"],
], ids=["sweep", "sensitivity", "backtest"])
def test_every_experiment_refuses_a_foreign_folder_before_running(command, tmp_path, no_simulation):
    (tmp_path / "notes.txt").write_text("mine")
    line = one_line(cli(*command, "--out", tmp_path))
    assert "is not empty and holds no cxsim results" in line and names(tmp_path) == {"notes.txt"}


def test_a_rerun_writes_a_new_folder_and_never_over_its_record(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    record = Path("results/minimal")
    small.write(record, charts=False)
    kept = (record / "summary.json").read_bytes()
    result = cli("run", record / "summary.json", "--no-charts")
    assert result.exit_code == 0, result.output
    assert "re-run of recorded inputs: identical results" in result.stdout
    assert "wrote" in result.stdout and (Path("results/minimal-rerun") / "summary.json").is_file()
    assert (record / "summary.json").read_bytes() == kept
    line = one_line(cli("run", record / "summary.json", "--out", record))
    assert line == f"error: --out: {record} holds the record being re-run ({record}/summary.json); give " \
                   "another folder"


# ------------------------------------------------------------------ paths and records that cannot be used


@pytest.mark.parametrize(("out", "says"), [
    ("afile", "afile exists and is not a folder"),
    ("afile/sub", "afile is not a folder"),
    ("/proc/cxsim-out", "cannot write in /proc"),
], ids=["a-file", "under-a-file", "unwritable"])
def test_an_out_that_cannot_be_written_fails_before_simulating(out, says, tmp_path, monkeypatch,
                                                               no_simulation):
    if out.startswith("/proc") and not Path("/proc").is_dir():
        pytest.skip("needs Linux's /proc")
    monkeypatch.chdir(tmp_path)
    Path("afile").write_text("")
    assert one_line(cli("run", MINIMAL, *SMALL, "--out", out)).startswith(f"error: --out: {says}")


def test_a_recorded_summary_with_a_non_integer_seed_is_one_located_line(small, tmp_path, no_simulation):
    small.write(tmp_path / "r", charts=False)
    data = json.loads((tmp_path / "r" / "summary.json").read_text())
    data["seed"] = 1.5
    text = json.dumps(data, indent=2)
    (tmp_path / "s.json").write_text(text)
    line_no = next(i for i, line in enumerate(text.splitlines(), 1) if '"seed":' in line)
    assert one_line(cli("run", tmp_path / "s.json")).startswith(
        f"error: {tmp_path / 's.json'}:{line_no}: seed: must be an integer (got 1.5); ")


def test_a_json_path_that_is_a_folder_is_one_line(tmp_path, no_simulation):
    folder = tmp_path / "x.json"
    folder.mkdir()
    # run and sweep tell a record from a scenario by one rule: a folder is neither
    assert one_line(cli("run", folder)) == f"error: {folder}: is a directory, not a scenario file"
    assert one_line(cli("sweep", folder)) == f"error: {folder}: is a directory, not a scenario file"
    line = one_line(cli("export-log", tmp_path, "--out", folder))
    assert line.startswith(f"error: --out: {folder} is a folder")
    yaml_folder = tmp_path / "x.yaml"
    yaml_folder.mkdir()  # refused before the (missing) log is read
    assert one_line(cli("calibrate", tmp_path / "no-such-log.csv", "--out", yaml_folder, "--case", "c",
                        "--time", "t", "--team", "g")) == f"error: --out: {yaml_folder} is a folder"


def test_a_stop_python_dropped_while_charts_were_drawn_still_writes_nothing(tmp_path, monkeypatch):
    """Python runs the Ctrl-C handler wherever the main thread is, also inside a garbage collector's
    callback, where the KeyboardInterrupt is printed as "ignored" and dropped (seen in matplotlib's
    transforms). The stop is kept and taken up before anything is put in place: exit 130, one line."""
    import signal

    from cxsim import cli as cli_module

    render = outputs.render_report

    def dropped_interrupt(*args):
        cli_module.common._stopping.signal = signal.SIGINT  # what the handler records before raising...
        return render(*args)  # ...and the raise, dropped: the work goes on

    monkeypatch.setattr(outputs, "render_report", dropped_interrupt)
    line = one_line(cli("run", MINIMAL, *SMALL, "--out", tmp_path / "out"), 130)
    assert line.startswith("stopped (Ctrl-C): nothing was written; run it again with: cxsim")
    assert list(tmp_path.iterdir()) == []


def test_an_out_folder_whose_parent_cannot_be_written_is_refused_before_running(tmp_path, monkeypatch):
    """The new version of a folder is built beside it (DIR.<pid>.partial): a writable folder in a parent that
    is not (a shared folder) was found only after simulating, with a PermissionError traceback."""
    import tempfile

    from cxsim import atomic

    shared, out = tmp_path / "shared", tmp_path / "shared" / "mine"
    out.mkdir(parents=True)
    probe = tempfile.mkdtemp

    def read_only_shared(*args, dir=None, **kwargs):  # noqa: A002 - tempfile's own name
        if Path(dir).resolve() == shared.resolve():
            raise PermissionError(1, "Operation not permitted")
        return probe(*args, dir=dir, **kwargs)

    monkeypatch.setattr(atomic.tempfile, "mkdtemp", read_only_shared)
    refused = "Operation not permitted"
    assert atomic.writable_folder_problem(out) == f"cannot write in {shared.resolve()}: {refused}"
    assert atomic.writable_folder_problem(shared / "new") == f"cannot write in {shared}: {refused}"
    line = one_line(cli("run", MINIMAL, *SMALL, "--out", out))
    assert line == f"error: --out: cannot write in {shared.resolve()}: {refused}"
