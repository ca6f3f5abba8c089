"""Presentation end to end: the CLI and the report print the same text, output folders hold one run's files
only, and importing or drawing has no process-wide side effects. (The formatter alone: tests/unit.)"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console

import cxsim
from cxsim import cli
from cxsim import formatting as fmt
from cxsim.errors import OutputFolderError
from cxsim.outputs import RUN_FILES
from cxsim.report import render_report

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = "scenarios/minimal.yaml"


@pytest.fixture(scope="module")
def result(minimal_short):
    return minimal_short


# ------------------------------------------------------------------ one formatter for the CLI and the report


class _Rows(HTMLParser):
    """The text of every row of the report's comparison table (the first table of the page)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.tables = 0
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables += 1
        if self.tables == 1 and tag == "tr":
            self.rows.append([])
        if self.tables == 1 and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if self.tables == 1 and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        if tag == "table":
            self.tables += 1

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


@pytest.mark.slow
def test_cli_and_report_print_the_same_text_for_the_same_numbers(result, monkeypatch):
    console = Console(record=True, width=400, color_system=None)
    monkeypatch.setattr(cli.common, "out_console", console)
    cli.print_table(result)
    lines = console.export_text().splitlines()
    body = lines[next(i for i, line in enumerate(lines) if line.startswith("┡")):]
    body = body[:next(i for i, line in enumerate(body) if line.startswith("└"))]  # the comparison table
    cli_rows = [[c.strip() for c in line.strip().strip("│").split("│")]
                for line in body if line.startswith("│")]
    parser = _Rows()
    parser.feed(render_report(result))
    html_rows = parser.rows[1:]  # after the header row
    metrics = [r for r in html_rows if r and r[0] and any(r[1:])]
    shown = [n for n, m in cxsim.catalogue.METRICS.items()  # optional rows only where some design has a value
             if not m.optional or any(d.metrics[n].mean is not None for d in result.summary.designs.values())]
    assert len(metrics) == len(shown) < len(cxsim.catalogue.METRICS)
    assert cli_rows == html_rows
    # the table shows the summary's numbers, written the one way
    row = next(r for r in cli_rows if r[0] == "effort, mean (h)")
    e = result.summary.designs["lanes"].metrics["effort_hours_mean"]
    assert row[1] == f"{fmt.number(e.mean)} {fmt.interval(e)}"


# ------------------------------------------------------------------ output folders


def _names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.mark.slow
def test_writing_twice_leaves_only_the_second_runs_files(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n")
    (folder / "my_plot.png").write_bytes(b"not cxsim's")
    first = cxsim.run(MINIMAL, replications=2, seed=1, horizon="20 days")  # per-case rows: a distribution
    with pytest.raises(OutputFolderError, match="holds no cxsim results"):  # files cxsim did not write
        first.write(folder)
    assert _names(folder) == {"notes.txt", "my_plot.png"}
    written = first.write(folder, force=True)
    assert "effort_distribution.png" in _names(folder)
    assert _names(folder) == {p.name for p in written} | {"notes.txt", "my_plot.png"}

    second = cxsim.run(MINIMAL, replications=2, seed=1, horizon="20 days", cases="none")
    written = second.write(folder)  # no per-case rows: no distribution chart, so the old one must go
    assert "effort_distribution.png" not in _names(folder)
    assert _names(folder) == {p.name for p in written} | {"notes.txt", "my_plot.png"}

    written = second.write(folder, charts=False)  # no PNG at all, but still the report
    assert {p.name for p in written} == {*RUN_FILES, "report.html"}
    assert _names(folder) == {*RUN_FILES, "report.html", "notes.txt", "my_plot.png"}

    sweep = cxsim.run_sweep(MINIMAL, parameters=[("designs.lanes.teams.product.agents", [1, 2])],
                            replications=1, seed=1, horizon="20 days")
    with pytest.raises(OutputFolderError, match="holds the run results of scenario 'minimal'"):
        sweep.write(folder)  # another kind of results: refused unless forced
    written = sweep.write(folder, charts=False, force=True)  # forced: replaces the run's files
    assert {p.name for p in written} == {"sweep.csv", "sweep.json", "report.html"}
    assert _names(folder) == {"sweep.csv", "sweep.json", "report.html", "notes.txt", "my_plot.png"}
    assert (folder / "notes.txt").read_text() == "mine\n"


def test_results_below_presentation_do_not_write():
    from cxsim.results import Result
    from cxsim.sweep import SweepResult

    assert not hasattr(Result, "write") and not hasattr(SweepResult, "write")
    assert issubclass(cxsim.Result, Result) and issubclass(cxsim.SweepResult, SweepResult)


# ------------------------------------------------------------------ no side effects


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=ROOT, timeout=180)


@pytest.mark.slow
def test_import_cxsim_loads_no_presentation_library():
    done = _python("""
        import sys
        import cxsim
        heavy = {"matplotlib", "jinja2", "typer", "rich", "pandas"}
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in heavy)
        assert not loaded, loaded
    """)
    assert done.returncode == 0, done.stderr


def test_the_cli_starts_without_scipy_stats_or_the_chart_libraries():
    """``cxsim --help``, ``validate`` and every one-line error start in ~0.5 s: scipy.stats alone would add
    ~0.5 s, matplotlib more; they are imported by the commands that compute or draw."""
    done = _python("""
        import sys
        import cxsim.cli
        heavy = {"scipy.stats", "matplotlib", "jinja2", "pandas"}
        loaded = sorted(m for m in sys.modules if m in heavy)
        assert not loaded, loaded
    """)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_charts_and_report_leave_matplotlib_as_they_found_it():
    done = _python("""
        import sys
        import matplotlib
        import cxsim.charts, cxsim.report
        result = cxsim.run("scenarios/minimal.yaml", replications=1, seed=1, horizon="20 days")
        cxsim.charts.dashboard_vs_truth(result)
        assert "matplotlib.pyplot" not in sys.modules  # nothing of pyplot's global state is touched

        backend = matplotlib.get_backend()
        rc = dict(matplotlib.rcParams)
        import importlib
        importlib.reload(cxsim.charts)
        cxsim.report.render_report(result)
        assert matplotlib.get_backend() == backend, (matplotlib.get_backend(), backend)
        assert dict(matplotlib.rcParams) == rc
    """)
    assert done.returncode == 0, done.stderr
    fresh = _python("""
        import matplotlib
        backend = matplotlib.get_backend()
        rc = dict(matplotlib.rcParams)
        import cxsim.charts
        assert matplotlib.get_backend() == backend and dict(matplotlib.rcParams) == rc
    """)
    assert fresh.returncode == 0, fresh.stderr


@pytest.mark.slow
def test_the_same_result_gives_the_same_report_bytes(result):
    assert render_report(result).encode() == render_report(result).encode()
