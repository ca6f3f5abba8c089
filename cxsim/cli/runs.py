"""Running a scenario: ``validate``, ``run`` (a scenario file, or a recorded summary.json re-run), ``report``
(rebuilding a results folder's charts and report) and ``schema``.
"""

from __future__ import annotations

from pathlib import Path

import typer

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
    _precision,
    _stop_if_signalled,
    _stoppable,
    _with_progress,
    app,
    default_folder,
)
from cxsim.cli.tables import print_planned_load, print_table, print_teams, print_warnings
from cxsim.errors import ScenarioError
from cxsim.loader import load_scenario
from cxsim.units import duration_text


@app.command()
def validate(scenario: Path = typer.Argument(..., help="Scenario YAML (or JSON) file, or a summary.json."),
             allow_large: bool = typer.Option(False, "--allow-large", help=ALLOW_LARGE_HELP)) -> None:
    """Check a scenario file without running it."""
    with _file_limit(allow_large):
        sc, _ = _load_for_run(scenario)  # as run reads it: a .json recording a run checks its scenario
    _check_run_size(sc, allow_large=allow_large)
    common.out_console.print(f"{scenario}: ok — scenario {sc.name!r}, {len(sc.case_types)} case types, "
                             f"designs: {', '.join(sc.designs)}", highlight=False)


def _records_a_run(path: Path) -> bool:
    """A .json file holding ``scenario_content`` is a recorded run (summary.json); any other file, .json
    included, is a scenario (JSON is YAML), so validate and run read every file the same way."""
    if path.suffix.lower() != ".json":
        return False
    import json

    try:
        recorded = json.loads(path.read_text(encoding="utf-8-sig"))  # a byte-order mark: an editor's save
    except (OSError, ValueError, RecursionError):  # the scenario reader then says what is wrong, with a line
        return False
    return isinstance(recorded, dict) and "scenario_content" in recorded


def _load_for_run(path: Path):
    """A scenario file, or a summary.json whose recorded inputs are re-run."""
    if _records_a_run(path):
        from cxsim.errors import ResultsFolderError
        from cxsim.loader import load_scenario as load
        from cxsim.saved_files import check_summary
        from cxsim.summary import Summary

        recorded, text = _read_record(path, "summary.json", "scenario_content")
        try:
            summary = Summary.from_json(check_summary(text, str(path), advice="this file is not as cxsim "
                                                      "wrote it; run the scenario file instead"))
        except ResultsFolderError as err:
            _fail(str(err))
        try:
            return load(recorded["scenario_content"], label=f"{path}:scenario_content"), summary
        except ScenarioError as err:
            _fail(str(err))
    try:
        return load_scenario(path), None
    except ScenarioError as err:
        _fail(str(err))


def _read_record(path: Path, what: str, required: str) -> tuple[dict, str]:
    """A recorded summary.json or sweep.json, read as JSON (with its text, to locate fields); one line and
    exit 2 when it cannot be read or is not one."""
    import json

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        _fail(f"{path}: file not found")
    except IsADirectoryError:
        _fail(f"{path}: is a folder, not a {what}")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})")
    except RecursionError:
        _fail(f"{path}: nested too deeply to be a {what}")
    if not isinstance(data, dict) or required not in data:
        _fail(f"{path}: not a cxsim {what} (it records no {required})")
    return data, text


def _rerun_folder(out: Path | None, sc, record: Path, suffix: str = "") -> Path:
    """Where a re-run of a record (summary.json, sweep.json) writes: --out, else
    results/<name><suffix>-rerun/ (numbered when that is the record's own folder). Never over the record it
    is compared with: --out naming the record's folder is refused."""
    own = record.resolve().parent
    if out is not None:
        if out.resolve() == own:
            _fail(f"--out: {out} holds the record being re-run ({record}); give another folder")
        return out
    folder = default_folder(sc.name, f"{suffix}-rerun")
    return folder if folder.resolve() != own else default_folder(sc.name, f"{suffix}-rerun-2")


