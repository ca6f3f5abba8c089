"""What the command line shows: every default in --help, shell completion that installs, a comparison table
that fits 80 columns with long design names, a progress bar counting replications per design, --precision
read without ambiguity, safe default folder names, and ``cxsim report`` on a sweep folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

import cxsim
from cxsim import cli
from tests.system.test_long_names import _scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def consoles(monkeypatch):
    out = Console(record=True, width=200, color_system=None)
    err = Console(record=True, width=200, color_system=None)
    monkeypatch.setattr(cli.common, "out_console", out)
    monkeypatch.setattr(cli.common, "err_console", err)
    return out, err


@pytest.mark.parametrize("command", ["run", "sweep", "sensitivity", "report"])
def test_help_shows_every_default(command):
    click_command = typer.main.get_command(cli.app).commands[command]
    context = click_command.context_class(click_command, info_name=command)
    missing = []
    for param in click_command.params:
        if param.param_type_name != "option" or param.required or param.name == "help":
            continue
        if param.is_flag and not param.secondary_opts:
            continue  # a plain switch: off unless given
        record = param.get_help_record(context)
        if record and "default" not in record[1]:
            missing.append(record[0])
    assert missing == []


def test_help_text_keeps_bracketed_defaults():
    done = CliRunner().invoke(cli.app, ["run", "--help"], env={"COLUMNS": "200"})
    assert done.exit_code == 0
    assert "[default: results/<name>/]" in done.output  # rich markup used to swallow it
    assert "[default: the scenario's]" in done.output
    assert "cxsim[dask]" in done.output


def test_shell_completion_shows_and_installs(tmp_path):
    shown = CliRunner().invoke(cli.app, ["--show-completion", "bash"], prog_name="cxsim")
    assert shown.exit_code == 0 and "complete -o default -F _cxsim_completion cxsim" in shown.output
    done = CliRunner().invoke(cli.app, ["--install-completion", "bash"], prog_name="cxsim",
                              env={"HOME": str(tmp_path), "SHELL": "/bin/bash"})
    assert done.exit_code == 0, done.output
    assert (tmp_path / ".bash_completions" / "cxsim.sh").is_file()
    assert "cxsim.sh" in (tmp_path / ".bashrc").read_text()


@pytest.fixture(scope="module")
def long_three():
    return cxsim.run(_scenario(3), replications=2, seed=1)


def test_the_comparison_table_fits_80_columns_with_long_design_names(long_three, monkeypatch):
    console = Console(record=True, width=80, color_system=None)
    monkeypatch.setattr(cli.common, "out_console", console)
    cli.print_table(long_three)
    cli.print_teams(long_three)
    text = console.export_text()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in text  # nothing cut
    joined = " ".join(line.strip() for line in lines)  # the key's lines wrap at 80 too
    for letter, design in zip("ABC", long_three.designs, strict=True):
        assert f"{letter} = {design}" in joined
    effort = [line for line in lines if "effort, mean (h)" in line]
    assert effort and "(" in effort[0]  # values with their intervals, whole


@pytest.mark.parametrize("run", ["long_three", "story_short"])
def test_the_narrow_teams_table_keeps_every_team_name_whole(run, request, monkeypatch):
    """At 80 columns the teams table's headers are short and each design is a row above its teams, so no team
    name or number breaks mid-word (story_short is the main job's one_lane_tech: "performance_experts")."""
    result = request.getfixturevalue(run)
    console = Console(record=True, width=80, color_system=None)
    monkeypatch.setattr(cli.common, "out_console", console)
    cli.print_teams(result)
    rows = [line for line in console.export_text().splitlines() if line.startswith("│")]
    teams = {team for d in result.summary.designs.values() for team in d.team_utilization}
    cells = [[cell.strip() for cell in row.split("│")[1:-1]] for row in rows]
    assert teams <= {row[0] for row in cells}
    keys = cli.tables._design_keys(list(result.designs))
    assert [row[0] for row in cells if not any(row[1:])] == [keys[d] for d in result.designs]
    assert all(all(row[1:]) for row in cells if row[0] in teams)  # every number on its team's line
    assert max(len(line) for line in rows) <= 80


def test_a_wide_terminal_keeps_a_column_per_design(minimal_short, monkeypatch):
    console = Console(record=True, width=200, color_system=None)
    monkeypatch.setattr(cli.common, "out_console", console)
    cli.print_table(minimal_short)
    header = next(line for line in console.export_text().splitlines() if "metric" in line)
    assert all(d in header for d in minimal_short.designs)


def test_the_progress_bar_counts_replications_per_design(monkeypatch):
    import rich.progress

    seen = []
    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(rich.progress.Progress, "update",
                        lambda self, task, **kw: seen.append((kw["completed"], kw["total"])))

    def job(progress):
        for done in range(0, 11, 2):  # 2 designs x 5 replications, reported as runs done of 10
            progress(done, 10)
        return "ran"

    assert cli.common._with_progress(job, quiet=False, designs=2) == "ran"
    assert seen[-1] == (5, 5) and seen[1] == (1, 5)


@pytest.mark.parametrize("value", ["5", "20", "1"])
def test_precision_as_a_bare_number_above_1_is_refused_saying_how_to_write_it(value, consoles, tmp_path):
    out = tmp_path / "out"
    done = CliRunner().invoke(cli.app, ["run", str(ROOT / "scenarios/minimal.yaml"), "--precision", value,
                                        "-o", str(out)])
    assert done.exit_code == 2
    message = consoles[1].export_text()
    assert f"write {value}% or {float(value) / 100:g}" in message, message
    assert not out.exists()


def test_precision_accepts_percent_and_fractions():
    assert cli.common._precision("5%") == pytest.approx(0.05)
    assert cli.common._precision("0.05") == pytest.approx(0.05)


def test_default_folder_names_are_safe():
    assert cli.default_folder("Q3 review: lanes / one team") == Path("results/Q3-review-lanes-one-team")
    assert cli.default_folder("minimal") == Path("results/minimal")
    assert cli.default_folder("a b", "-sweep") == Path("results/a-b-sweep")
    assert cli.default_folder("...") == Path("results/scenario")


def test_cxsim_report_rebuilds_a_sweep_folder(tmp_path, consoles):
    from cxsim.api import run_sweep

    scenario = {k: v for k, v in _scenario(2).items()}
    sweep = run_sweep(scenario, parameters=[("customers.count", [40, 80])], replications=2, seed=1)
    folder = tmp_path / "sweep"
    sweep.write(folder, charts=False)
    (folder / "report.html").unlink()
    done = CliRunner().invoke(cli.app, ["report", str(folder)])
    assert done.exit_code == 0, consoles[1].export_text()
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "customers.count" in html
    assert sorted(p.name for p in folder.glob("sweep_*.png"))  # charts rebuilt too
    assert (folder / "sweep.json").is_file() and (folder / "sweep.csv").is_file()


def _make(kind: str, path: Path) -> Path:
    if kind == "file":
        path.write_text("x")
    elif kind in ("empty", "bad sweep", "interrupted sweep"):
        path.mkdir()
        if kind == "bad sweep":
            (path / "sweep.json").write_text('{"points": 3}')
        if kind == "interrupted sweep":  # its points and plan, no sweep.json yet
            (path / "points").mkdir()
            (path / "points" / "plan.json").write_text("{}")
    return path


@pytest.mark.parametrize(("kind", "message"), [
    ("missing", "no such folder"), ("file", "is a file, not a results folder"),
    ("empty", "no summary.json or sweep.json"), ("bad sweep", "not as cxsim sweep wrote it"),
    ("interrupted sweep", "holds an interrupted sweep (no sweep.json yet): finish it with cxsim sweep "
                          "--resume "),
])
def test_cxsim_report_on_something_else_is_one_line_and_exit_2(kind, message, tmp_path, consoles):
    target = _make(kind, tmp_path / "target")
    done = CliRunner().invoke(cli.app, ["report", str(target)])
    assert done.exit_code == 2, done.output
    err = consoles[1].export_text().strip()
    assert message in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "target" / "report.html").exists()


def test_a_signal_after_the_command_is_over_changes_nothing(monkeypatch):
    """Once the command has finished (its exit status decided), Ctrl-C or SIGTERM while Python shuts down is
    ignored: it killed the process silently (-2, -15) after 'ok' had been printed."""
    import signal

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    monkeypatch.setattr(sys, "argv", ["cxsim", "--version"])
    try:
        with pytest.raises(SystemExit):
            cli.main()
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
