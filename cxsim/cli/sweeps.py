"""``cxsim sweep``: points kept as they finish, ``--resume`` of an interrupted sweep, a recorded sweep re-run.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path

import typer
from rich.markup import escape

from cxsim.cli import common
from cxsim.cli.common import (
    ALLOW_LARGE_HELP,
    SCHEDULER_ENV,
    _again,
    _check_horizon,
    _check_run_size,
    _fail,
    _file_limit,
    _stop_if_signalled,
    _stoppable,
    _with_progress,
    app,
    default_folder,
)
from cxsim.cli.runs import _read_record, _records_a_run, _rerun_folder
from cxsim.cli.tables import print_sweep
from cxsim.errors import ScenarioError
from cxsim.loader import load_scenario


@app.command()
def sweep(
    scenario: Path | None = typer.Argument(
        None, help="Scenario YAML file (with a sweep block, or use --set), or a sweep.json to re-run the "
        "sweep it records."),
    set_: list[str] = typer.Option(
        [], "--set", help="Sweep a parameter: path=v1,v2,... (dotted path in the file, * for every key); "
        "values are split at ',' or ';' outside braces, brackets and quotes, so a value may be a YAML flow "
        "mapping: --set 'case_types.bug.fix_time={dist: lognormal, mean: 1 h, sd: 30 min};2 h'. Give it "
        "once or twice. Replaces the file's sweep block [default: the file's sweep block]."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Output folder [default: results/<name>-sweep/]."),
    replications: int | None = typer.Option(None, "--replications", "-r", min=1,
                                            help="Replications per point [default: the sweep's, else the "
                                            "scenario's]."),
    seed: int | None = typer.Option(None, "--seed", "-s", min=0, help="Base seed [default: the scenario's]."),
    horizon: str | None = typer.Option(None, "--horizon",
                                       help="Simulated time, e.g. '180 days' [default: the scenario's]."),
    workers: int | None = typer.Option(None, "--workers", "-w", min=1,
                                       help="Local worker processes [default: all cores]."),
    scheduler: str | None = typer.Option(None, "--scheduler", envvar=SCHEDULER_ENV,
                                         help="Dask scheduler address (tcp://HOST:PORT) "
                                         "[default: local worker processes]."),
    charts: bool = typer.Option(True, "--charts/--no-charts", help="Write PNG charts."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
    allow_large: bool = typer.Option(False, "--allow-large", help=ALLOW_LARGE_HELP),
    resume: Path | None = typer.Option(None, "--resume", help="Continue the interrupted sweep in this "
                                       "folder: its finished points are kept, the others run "
                                       "[default: start a new sweep]."),
    force: bool = typer.Option(False, "--force", help="Write into --out even if it holds other files, "
                               "another scenario's results or an interrupted sweep (cxsim's own files there "
                               "are replaced, others kept)."),
) -> None:
    """Run a scenario at every point of one or two swept parameters; write sweep.csv and charts.

    Each point is saved in OUT/points/ as it finishes: after Ctrl-C or SIGTERM (exit 130 / 143),
    'cxsim sweep --resume OUT' runs only the points left. A sweep whose points all fail exits 1."""
    from cxsim.api import run_sweep
    from cxsim.errors import ExecutorError
    from cxsim.outputs import PLAN, POINTS, folder_problem, save_point, start_points
    from cxsim.report import sweep_no_cases_note

    if resume is not None:
        sc, plan, finished = _resume_plan(resume, scenario, set_, replications, seed, horizon, out)
        folder, record = resume, None
    else:
        if scenario is None:
            _fail("give a scenario file, a recorded sweep.json, or --resume FOLDER")
        with _file_limit(allow_large):
            sc, record = _load_for_sweep(scenario)
        if record is not None:
            if set_:
                _fail(f"--set: {scenario} records its sweep's parameters; --set is for a scenario file")
            seed = record["seed"] if seed is None else seed
            replications = record["replications"] if replications is None else replications
            horizon = record.get("horizon") if horizon is None else horizon
        _check_horizon(horizon, sc)
        plan = _sweep_plan_or_fail(sc, scenario, set_, replications, seed, horizon, record)
        _check_run_size(sc, allow_large=allow_large, horizon=plan["horizon"], workers=workers, quiet=quiet,
                        points=math.prod(len(v) for _, v in plan["grid"]), replications=plan["replications"],
                        flag="--replications" if replications else None)
        finished = {}
        folder = _rerun_folder(out, sc, scenario, "-sweep") if record is not None else \
            out if out is not None else default_folder(sc.name, "-sweep")
        problem = folder_problem(folder, "sweep", sc.name, force=force)
        if problem:
            _fail(f"--out: {problem}")
        if (folder / PLAN).is_file() and not force:
            _fail(f"--out: {folder} holds an interrupted sweep; continue it with: cxsim sweep --resume "
                  f"{folder} (or give --force to start again)")
    total = len(sweep_points_of(plan))

    def kept() -> str:
        saved = len(list((folder / POINTS).glob("point-*.json")))
        if saved:
            return (f"kept {saved} of {total} sweep points in {folder / POINTS}/; continue with: cxsim sweep "
                    f"--resume {folder}")
        _drop_points(folder, made)
        return f"nothing was kept; run it again with: {_again()}"

    made = not folder.exists()
    with _stoppable(kept):
        if resume is None:
            start_points(folder, plan)
        try:
            result = _with_progress(lambda cb: run_sweep(
                sc, parameters=[tuple(g) for g in plan["grid"]], metrics=plan["metrics"],
                replications=plan["replications"], seed=plan["seed"], horizon=plan["horizon"],
                workers=workers, scheduler=scheduler, progress=cb, finished=finished,
                on_point=lambda k, point: save_point(folder, k, point), allow_large=allow_large), quiet,
                designs=len(sc.designs))
        except ExecutorError as err:
            _fail(str(err))
        _stop_if_signalled()  # before writing: a stop lost while it ran
        written = result.write(folder, charts=charts, force=force)
    failed = [p for p in result.points if p.error]
    if not quiet:
        print_sweep(result)
    for point in failed:
        common.err_console.print(f"[yellow]point failed:[/] {escape(str(point.labels()))}: "
                                 f"{escape(point.error)}",
                                 highlight=False, soft_wrap=True)
    if note := sweep_no_cases_note(result):  # said even with --quiet, as for a run
        common.err_console.print(f"[bold yellow]note[/] {escape(note)}", highlight=False, soft_wrap=True)
    ran = len(result.points) - len(failed)
    if not quiet:
        if record is not None:
            same = _sweep_comparable(result.to_json()) == _sweep_comparable(record)
            common.out_console.print("re-run of the recorded sweep: " + (
                "identical results" if same else "results DIFFER from the recorded sweep"), highlight=False)
        common.out_console.print(f"{ran} of {len(result.points)} points ran; wrote {len(written)} files to "
                                 f"{folder}/ ({result.wall_seconds:.1f} s on "
                                 f"{result.workers})", highlight=False)
    if not ran:
        common.err_console.print("[bold red]error:[/] every point of the sweep failed (see "
                                 f"{folder / 'sweep.csv'})",
                                 highlight=False, soft_wrap=True)
        raise typer.Exit(1)


def sweep_points_of(plan: dict) -> list[dict]:
    from cxsim.sweep import sweep_points

    return sweep_points([(path, values) for path, values in plan["grid"]])


def _drop_points(folder: Path, made: bool) -> None:
    """Remove an interrupted sweep's points/ folder that holds no finished point (and ``folder`` if this
    sweep made it and it is left empty)."""
    import shutil

    from cxsim.outputs import POINTS

    shutil.rmtree(folder / POINTS, ignore_errors=True)
    if made:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _sweep_plan_or_fail(sc, scenario: Path, set_: list[str], replications, seed, horizon, record) -> dict:
    """The sweep's plan (``cxsim.sweep.sweep_plan``); a --set that cannot be read or names nothing in the
    scenario is one line, exit 2, before anything runs."""
    from cxsim.changes import parse_set
    from cxsim.sweep import sweep_plan

    parameters = None
    if record is not None:
        parameters = _recorded_grid(record, scenario)
    elif set_:
        if len(set_) > 2:
            _fail("--set: a sweep varies one or two parameters")
        try:
            parameters = [parse_set(option) for option in set_]
        except ValueError as err:
            _fail(str(err))
    elif sc.sweep is None:
        _fail(f"{scenario}: nothing to sweep; add a 'sweep' block or give --set path=v1,v2,...")
    try:
        plan = sweep_plan(sc, parameters=parameters, replications=replications, seed=seed, horizon=horizon)
    except ScenarioError as err:
        _fail(f"--set {err.field}: {err.message} ({err.file})" if set_ else str(err))
    except ValueError as err:
        _fail(str(err))
    if horizon is not None and any(path == "horizon" for path, _ in plan["grid"]):
        # --horizon would replace every swept horizon: points labelled 30 and 90 days, both run for 20
        swept = ", ".join(map(str, dict(plan["grid"])["horizon"]))
        _fail(f"--horizon: the sweep varies horizon itself ({swept}); drop --horizon")
    if record is not None:
        plan["metrics"] = list(record.get("metrics") or plan["metrics"])
    return plan


def _recorded_grid(record: dict, path: Path) -> list[tuple[str, list]]:
    """A recorded sweep's parameters and values (its "grid"; for a sweep.json written before grids were
    recorded, the values in the order its points ran)."""
    if record.get("grid"):
        return [(p, list(v)) for p, v in record["grid"]]
    try:
        params = list(record["parameters"])
        grid = [(p, []) for p in params]
        for point in record["points"]:
            for p, values in grid:
                if point["values"][p] not in values:
                    values.append(point["values"][p])
    except (KeyError, TypeError) as exc:
        _fail(f"{path}: not a cxsim sweep.json ({type(exc).__name__}: {exc})")
    return grid


def _sweep_comparable(data: dict) -> str:
    """A sweep's results without how they were obtained (machine, file path, version); a recorded sweep
    whose points are not as cxsim wrote them gives their text as it is (so it differs)."""
    import json

    try:
        points = [{key: p[key] for key in ("values", "error", "designs")} for p in data["points"]]
    except (KeyError, TypeError):
        points = data.get("points")
    return json.dumps(points, sort_keys=True, default=str)


def _load_for_sweep(path: Path):
    """A scenario file, or a sweep.json whose recorded sweep is re-run (its scenario, grid, seed...); told
    apart as ``run`` does (``_records_a_run``)."""
    if not _records_a_run(path):
        try:
            return load_scenario(path), None
        except ScenarioError as err:
            _fail(str(err))
    from cxsim.errors import ResultsFolderError
    from cxsim.saved_files import check_sweep_inputs

    recorded, text = _read_record(path, "sweep.json", "scenario_content")
    try:  # the inputs a re-run reads (seed, replications, horizon...) as cxsim sweep wrote them
        check_sweep_inputs(text, str(path), "this file is not as cxsim sweep wrote it; run the scenario "
                           "file instead")
    except ResultsFolderError as err:
        _fail(str(err))
    try:
        return load_scenario(recorded["scenario_content"], label=f"{path}:scenario_content"), recorded
    except ScenarioError as err:
        _fail(str(err))


def _resume_plan(folder: Path, scenario: Path | None, set_: list[str], replications, seed, horizon,
                 out: Path | None):
    """An interrupted sweep's scenario, plan and finished points; anything given on the command line must
    agree with what it recorded (one line, exit 2, otherwise)."""
    from cxsim.changes import parse_set
    from cxsim.errors import ResultsFolderError
    from cxsim.outputs import PLAN, load_points

    if out is not None and out.resolve() != folder.resolve():
        _fail(f"--out: --resume writes to the folder it continues ({folder}); leave out --out")
    _check_saved_sweep(folder)
    try:
        plan, finished = load_points(folder)
    except ResultsFolderError as err:
        _fail(f"--resume: {err}")
    try:
        sc = load_scenario(plan["scenario_content"], label=f"{folder / PLAN}:scenario_content")
        grid = [(p, list(v)) for p, v in plan["grid"]]
    except ScenarioError as err:
        _fail(str(err))
    except (KeyError, TypeError, ValueError) as exc:
        _fail(f"{folder / PLAN}: not a cxsim sweep plan ({type(exc).__name__}: {exc})")
    differs = []
    if scenario is not None:
        try:
            given = load_scenario(scenario)
        except ScenarioError as err:
            _fail(str(err))
        if given.content_hash != plan.get("scenario_hash"):
            differs.append(f"{scenario} is not the scenario it ran (its content differs)")
    if set_:
        try:
            asked = [parse_set(option) for option in set_]
        except ValueError as err:
            _fail(str(err))
        if asked != grid:
            differs.append("--set names other parameters or values than it ran")
    for flag, value, recorded in (("--replications", replications, plan.get("replications")),
                                  ("--seed", seed, plan.get("seed")),
                                  ("--horizon", horizon, plan.get("horizon"))):
        if value is not None and value != recorded:
            differs.append(f"{flag} {value} differs from its {recorded}")
    if differs:
        _fail(f"--resume {folder}: " + "; ".join(differs) + " (start a new sweep without --resume, or with "
              "--force to replace it)")
    return sc, plan, finished


def _check_saved_sweep(folder: Path) -> None:
    """An interrupted sweep's plan and each point it saved, checked before anything is kept (a truncated,
    hand-edited or foreign file would otherwise end in a traceback, or in sweep.json as it is): one line
    naming the file and the way on, exit 2. A folder without a plan is left to ``load_points`` to explain."""
    import json

    from cxsim.outputs import PLAN, POINTS
    from cxsim.sweep import saved_plan_problem, saved_point_problem

    def read(path: Path) -> tuple[object, str | None]:
        try:
            return json.loads(path.read_text(encoding="utf-8")), None
        except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad JSON or bad UTF-8
            return None, f"cannot be read ({type(exc).__name__}: {exc})"

    if not (folder / PLAN).is_file():
        return
    plan, problem = read(folder / PLAN)
    if problem or (problem := saved_plan_problem(plan)):
        _fail(f"--resume: {folder / PLAN}: {problem}; start the sweep again (the same cxsim sweep command "
              f"with --out {folder} --force; the points it kept are lost)")
    for path in sorted((folder / POINTS).glob("point-*.json")):
        number = path.stem.removeprefix("point-")
        data, problem = read(path)
        if not (number.isascii() and number.isdigit()):
            problem = "not a name cxsim gives a point file (point-<number>.json)"
        problem = problem or saved_point_problem(data, int(number), plan)
        if problem:
            _fail(f"--resume: {path}: {problem}; delete that file and run cxsim sweep --resume {folder} "
                  "again to re-run its point")