@app.command()
def run(
    scenario: Path = typer.Argument(..., help="Scenario YAML file, or a summary.json to re-run its inputs."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output folder [default: results/<name>/]."),
    replications: int | None = typer.Option(None, "--replications", "-r", min=1,
                                            help="Replications per design [default: the scenario's]."),
    seed: int | None = typer.Option(None, "--seed", "-s", min=0, help="Base seed [default: the scenario's]."),
    horizon: str | None = typer.Option(None, "--horizon",
                                       help="Simulated time, e.g. '180 days' [default: the scenario's]."),
    precision: str | None = typer.Option(
        None, "--precision", help="Add replications until the headline metric's 95% CI half-width is within "
        "this share of its mean: 5% or 0.05 (a bare number above 1 is refused) [default: off, the scenario's "
        "replications]."),
    metric: str = typer.Option("effort_hours_mean", "--metric", help="Headline metric for --precision."),
    max_replications: int = typer.Option(200, "--max-replications", min=2, help="Cap for --precision."),
    workers: int | None = typer.Option(None, "--workers", "-w", min=1,
                                       help="Local worker processes [default: all cores]."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", envvar=SCHEDULER_ENV,
        help="Dask scheduler address (tcp://HOST:PORT); needs cxsim[dask] at the same version everywhere "
        "[default: local worker processes]."),
    cases: str = typer.Option("sample", "--cases",
                              help="Per-case output: all, sample (1,000 per replication) or none."),
    charts: bool = typer.Option(True, "--charts/--no-charts", help="Write PNG charts."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
    allow_large: bool = typer.Option(False, "--allow-large", help=ALLOW_LARGE_HELP),
    force: bool = typer.Option(False, "--force", help="Write into --out even if it holds other files or "
                               "another scenario's results (cxsim's own files there are replaced, others "
                               "kept)."),
) -> None:
    """Run every design of a scenario, print the comparison table and write results to a folder.

    The folder appears only when complete; a folder holding other files or another scenario's results is
    refused (use --force). Re-running a summary.json writes to results/<name>-rerun/ (never over the
    record). Ctrl-C or SIGTERM stops at once (exit 130 / 143) and writes nothing."""
    from cxsim.api import run as run_scenario
    from cxsim.catalogue import METRICS as KNOWN
    from cxsim.errors import ExecutorError, OpenCasesError

    with _file_limit(allow_large):
        sc, recorded = _load_for_run(scenario)
    if recorded is not None:  # re-run: the recorded inputs unless overridden
        seed = recorded.seed if seed is None else seed
        replications = recorded.replications if replications is None else replications
        if horizon is None and recorded.horizon_hours is not None:
            horizon = duration_text(recorded.horizon_hours)
        if cases == "sample" and recorded.cases_output:
            cases = recorded.cases_output
    if cases not in ("all", "sample", "none"):
        _fail(f"--cases: must be all, sample or none (got {cases!r})")
    if metric not in KNOWN:
        _fail(f"--metric: unknown metric {metric!r}; known: {', '.join(KNOWN)}")
    target = _precision(precision) if precision is not None else None
    _check_horizon(horizon, sc)
    _check_run_size(sc, allow_large=allow_large, horizon=horizon, workers=workers, quiet=quiet,
                    replications=max_replications if target is not None else replications,
                    flag="--max-replications" if target is not None else
                    "--replications" if replications is not None and recorded is None else None)
    folder = _run_folder(out, sc, scenario if recorded is not None else None)
    _check_out(folder, "run", sc, force)
    if not quiet:
        print_planned_load(sc)
    with _stoppable(lambda: f"nothing was written; run it again with: {_again()}"):
        try:
            result = _with_progress(lambda cb: run_scenario(
                sc, replications=replications, seed=seed, horizon=horizon, cases=cases, workers=workers,
                scheduler=scheduler, precision=target, metric=metric, max_replications=max_replications,
                progress=cb, allow_large=allow_large), quiet, designs=len(sc.designs))
        except (ExecutorError, OpenCasesError) as err:
            _fail(str(err))
        _stop_if_signalled()  # before writing: a stop lost while it ran
        written = result.write(folder, charts=charts, force=force)
    if not quiet:
        print_table(result)
        print_teams(result)
    print_warnings(result)
    if not quiet:
        if result.precision is not None:
            p = result.precision
            verdict = "reached" if p["reached"] else f"NOT reached (cap of {p['cap']} replications)"
            common.out_console.print(f"precision {p['target']:.1%} on {p['metric']}: {verdict} after "
                                     f"{p['replications']} replications (worst half-width "
                                     f"{p['worst_ratio']:.1%} of the mean)", highlight=False)
        if recorded is not None:
            same = _comparable(result.summary) == _comparable(recorded)
            common.out_console.print("re-run of recorded inputs: " + (
                "identical results" if same else "results DIFFER from the recorded summary"), highlight=False)
        common.out_console.print(f"wrote {len(written)} files to {folder}/ ({result.wall_seconds:.1f} s on "
                                 f"{result.workers})", highlight=False)


def _run_folder(out: Path | None, sc, record: Path | None) -> Path:
    """Where a run writes: --out, else results/<name>/; a re-run of a recorded summary.json: see
    ``_rerun_folder``."""
    if record is None:
        return out if out is not None else default_folder(sc.name)
    return _rerun_folder(out, sc, record)


def _comparable(summary) -> str:
    """The results of a summary, without how they were obtained (machine, stopping rule, file path)."""
    import json

    skip = ("run", "precision", "scenario_file")
    return json.dumps({k: v for k, v in summary.to_json().items() if k not in skip}, sort_keys=True,
                      default=str)


@app.command()
def report(
    folder: Path = typer.Argument(..., help="A results folder written by cxsim run or cxsim sweep."),
    charts: bool = typer.Option(True, "--charts/--no-charts", help="Also rewrite the PNG charts."),
) -> None:
    """Rebuild the charts and report.html from saved results (a run's or a sweep's folder), without
    re-running anything."""
    from cxsim.atomic import writable_folder_problem
    from cxsim.errors import ResultsFolderError
    from cxsim.outputs import write_report, write_sweep_report
    from cxsim.saved import load_results
    from cxsim.sweep import read_sweep

    if not folder.exists():
        _fail(f"{folder}: no such folder")
    if not folder.is_dir():
        _fail(f"{folder}: is a file, not a results folder (give the folder cxsim run or cxsim sweep wrote)")
    if not (folder / "summary.json").exists() and not (folder / "sweep.json").exists():
        import shlex

        from cxsim.outputs import PLAN

        if (folder / PLAN).is_file():
            _fail(f"{folder} holds an interrupted sweep (no sweep.json yet): finish it with cxsim sweep "
                  f"--resume {shlex.quote(str(folder))}, which writes its report")
        _fail(f"{folder}: no summary.json or sweep.json; is this a cxsim run's or sweep's output folder?")
    sweep_folder = not (folder / "summary.json").exists()
    try:
        saved = read_sweep(folder) if sweep_folder else load_results(folder)
    except ResultsFolderError as err:
        _fail(str(err))
    problem = writable_folder_problem(folder)
    if problem:
        _fail(problem)
    with _stoppable(lambda: f"the report and charts in {folder}/ were left as they were"):
        writer = write_sweep_report if sweep_folder else write_report
        written = writer(saved, folder, charts=charts)
    common.out_console.print(f"wrote {len(written)} files to {folder}/ (report: {folder / 'report.html'})",
                             highlight=False)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors).

    Save it with 'cxsim schema > cxsim.schema.json' and start a scenario file
    with '# yaml-language-server: $schema=cxsim.schema.json' (a path relative
    to that file) for completion, documentation and checks in the editor."""
    import json

    from cxsim.scenario import Scenario

    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2))
