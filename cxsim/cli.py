"""The ``cxsim`` command line: a thin layer over the public API (``load_scenario``, ``run``).

Bad input never produces a traceback: one line naming file, line and field on stderr, exit status 2, and
nothing written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from cxsim import __version__
from cxsim.durations import parse_duration
from cxsim.loading import load_scenario
from cxsim.metrics import METRICS
from cxsim.yaml_source import ScenarioError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Simulate customer-support org designs and compare what they cost customers.")
out_console = Console()
err_console = Console(stderr=True)

PERCENT = {"reopen_rate", "fcr", "unresolved_share", "churn_rate", "closed_resolved_share", "utilization"}


def _fail(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _version(value: bool) -> None:
    if value:
        out_console.print(f"cxsim {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """cxsim: what does the way we organise support cost our customers?"""


@app.command()
def validate(scenario: Path = typer.Argument(..., help="Scenario YAML file.")) -> None:
    """Check a scenario file without running it."""
    try:
        sc = load_scenario(scenario)
    except ScenarioError as err:
        _fail(str(err))
    out_console.print(f"{scenario}: ok — scenario {sc.name!r}, {len(sc.case_types)} case types, "
                      f"designs: {', '.join(sc.designs)}", highlight=False)


@app.command()
def run(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output folder [default: results/<name>/]."),
    replications: int | None = typer.Option(None, "--replications", "-r", min=1,
                                            help="Replications per design [default: the scenario's]."),
    seed: int | None = typer.Option(None, "--seed", "-s", min=0, help="Base seed [default: the scenario's]."),
    horizon: str | None = typer.Option(None, "--horizon", help="Simulated time, e.g. '180 days'."),
    charts: bool = typer.Option(True, "--charts/--no-charts", help="Write PNG charts."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
) -> None:
    """Run every design of a scenario, print the comparison table and write results to a folder."""
    from cxsim.runner import run as run_scenario

    try:
        sc = load_scenario(scenario)
    except ScenarioError as err:
        _fail(str(err))
    hours = None
    if horizon is not None:
        try:
            hours = parse_duration(horizon, default_unit="day")
        except ValueError as err:
            _fail(f"--horizon: {err}")
        if hours <= sc.warmup:
            _fail(f"--horizon: must be longer than the scenario's warm-up ({sc.warmup / 24:g} days)")
    result = _with_progress(lambda cb: run_scenario(sc, replications=replications, seed=seed, horizon=hours,
                                                    progress=cb), quiet)
    folder = out if out is not None else Path("results") / sc.name
    written = result.write(folder, charts=charts)
    if not quiet:
        print_table(result)
        out_console.print(f"wrote {len(written)} files to {folder}/ ({result.wall_seconds:.1f} s)",
                          highlight=False)


def _with_progress(job, quiet: bool):
    if quiet or not sys.stderr.isatty():
        return job(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress("replications", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task("run", total=None)
        return job(lambda done, total: bar.update(task, completed=done, total=total))


def _cell(metric: str, value: dict) -> str:
    mean = value["mean"]
    if mean is None:
        return "–"
    lo, hi = value["ci95"]
    scale = 100.0 if metric in PERCENT else 1.0
    digits = 0 if abs(mean * scale) >= 1000 else (1 if abs(mean * scale) >= 10 else 2)
    text = f"{mean * scale:,.{digits}f}"
    if lo is not None:
        text += f" [dim]({lo * scale:,.{digits}f}–{hi * scale:,.{digits}f})[/]"
    return text


def print_table(result) -> None:
    """The comparison table: one column per design, mean and 95% CI per metric."""
    summary = result.summary
    title = f"{summary['scenario']}: {summary['replications']} replications, seed {summary['seed']}"
    table = Table(title=title + " (mean, 95% CI)", title_justify="left")
    table.add_column("metric")
    for design in result.designs:
        table.add_column(design, justify="right")
    for metric, (label, unit, _) in METRICS.items():
        if metric in ("effort_contact_hours_mean",):
            table.add_section()
        if metric == "churn_rate" or metric == "tickets_closed":
            table.add_section()
        suffix = f" ({unit})" if unit else ""
        table.add_row(label + suffix, *(_cell(metric, summary["designs"][d][metric]) for d in result.designs))
    out_console.print(table)
    types = Table(title="by case type: median effort (h) / median days to resolution", title_justify="left")
    types.add_column("case type")
    for design in result.designs:
        types.add_column(design, justify="right")
    for ctype in result.scenario.case_types:
        cells = []
        for design in result.designs:
            m = summary["case_types"][design][ctype]
            effort, days = m["effort_hours_p50"]["mean"], m["resolution_days_p50"]["mean"]
            cells.append(f"{_num(effort)} h / {_num(days)} d")
        types.add_row(ctype, *cells)
    out_console.print(types)
    acc = summary["accounting"]
    out_console.print("cases: " + "; ".join(
        f"{d}: {acc[d]['counted']} counted = {acc[d]['resolved']} resolved + {acc[d]['abandoned']} abandoned"
        f" + {acc[d]['open']} open" for d in result.designs), highlight=False)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def main() -> None:
    app()


if __name__ == "__main__":
    main()
