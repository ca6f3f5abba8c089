"""``cxsim sensitivity``: which assumptions move the outcome (one at a time, or Morris screening).
"""

from __future__ import annotations

from pathlib import Path

import typer

from cxsim import formatting as fmt
from cxsim.cli import common
from cxsim.cli.common import (
    ALLOW_LARGE_HELP,
    SCHEDULER_ENV,
    _again,
    _check_horizon,
    _check_out,
    _check_run_size,
    _fail,
    _file_limit,
    _fraction,
    _stop_if_signalled,
    _stoppable,
    _with_progress,
    app,
    default_folder,
)
from cxsim.cli.tables import print_sensitivity
from cxsim.errors import ScenarioError
from cxsim.loader import load_scenario


@app.command()
def sensitivity(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    vary: str = typer.Option("25%", "--vary", help="How far each parameter moves each way, e.g. 25%."),
    params: str | None = typer.Option(
        None, "--params", help="Parameters to vary, comma-separated dotted paths (as --set; * for every key) "
        "[default: every value the file marks '# [assumption]']."),
    morris: bool = typer.Option(False, "--morris", help="Also screen with Morris elementary effects."),
    trajectories: int = typer.Option(4, "--trajectories", min=1, help="Morris trajectories (r)."),
    levels: int = typer.Option(4, "--levels", min=2, help="Morris grid levels (even)."),
    metrics: str | None = typer.Option(None, "--metrics",
                                       help="Headline metrics, comma-separated [default: effort, churn, "
                                       "lost revenue]."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Output folder [default: results/<name>-sensitivity/]."),
    replications: int | None = typer.Option(None, "--replications", "-r", min=1,
                                            help="Replications per variant [default: the scenario's]."),
    seed: int | None = typer.Option(None, "--seed", "-s", min=0, help="Base seed [default: the scenario's]."),
    horizon: str | None = typer.Option(None, "--horizon",
                                       help="Simulated time, e.g. '180 days' [default: the scenario's]."),
    workers: int | None = typer.Option(None, "--workers", "-w", min=1,
                                       help="Local worker processes [default: all cores]."),
    scheduler: str | None = typer.Option(None, "--scheduler", envvar=SCHEDULER_ENV,
                                         help="Dask scheduler address (tcp://HOST:PORT) "
                                         "[default: local worker processes]."),
    charts: bool = typer.Option(True, "--charts/--no-charts", help="Write the tornado charts as PNG."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
    force: bool = typer.Option(False, "--force", help="Write into --out even if it holds other files or "
                               "another scenario's results (cxsim's own files there are replaced, others "
                               "kept)."),
    allow_large: bool = typer.Option(False, "--allow-large", help=ALLOW_LARGE_HELP),
) -> None:
    """Vary each assumption by ±vary, one at a time, with common random numbers: does the designs' order
    hold? Writes sensitivity.csv/json, a tornado chart per headline metric and report.html."""
    from cxsim.api import run_sensitivity
    from cxsim.catalogue import METRICS as KNOWN
    from cxsim.errors import ExecutorError
    from cxsim.sensitivity import assumption_paths, resolve_parameters
    from cxsim.yaml_source import load_source

    fraction = _fraction(vary, "--vary")
    try:
        with _file_limit(allow_large):
            source = load_source(scenario)
            sc = load_scenario(scenario)
    except ScenarioError as err:
        _fail(str(err))
    paths = [p.strip() for p in params.split(",") if p.strip()] if params is not None else \
        assumption_paths(source)
    if not paths:
        _fail(f"{scenario}: no value is marked '# [assumption]' on its line; pass --params p1,p2,...")
    names = [m.strip() for m in metrics.split(",") if m.strip()] if metrics else None
    for name in names or []:
        if name not in KNOWN:
            _fail(f"--metrics: unknown metric {name!r}; known: {', '.join(KNOWN)}")
    if morris and levels % 2:
        _fail(f"--levels: Morris levels must be even (got {levels})")
    _check_horizon(horizon, sc)
    _check_run_size(sc, allow_large=allow_large, replications=replications, horizon=horizon,
                    points=1 + 2 * len(paths), workers=workers, quiet=quiet,
                    flag="--replications" if replications is not None else None)
    folder = out if out is not None else default_folder(sc.name, "-sensitivity")
    _check_out(folder, "sensitivity analysis", sc, force)
    with _stoppable(lambda: f"nothing was written; run it again with: {_again()}"), _file_limit(allow_large):
        try:
            resolve_parameters(sc, paths, fraction, source)  # every variant checked before anything runs
            result = _with_progress(lambda cb: run_sensitivity(
                scenario, parameters=paths, vary=fraction, metrics=names, morris=morris,
                trajectories=trajectories, levels=levels, replications=replications, seed=seed,
                horizon=horizon, workers=workers, scheduler=scheduler, progress=cb, allow_large=allow_large),
                quiet)
        except (ScenarioError, ExecutorError) as err:
            _fail(str(err))
        _stop_if_signalled()  # before writing: a stop lost while it ran
        written = result.write(folder, charts=charts, force=force)
    if not quiet:
        print_sensitivity(result)
        common.out_console.print(f"{fmt.plural(len(result.parameters), 'parameter')} x 2 + base ran; wrote "
                                 f"{len(written)} "
                                 f"files to {folder}/ ({result.wall_seconds:.1f} s on {result.workers})",
                                 highlight=False)
