"""The ``cxsim`` command line: a thin layer over the public API (``load_scenario``, ``run``).

Bad input never produces a traceback: one line naming file, line and field on stderr, exit status 2, and
nothing written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import math
import sys
from pathlib import Path
from typing import NamedTuple

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cxsim import formatting as fmt
from cxsim.errors import ScenarioError
from cxsim.loader import load_scenario
from cxsim.units import duration_text
from cxsim.version import __version__

SCHEDULER_ENV = "CXSIM_SCHEDULER"  # the Dask scheduler's address (only the CLI reads the environment)
app = typer.Typer(add_completion=True, no_args_is_help=True, rich_markup_mode=None,
                  help="Simulate customer-support org designs and compare what they cost customers.")
out_console = Console()
err_console = Console(stderr=True)
ALLOW_LARGE_HELP = ("Run even above the size limits (replications, customers, agents, expected cases, "
                    "scenario file size).")


def _file_limit(allow_large: bool):
    """Scenario files over ``MAX_SOURCE_BYTES`` are read only with --allow-large (for this command)."""
    from cxsim.yaml_source import MAX_SOURCE_BYTES, file_size_limit

    return file_size_limit(None if allow_large else MAX_SOURCE_BYTES)


def default_folder(name: str, suffix: str = "") -> Path:
    """``results/<name><suffix>/`` with the scenario's name made safe for a path: runs of anything but
    letters, digits, '.', '_' and '-' (spaces, slashes, quotes) become one '-'."""
    import re

    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "scenario"
    return Path("results") / f"{slug}{suffix}"


def _fail(message: str) -> None:
    if _stopping.signal is not None:  # a worker killed by the same Ctrl-C/SIGTERM: report the stop instead
        raise KeyboardInterrupt
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


# --- stopping: Ctrl-C (SIGINT) and SIGTERM end a long command within a second, with one line saying what
# was kept, exit status 128 + the signal (130, 143) and no traceback. SIGTERM takes Ctrl-C's path (a
# KeyboardInterrupt), so the pool is stopped and partial output removed the same way. ---

class _Stopping:
    signal: int | None = None  # the first stop signal received, while a command is stoppable


_stopping = _Stopping()


def _on_stop_signal(signum, _frame) -> None:
    if _stopping.signal is None:  # the first one stops; more while stopping are ignored
        _stopping.signal = signum
        raise KeyboardInterrupt


def _stop_if_signalled() -> None:
    """Stop now if a stop signal came and its KeyboardInterrupt was lost. Python runs a signal handler between
    any two bytecodes of the main thread, also inside a garbage collector's callback (matplotlib's
    transforms, weak references), where an exception is printed as "ignored" and dropped: the stop is kept
    in ``_stopping`` and taken up here, at the next safe point (a finished replication, before the results
    are written, before any file or folder is put in place)."""
    if _stopping.signal is not None:
        raise KeyboardInterrupt


class _StoppedEarly(BaseException):
    """Ctrl-C or SIGTERM outside a command's stoppable work (while a scenario or a log is read, say). Not a
    KeyboardInterrupt, which click turns into "Aborted!" and exit status 1."""


def _on_early_stop_signal(signum, _frame) -> None:
    if _stopping.signal is None:
        _stopping.signal = signum
        raise _StoppedEarly(signum)


def _signal_name(signum: int) -> str:
    import signal

    return "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name


def _again() -> str:
    """The command line that was run, to run it again."""
    import shlex

    return shlex.join(["cxsim", *sys.argv[1:]])


def _quiet_lost_stop(hook):
    """``sys.unraisablehook`` that says nothing of a stop's KeyboardInterrupt dropped in a garbage collector's
    callback ("Exception ignored in ...": the stop is taken up at the next safe point) and passes anything
    else to ``hook``."""
    def quiet(unraisable) -> None:
        if not (isinstance(unraisable.exc_value, KeyboardInterrupt) and _stopping.signal is not None):
            hook(unraisable)

    return quiet


@contextlib.contextmanager
def _stoppable(kept):
    """Run a command's work so that Ctrl-C or SIGTERM ends it with one line: ``kept()`` says what was kept
    and how to go on; exit status 130 (SIGINT) or 143 (SIGTERM)."""
    import signal
    import threading

    if _stopping.signal is not None:  # a stop before the work, lost where it landed
        raise _StoppedEarly(_stopping.signal)
    from cxsim.atomic import before_publishing

    handlers = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            handlers[sig] = signal.signal(sig, _on_stop_signal)
    checked = before_publishing.set(_stop_if_signalled)  # nothing is put in place after a (lost) stop
    unraisable = sys.unraisablehook
    sys.unraisablehook = _quiet_lost_stop(unraisable)
    try:
        yield
    except KeyboardInterrupt:
        received = _stopping.signal or signal.SIGINT
        err_console.print(f"[bold yellow]stopped[/] ({_signal_name(received)}): {escape(kept())}",
                          highlight=False, soft_wrap=True)
        raise typer.Exit(128 + received) from None
    finally:
        sys.unraisablehook = unraisable
        before_publishing.reset(checked)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        _stopping.signal = None


def _check_out(folder: Path, kind: str, scenario, force: bool) -> None:
    """Refuse, before anything runs, an output folder that cannot be written or (unless ``--force``) holds
    other files or another scenario's results (``cxsim.outputs.folder_problem``)."""
    from cxsim.outputs import folder_problem

    problem = folder_problem(folder, kind, scenario.name, force=force)
    if problem:
        _fail(f"--out: {problem}")


def _check_out_file(out: Path) -> None:
    """Refuse, before anything runs, an output file that cannot be written (a folder, under a file, in a
    folder that cannot be written)."""
    from cxsim.atomic import writable_file_problem

    problem = writable_file_problem(out)
    if problem:
        _fail(f"--out: {problem}")


def _version(value: bool) -> None:
    if value:
        out_console.print(f"cxsim {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """cxsim: what does the way we organise support cost our customers?"""


@app.command()
def validate(scenario: Path = typer.Argument(..., help="Scenario YAML (or JSON) file, or a summary.json."),
             allow_large: bool = typer.Option(False, "--allow-large", help=ALLOW_LARGE_HELP)) -> None:
    """Check a scenario file without running it."""
    with _file_limit(allow_large):
        sc, _ = _load_for_run(scenario)  # as run reads it: a .json recording a run checks its scenario
    _check_run_size(sc, allow_large=allow_large)
    out_console.print(f"{scenario}: ok — scenario {sc.name!r}, {len(sc.case_types)} case types, "
                      f"designs: {', '.join(sc.designs)}", highlight=False)


def _precision(text: str) -> float:
    """'5%' or '0.05' as a fraction; a bare number above 1 ('5') is refused: it is ambiguous (5% or 500%?),
    and the message says how to write it."""
    value = text.strip()
    try:
        fraction = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        _fail(f"--precision: cannot read {text!r}; write e.g. 5% or 0.05")
    if not value.endswith("%") and fraction >= 1:
        _fail(f"--precision: {text!r} is not a share of the mean; write {value}% or {fraction / 100:g}")
    if not 0 < fraction < 1:
        _fail(f"--precision: must be between 0% and 100% (got {text!r}); write e.g. 5% or 0.05")
    return fraction


def _check_horizon(horizon: str | None, scenario) -> None:
    """Refuse a --horizon the run would refuse, before anything runs (read as ``cxsim.run`` reads it)."""
    if horizon is None:
        return
    try:
        hours = scenario.duration(horizon)
    except ValueError as err:
        _fail(f"--horizon: {err}")
    if hours <= scenario.warmup:
        _fail(f"--horizon: must be longer than the scenario's warm-up ({duration_text(scenario.warmup)})")


def _check_run_size(sc, *, allow_large: bool, replications: int | None = None, horizon: str | None = None,
                    points: int = 1, workers: int | None = None, quiet: bool = True, flag: str | None = None,
                    designs: int | None = None):
    """Refuse a run above the size limits unless --allow-large; say first when a run will take long."""
    import os

    from cxsim import run_size
    from cxsim.scenario import MAX_HORIZON

    hours = sc.duration(horizon) if horizon is not None else None
    if hours is not None and hours > MAX_HORIZON:
        _fail(f"--horizon: at most {duration_text(MAX_HORIZON)} (got {horizon!r})")
    size = run_size.estimate(sc, replications=replications, horizon=hours, points=points)
    if designs is not None:  # fewer than the scenario's (a back-test runs one)
        size = dataclasses.replace(size, designs=designs)
    workers = workers or os.cpu_count() or 1
    try:
        run_size.check(sc, size, allow_large=allow_large, flag=flag, workers=workers)
    except ScenarioError as err:
        _fail(str(err))
    note = run_size.announcement(size, workers)
    if note is not None and not quiet:
        err_console.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)


def _records_a_run(path: Path) -> bool:
    """A .json file holding ``scenario_content`` is a recorded run (summary.json); any other file, .json
    included, is a scenario (JSON is YAML), so validate and run read every file the same way."""
    if path.suffix.lower() != ".json":
        return False
    import json

    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
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
        _check_recorded_inputs(path, recorded, text)
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
        text = path.read_text(encoding="utf-8")
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


def _json_line(text: str, key: str) -> str:
    """':line' of the first line where ``"key":`` appears in a JSON text ('' if none)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if f'"{key}":' in line:
            return f":{number}"
    return ""


def _check_recorded_inputs(path: Path, data: dict, text: str) -> None:
    """The inputs a re-run reads from a record, checked as the command line checks them: one located line,
    exit 2 (a seed of 1.5 would otherwise be cut to 1, or fail deep inside the run)."""
    import math

    def bad(key: str, rule: str) -> None:
        _fail(f"{path}{_json_line(text, key)}: {key}: {rule} (got {data[key]!r})")

    for key, low in (("seed", 0), ("replications", 1)):
        value = data.get(key)
        if key in data and (not isinstance(value, int) or isinstance(value, bool) or value < low):
            bad(key, f"must be a whole number >= {low}")
    for key in ("horizon_hours", "warmup_hours"):
        value = data.get(key)
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)
                                  or not math.isfinite(value) or value < 0):
            bad(key, "must be a finite number of hours >= 0")
    if data.get("cases_output") not in (None, "all", "sample", "none"):
        bad("cases_output", "must be all, sample or none")
    if data.get("horizon") is not None and not isinstance(data["horizon"], str):
        bad("horizon", "must be a duration such as '180 days'")


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
            out_console.print(f"precision {p['target']:.1%} on {p['metric']}: {verdict} after "
                              f"{p['replications']} replications (worst half-width "
                              f"{p['worst_ratio']:.1%} of the mean)", highlight=False)
        if recorded is not None:
            same = _comparable(result.summary) == _comparable(recorded)
            out_console.print("re-run of recorded inputs: " + (
                "identical results" if same else "results DIFFER from the recorded summary"), highlight=False)
        out_console.print(f"wrote {len(written)} files to {folder}/ ({result.wall_seconds:.1f} s on "
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
        err_console.print(f"[yellow]point failed:[/] {escape(str(point.labels()))}: {escape(point.error)}",
                          highlight=False, soft_wrap=True)
    if note := sweep_no_cases_note(result):  # said even with --quiet, as for a run
        err_console.print(f"[bold yellow]note[/] {escape(note)}", highlight=False, soft_wrap=True)
    ran = len(result.points) - len(failed)
    if not quiet:
        if record is not None:
            same = _sweep_comparable(result.to_json()) == _sweep_comparable(record)
            out_console.print("re-run of the recorded sweep: " + (
                "identical results" if same else "results DIFFER from the recorded sweep"), highlight=False)
        out_console.print(f"{ran} of {len(result.points)} points ran; wrote {len(written)} files to "
                          f"{folder}/ ({result.wall_seconds:.1f} s on {result.workers})", highlight=False)
    if not ran:
        err_console.print(f"[bold red]error:[/] every point of the sweep failed (see {folder / 'sweep.csv'})",
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
    recorded, text = _read_record(path, "sweep.json", "scenario_content")
    _check_recorded_inputs(path, recorded, text)
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


def print_sweep(result) -> None:
    """One table per headline metric: a row per point, a column per design (mean and 95% CI; 'no cases'
    where the design counted none)."""
    from cxsim.report import NO_CASES_CELL

    for metric in result.metrics:
        table = Table(title=f"{fmt.label(metric)} by sweep point", title_justify="left")
        for path in result.parameters:
            table.add_column(path.split(".")[-1] if len(path) > 24 else path)
        for design in result.designs:
            table.add_column(design, justify="right")
        for point in result.points:
            cells = [escape(str(point.labels()[p])) for p in result.parameters]
            for design in result.designs:
                if point.summary is None:
                    cells.append("[red]failed[/]")
                elif (value := point.estimate(design, metric)) is None and design in point.counted_no_case():
                    cells.append(f"[yellow]{NO_CASES_CELL}[/]")
                else:
                    cells.append(_cell(fmt.cell(value, metric)))
            table.add_row(*cells)
        out_console.print(table)


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
    out_console.print(f"wrote {len(written)} files to {folder}/ (report: {folder / 'report.html'})",
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


def _with_progress(job, quiet: bool, designs: int = 1):
    """Run ``job(progress)`` under a progress bar on a terminal. The runner counts replications of every
    design; with ``designs`` given, the bar counts replications per design (3/5 means three replications
    of each design done, not three runs of ten)."""
    if quiet or not sys.stderr.isatty():
        return job(lambda _done, _total: _stop_if_signalled())
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    label = "replications per design" if designs > 1 else "replications"
    with Progress(label, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task("run", total=None)

        def progress(done: int, total: int) -> None:
            _stop_if_signalled()
            bar.update(task, completed=done // designs, total=-(-total // designs))

        return job(progress)


def _cell(cell: fmt.Cell) -> str:
    return f"{cell.value} [dim]{cell.interval}[/]" if cell.interval else cell.value


NAME_ROOM = 20  # design names longer than this are printed as letters, with a key above the table


def _design_keys(designs: list[str]) -> dict[str, str]:
    """How designs are named in a narrow table: their names if all are short, else letters A, B, ..."""
    if all(len(d) <= NAME_ROOM for d in designs):
        return {d: d for d in designs}
    return {d: chr(ord("A") + i) if i < 26 else f"D{i + 1}" for i, d in enumerate(designs)}


def _wide_width(sections, designs: list[str], others: list[str]) -> int:
    """Characters the comparison table needs with a column per design and per difference."""
    rows = [row for section in sections for row in section.rows]
    label = max([len(r.label) + 2 for r in rows] + [6])
    cells = [max([len(d)] + [len(f"{r.cells[i].value} {r.cells[i].interval}") for r in rows])
             for i, d in enumerate(designs)]
    deltas = [max([len(d) + 2] + [len(r.deltas[i].text) for r in rows]) for i, d in enumerate(others)]
    return label + sum(cells) + sum(deltas) + 3 * (1 + len(cells) + len(deltas)) + 1


def _narrow(result) -> bool:
    """Whether the comparison table, a column per design, is wider than the terminal (then designs become
    rows, and long names letters, in every table of the run)."""
    others = [d for d in result.designs if d != result.summary.baseline]
    sections = fmt.comparison_table(result.summary, result.designs)
    return _wide_width(sections, list(result.designs), others) > out_console.width


def print_table(result) -> None:
    """The comparison table: one column per design (mean, 95% CI), and per non-baseline design the paired
    difference from the baseline, starred when its CI excludes zero; a section per metric group. When that
    does not fit the terminal (long design names, many designs), designs become rows: a row per metric and
    design, long names as letters with a key, so nothing is cut."""
    summary = result.summary
    base = summary.baseline
    others = [d for d in result.designs if d != base]
    title = f"{summary.scenario}: {fmt.plural(summary.replications, 'replication')}, seed {summary.seed}"
    sections = fmt.comparison_table(summary, result.designs)
    narrow = _narrow(result)
    keys = _design_keys(list(result.designs)) if narrow else {d: d for d in result.designs}
    if narrow:
        for design, key in keys.items():
            if key != design:
                out_console.print(f"{key} = {escape(design)}", highlight=False)
    table = Table(title=escape(title + f" (mean, 95% CI; Δ = paired difference from {keys[base]}, "
                               f"{fmt.SIGNIFICANT} = significant)"), title_justify="left")
    if narrow:
        _long_table(table, sections, list(result.designs), base, keys)
    else:
        table.add_column("metric")
        for design in result.designs:
            table.add_column(escape(design), justify="right")
        for design in others:
            table.add_column(escape(f"Δ {design}"), justify="right")
        for i, section in enumerate(sections):
            if i:
                table.add_section()
            table.add_row(f"[bold]{escape(section.heading)}[/]")
            for row in section.rows:
                deltas = [f"[bold]{d.text}[/]" if d.significant else f"[dim]{d.text}[/]" for d in row.deltas]
                table.add_row(("  " if row.indent else "") + row.label, *map(_cell, row.cells), *deltas)
    out_console.print(table)
    types = Table(title="by case type: median effort (h, all counted cases) / median days to resolution "
                  "(Kaplan–Meier, abandoned and open censored) \\[resolved only]", title_justify="left")
    types.add_column("case type", overflow="fold")
    for design in result.designs:
        types.add_column(escape(keys[design]), justify="right", overflow="fold")
    for ctype, cells in fmt.case_type_cells(summary, list(result.designs)):
        types.add_row(escape(ctype), *(escape(c) for c in cells))
    out_console.print(types)
    acc = {d: summary.designs[d].accounting for d in result.designs}
    out_console.print("cases: " + "; ".join(
        f"{keys[d]}: {acc[d].counted:,} counted = {acc[d].resolved:,} resolved + {acc[d].abandoned:,} "
        f"abandoned + {acc[d].open:,} open" for d in result.designs), highlight=False)


def _long_table(table, sections, designs: list[str], base: str, keys: dict[str, str]) -> None:
    """The comparison table with designs as rows: metric, design, mean (95% CI), Δ from the baseline."""
    for column, justify in (("metric", "left"), ("design", "left"), ("mean (95% CI)", "right"),
                            ("Δ", "right")):
        table.add_column(column, justify=justify, overflow="fold")  # wrap, never cut with '…'
    others = [d for d in designs if d != base]
    for i, section in enumerate(sections):
        if i:
            table.add_section()
        table.add_row(f"[bold]{escape(section.heading)}[/]")
        for row in section.rows:
            for k, design in enumerate(designs):
                delta = ""
                if design in others:
                    d = row.deltas[others.index(design)]
                    delta = f"[bold]{d.text}[/]" if d.significant else f"[dim]{d.text}[/]"
                label = (("  " if row.indent else "") + row.label) if k == 0 else ""
                table.add_row(label, escape(keys[design]), _cell(row.cells[k]), delta)


def _fraction(text: str, option: str) -> float:
    """'25%' or '0.25' as a fraction strictly between 0 and 1; anything else refused (exit 2)."""
    value = text.strip()
    try:
        fraction = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        _fail(f"{option}: cannot read {text!r}; use e.g. 25% or 0.25")
    if not 0 < fraction < 1:
        _fail(f"{option}: must be between 0% and 100% (got {text!r})")
    return fraction


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
        out_console.print(f"{fmt.plural(len(result.parameters), 'parameter')} x 2 + base ran; wrote "
                          f"{len(written)} "
                          f"files to {folder}/ ({result.wall_seconds:.1f} s on {result.workers})",
                          highlight=False)


def print_sensitivity(result) -> None:
    """One table per headline metric: a row per parameter (its values at -vary / +vary, each design and
    difference at -vary / +vary), and whether the designs' order holds."""
    from cxsim.report import sensitivity_findings, sensitivity_tables

    quantities = result.quantities()
    for table in sensitivity_tables(result):
        grid = Table(title=f"{table['title']}: at -{result.vary:.0%} / +{result.vary:.0%}",
                     title_justify="left")
        grid.add_column("parameter")
        grid.add_column("values")
        for q in quantities:
            grid.add_column(q, justify="right")
        grid.add_column("order holds")
        grid.add_row("[bold]base[/]", "", *table["base"], "")
        for row in table["rows"]:
            grid.add_row(escape(row["parameter"]), escape(f"{row['low']} / {row['high']}"),
                         *(f"{lo} / {hi}" for lo, hi in row["cells"]),
                         row["holds"] if row["holds"] == "yes" else f"[bold red]{row['holds']}[/]")
        out_console.print(grid)
    for sentence in sensitivity_findings(result):
        out_console.print(escape(sentence), highlight=False, soft_wrap=True)
def print_planned_load(scenario) -> None:
    """Before a run: each team's offered load estimated from the scenario (no failure demand)."""
    from cxsim.stability import LOAD_LIMIT, planned_load

    out_console.print("offered load before the run (scenario estimate: arrivals x work where cases are fixed "
                      "/ agent-hours; without failure demand):", highlight=False)
    for name, design in scenario.designs.items():
        loads = planned_load(scenario, design)
        parts = [f"[bold red]{escape(t)} {v:.0%}[/]" if v >= LOAD_LIMIT else f"{escape(t)} {v:.0%}"
                 for t, v in loads.items()]
        out_console.print(f"  {escape(name)}: " + ", ".join(parts), highlight=False)


def print_teams(result) -> None:
    """After a run: per team, utilisation, offered load (planned and measured, failure demand included),
    the share of its work that was failure demand, and queue waits."""
    summary = result.summary
    narrow = _narrow(result)
    keys = _design_keys(list(result.designs)) if narrow else {d: d for d in result.designs}
    title = "teams: utilisation, offered load (planned → measured), failure demand, queue wait"
    headers = ("design", "team", "utilisation", "load planned", "load measured", "failure demand",
               "wait mean (h)", "wait p90 (h)")
    if narrow:  # short headers (the title says what they are) and the design as a row above its teams,
        # so that team names (one_lane_tech's "performance_experts") keep their line at 80 columns
        title = ("teams under each design: util(isation), offered load plan(ned) → meas(ured), fail(ure "
                 "demand share), queue wait mean / p90 (h)")
        headers = ("team", "util", "plan", "meas", "fail", "wait", "p90")
    table = Table(title=title, title_justify="left")
    for column in headers:
        if column in ("design", "team"):  # narrow terminals: wrap names, never cut them with '…'
            table.add_column(column, justify="left", overflow="fold")
        else:  # numbers keep their line: the names' column gives way first
            table.add_column(column, justify="right", overflow="fold", no_wrap=True)
    for design in result.designs:
        d = summary.designs[design]
        if narrow:
            table.add_row(f"[bold]{escape(keys[design])}[/]", *[""] * (len(headers) - 1))
        teams = list(d.team_utilization.items())
        for i, (team, util) in enumerate(teams):
            ops = d.team_service.get(team, {})
            planned = d.planned_load.get(team)

            def show(key: str, metric: str = "") -> str:
                e = ops.get(key)  # noqa: B023 - used at once, inside the loop
                return fmt.number(e.mean if e else None, metric)

            cells = (fmt.number(util.mean, "utilization"), fmt.number(planned, "utilization"),
                     show("offered_load", "utilization"), show("failure_share", "utilization"),
                     show("wait_hours_mean"), show("wait_hours_p90"))
            if narrow:
                table.add_row(f"  {escape(team)}", *cells, end_section=i == len(teams) - 1)
            else:
                table.add_row(escape(keys[design]), escape(team), *cells)
    out_console.print(table)
    out_console.print("demand faced: " + "; ".join(
        f"{keys[d]}: {fmt.number(summary.designs[d].metrics['cases_per_month'].mean)} cases / month"
        for d in result.designs if "cases_per_month" in summary.designs[d].metrics), highlight=False)


def print_warnings(result) -> None:
    """Warnings the reader must see (overload, a backlog still growing, a warm-up too short), on stderr."""
    for warning in result.summary.warnings:
        err_console.print(f"[bold yellow]warning[/] [dim]{warning.code}[/] {escape(warning.message)}",
                          highlight=False, soft_wrap=True)
    summary = result.summary
    if sum(summary.designs[d].accounting.counted for d in result.designs) == 0:  # said even with --quiet
        from cxsim.report import no_cases_note

        err_console.print(f"[bold yellow]note[/] {escape(no_cases_note(summary, list(result.designs)))}",
                          highlight=False, soft_wrap=True)

# --- event logs: the column flags of every command that reads a ticket log (logstats; calibrate and backtest
# take the same flags by decorating themselves with @log_options and reading through read_log_or_fail) ---

class LogSpec(NamedTuple):
    """How to read a log, from the flags: the columns (``cxsim.eventlog.Columns``), format, time format."""

    columns: object
    format: str | None
    time_format: str | None


_COLUMN_FLAGS = {
    "case": "Column (CSV) or trace attribute (XES) naming the case (XES: concept:name).",
    "time": "Column or attribute with each event's time (XES: time:timestamp).",
    "team": "Column or attribute with the team holding the case (XES: org:group).",
    "activity": "Column(s) with what happened; join several with + "
                "(XES: concept:name+lifecycle:transition).",
    "resource": "Column or attribute with the person (XES: org:resource).",
    "opened": "Column or attribute with the case's opening time (default: its first event).",
    "resolved": "Column or attribute with the case's resolution time.",
    "closed": "Column or attribute with the case's closing time (used where resolved is missing).",
}
_LOG_FLAGS = {
    **{name: typer.Option(None, f"--{name}", help=text, rich_help_panel="Event log")
       for name, text in _COLUMN_FLAGS.items()},
    "log_format": typer.Option(None, "--format", help="csv or xes (default: from the file name, else its "
                               "content).", rich_help_panel="Event log"),
    "time_format": typer.Option(None, "--time-format", help="strptime format of every timestamp, e.g. "
                                "'%d/%m/%Y %H:%M' (default: detected; ambiguous day/month order is refused).",
                                rich_help_panel="Event log"),
}


def log_options(command):
    """Add the event-log flags (--case ... --closed, --format, --time-format) to a typer command; it receives
    them as one keyword argument ``log_spec: LogSpec`` (its own parameter, hidden from the command line)."""
    own = [p for p in inspect.signature(command).parameters.values() if p.name != "log_spec"]
    flags = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=str | None)
             for name, option in _LOG_FLAGS.items()]

    @functools.wraps(command)
    def with_log_flags(**kwargs):
        from cxsim.eventlog import Columns

        values = {name: kwargs.pop(name) for name in _LOG_FLAGS}
        columns = Columns(**{name: values[name] for name in _COLUMN_FLAGS})
        return command(**kwargs, log_spec=LogSpec(columns, values["log_format"], values["time_format"]))

    annotations = {k: v for k, v in command.__annotations__.items() if k != "log_spec"}
    with_log_flags.__annotations__ = {**annotations, **{p.name: p.annotation for p in flags}}
    with_log_flags.__signature__ = inspect.Signature(own + flags)
    return with_log_flags


def read_log_or_fail(path: Path, spec: LogSpec):
    """The ``EventLog`` at ``path`` read as ``spec`` says; a bad log is one line on stderr and exit 2."""
    from cxsim.errors import EventLogError
    from cxsim.eventlog import read_log

    try:
        return read_log(path, spec.columns, format=spec.format, time_format=spec.time_format)
    except EventLogError as err:
        _fail(str(err))


@app.command()
@log_options
def logstats(
    log: Path = typer.Argument(..., help="Ticket event log: CSV (plain, .gz or a .zip with one CSV) or XES "
                               "(plain or .gz)."),
    as_json: bool = typer.Option(False, "--json", help="Print the profile as JSON instead of a table."),
    log_spec: LogSpec | None = None,
) -> None:
    """Profile a ticket event log: hand-offs between teams, ping-pong, days to resolution by hand-offs.

    Example (the UCI ServiceNow log): cxsim logstats incident_event_log.zip --case number
    --time sys_updated_at --team assignment_group --opened opened_at --resolved resolved_at
    --closed closed_at"""
    from cxsim.handoffs import log_profile

    event_log = read_log_or_fail(log, log_spec)
    profile = log_profile(event_log)
    if as_json:
        import json

        typer.echo(json.dumps({"log": event_log.describe(), "profile": profile.to_dict()}, indent=2))
        return
    print_log_profile(event_log, profile)


def _share(value: float) -> str:
    return "—" if value != value else f"{100 * value:.1f}%"


def _days(value: float) -> str:
    if value != value:
        return "—"
    return "beyond the log" if value == float("inf") else f"{value:.2f}"


def print_log_profile(event_log, profile) -> None:
    """The profile of a log: its facts, then hand-offs, teams, ping-pong and days by hand-off bucket."""
    mapped = ", ".join(f"{k}={v}" for k, v in event_log.columns.mapped().items())
    skipped = "; ".join(f"{n} rows {why}" for why, n in event_log.skipped.items())
    out_console.print(f"{event_log.source} ({event_log.format}): {event_log.cases:,} cases, "
                      f"{event_log.events:,} events, {event_log.start:%Y-%m-%d} to {event_log.end:%Y-%m-%d}; "
                      f"timestamps {event_log.time_format}; columns {mapped}"
                      + (f"; skipped {skipped}" if skipped else ""), highlight=False, soft_wrap=True)
    p = profile
    table = Table(title="Journeys through teams", title_justify="left")
    table.add_column("statistic")
    table.add_column("value", justify="right")
    table.add_row("hand-offs per case: mean", f"{p.handoffs_mean:.2f}")
    table.add_row("hand-offs per case: median / p90 / p99 / max",
                  f"{p.handoffs_median:g} / {p.handoffs_p90:g} / {p.handoffs_p99:g} / {p.handoffs_max}")
    table.add_row("cases with >= 1 hand-off", _share(p.share_handoff))
    table.add_row("cases involving >= 3 / >= 5 teams",
                  f"{_share(p.share_3_teams)} / {_share(p.share_5_teams)}")
    table.add_row("cases back to a team they had left (ping-pong)", _share(p.share_ping_pong))
    table.add_row("cases without a team", f"{p.cases_without_team:,}")
    table.add_row("days to resolution: median / p90", f"{_days(p.days.median)} / {_days(p.days.p90)}")
    table.add_row("cases still open at the log's end (censored)", f"{p.days.censored:,}")
    out_console.print(table)
    buckets = Table(title="Days to resolution by hand-offs (Kaplan–Meier)", title_justify="left")
    for name in ("hand-offs", "cases", "share", "median days", "p90 days"):
        buckets.add_column(name, justify="right")
    for b in p.buckets:
        buckets.add_row(b.label, f"{b.cases:,}", _share(b.share), _days(b.days.median), _days(b.days.p90))
    out_console.print(buckets)
    for note in p.notes:
        out_console.print(f"[dim]note:[/] {escape(note)}", highlight=False, soft_wrap=True)

# --- back-test and export-log: a design's run against a ticket log (observed vs simulated hand-off profile,
# issue 9's targets), and a finished run's tickets written as a ticket log ---

def _check_out_folder(out: Path) -> None:
    """Refuse an output folder that cannot be one (a file, under a file, unwritable) before anything runs
    (``cxsim.atomic.writable_folder_problem``)."""
    from cxsim.atomic import writable_folder_problem

    problem = writable_folder_problem(out)
    if problem:
        _fail(f"--out: {problem}")


@app.command()
@log_options
def backtest(
    log: Path = typer.Argument(..., help="Ticket event log (as for logstats)."),
    scenario: Path = typer.Argument(..., help="Scenario YAML file to run against the log."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder: backtest.json, backtest.png, cases.csv "
                             "and report.html."),
    design: str | None = typer.Option(None, "--design", help="Design to run [default: the first]."),
    replications: int | None = typer.Option(None, "--replications", "-r", min=1,
                                            help="Replications [default: the scenario's]."),
    seed: int | None = typer.Option(None, "--seed", "-s", min=0, help="Base seed [default: the scenario's]."),
    horizon: str | None = typer.Option(None, "--horizon", help="Simulated time, e.g. '365 days' (the log's "
                                       "span) [default: the scenario's]."),
    workers: int | None = typer.Option(None, "--workers", "-w", min=1,
                                       help="Local worker processes [default: all cores]."),
    charts: bool = typer.Option(True, "--charts/--no-charts", help="Write backtest.png."),
    force: bool = typer.Option(False, "--force", help="Write into --out even if it holds other files or "
                               "another scenario's results (cxsim's own files there are replaced, others "
                               "kept)."),
    allow_large: bool = typer.Option(False, "--allow-large", help=ALLOW_LARGE_HELP),
    log_spec: LogSpec | None = None,
) -> None:
    """Run a scenario's design and compare it with a ticket log: hand-offs per case, teams, ping-pong and
    days to resolution by hand-offs, observed against simulated (95% CIs over replications), with
    issue 9's targets met or missed and by how much. Exit 0 whether or not the targets are met.

    Example: cxsim backtest incident_event_log.zip asis.yaml --out backtest/ --case number
    --time sys_updated_at --team assignment_group --opened opened_at --resolved resolved_at
    --closed closed_at"""
    from cxsim.backtest import run_backtest
    from cxsim.errors import ExecutorError, OpenCasesError
    from cxsim.outputs import write_backtest

    _check_out_folder(out)
    try:
        with _file_limit(allow_large):
            sc = load_scenario(scenario)
    except ScenarioError as err:
        _fail(str(err))
    if design is not None and design not in sc.designs:
        _fail(f"--design: no design {design!r} in {scenario}; designs: {', '.join(sc.designs)}")
    _check_horizon(horizon, sc)
    _check_run_size(sc, allow_large=allow_large, replications=replications, horizon=horizon, workers=workers,
                    quiet=False, flag="--replications" if replications is not None else None,
                    designs=1)  # a back-test runs one design
    _check_out(out, "back-test", sc, force)
    with _stoppable(lambda: f"nothing was written; run it again with: {_again()}"):
        event_log = read_log_or_fail(log, log_spec)
        try:
            bt = _with_progress(lambda cb: run_backtest(
                event_log, sc, design=design, replications=replications, seed=seed, horizon=horizon,
                workers=workers, progress=cb, allow_large=allow_large), False)
        except (ExecutorError, OpenCasesError) as err:
            _fail(str(err))
        _stop_if_signalled()
        written = write_backtest(bt, out, charts=charts, force=force)
    reps = fmt.plural(bt.replications, "replication")
    table = Table(title=f"back-test: {sc.name} ({bt.design}, {reps}) against "
                  f"{event_log.source}", title_justify="left")
    for column in ("target", "met", "why"):
        table.add_column(column)
    for t in bt.targets:
        table.add_row(escape(t.rule), "yes" if t.passed else "[bold red]NO[/]", escape(t.reason))
    out_console.print(table)
    met = sum(t.passed for t in bt.targets)
    out_console.print(f"{met} of {len(bt.targets)} targets met; wrote {len(written)} files to {out}/",
                      highlight=False)


@app.command("export-log")
def export_log(
    results: Path = typer.Argument(..., help="A results folder written by cxsim run with --cases all."),
    out: Path = typer.Option(..., "--out", "-o", help="The event log to write (CSV)."),
    design: str | None = typer.Option(None, "--design", help="Design [default: the baseline]."),
    replication: int | None = typer.Option(None, "--replication", min=0,
                                           help="Replication [default: the first kept]."),
) -> None:
    """Write one design and replication of a finished run as a ticket event log (CSV: case, time, team,
    resource, activity, opened_at, resolved_at, closed_at) that logstats, backtest and calibrate read.

    Read it back with: --case case --time time --team team --resource resource --activity activity
    --opened opened_at --resolved resolved_at"""
    from cxsim.errors import ResultsFolderError
    from cxsim.exportlog import READ_BACK
    from cxsim.exportlog import export_log as write_log

    if out.is_dir():
        _fail(f"--out: {out} is a folder; give the log's file name, e.g. {out / 'log.csv'}")
    _check_out_file(out)
    with _stoppable(lambda: f"nothing was written to {out}"):
        try:
            done = write_log(results, out, design=design, replication=replication)
        except ResultsFolderError as err:
            _fail(str(err))
    if done.sampled:
        err_console.print("[bold yellow]warning[/] the run kept a sample of its cases (--cases sample): the "
                          "log holds that sample only; run with --cases all for every case",
                          highlight=False, soft_wrap=True)
    out_console.print(f"wrote {done.cases:,} cases, {done.events:,} events of {done.design} (replication "
                      f"{done.replication}) to {out}; read it with {READ_BACK}", highlight=False,
                      soft_wrap=True)


# --- calibrate: an as-is scenario estimated from a ticket log (cxsim.calibration estimates,
# cxsim.calibrated_scenario writes the commented YAML; the file is validated before it is written) ---

def _agents_flag(values: list[str]) -> dict[str, int]:
    agents: dict[str, int] = {}
    for value in values:
        team, sep, number = value.rpartition("=")
        if not sep or not team.strip() or not number.strip().isdigit() or int(number) < 1:
            _fail(f"--agents takes TEAM=N with N a whole number >= 1 (got {value!r})")
        agents[team.strip()] = int(number)
    return agents


def _command_line(log: Path, out: Path, spec: LogSpec, extra: list[str]) -> str:
    import shlex

    words = ["cxsim", "calibrate", str(log), "--out", str(out)]
    for name, column in spec.columns.mapped().items():
        words += [f"--{name}", column]
    if spec.format:
        words += ["--format", spec.format]
    if spec.time_format:
        words += ["--time-format", spec.time_format]
    return shlex.join(words + extra)


@app.command()
@log_options
def calibrate(
    log: Path = typer.Argument(..., help="Ticket event log: CSV (plain, .gz or a .zip with one CSV) or XES "
                               "(plain or .gz)."),
    out: Path = typer.Option(..., "--out", "-o", help="The scenario file to write (YAML)."),
    min_cases: int | None = typer.Option(None, "--min-cases", min=1, help="Group teams that fewer than N "
                                         "cases visit into 'other'."),
    other_below: float | None = typer.Option(None, "--other-below", min=0.0, max=1.0, help="Group teams "
                                             "holding less than this share of stints into 'other' (0.01)."),
    agents: list[str] = typer.Option([], "--agents", help="TEAM=N: set a team's agents (repeat for more "
                                     "teams); the others are estimated."),
    staffing: str = typer.Option("no-queue", "--staffing", help="How agents are estimated: 'no-queue' "
                                 "(enough that sessions, which hold the whole stint time, never queue) or "
                                 "'people' (distinct people active per week)."),
    people_quantile: float = typer.Option(0.5, "--people-quantile", min=0.0, max=1.0, help="Quantile over "
                                          "weeks of the distinct people per week (with --staffing people)."),
    hours_share: float = typer.Option(0.9, "--hours-share", min=0.5, max=1.0, help="Share of a team's "
                                      "events its estimated working hours must hold."),
    customer_wait: list[str] = typer.Option([], "--customer-wait", help="Text in an activity that means "
                                            "waiting on the customer (repeat; default: 'Awaiting User', "
                                            "'Wait - User' and similar)."),
    name: str | None = typer.Option(None, "--name", help="The scenario's name (default: the file's stem)."),
    horizon: str = typer.Option("180 days", "--horizon", help="The scenario's horizon."),
    warmup: str = typer.Option("30 days", "--warmup", help="The scenario's warm-up."),
    replications: int = typer.Option(3, "--replications", "-r", min=1, help="The scenario's replications."),
    log_spec: LogSpec | None = None,
) -> None:
    """Write an as-is scenario estimated from a ticket event log, with a to-be design (an owner who swarms).

    Every estimated number carries a comment saying how it was estimated and from how many cases; see
    docs/event-logs.md. Example (the UCI ServiceNow log): cxsim calibrate incident_event_log.zip
    --out servicenow_asis.yaml --case number --time sys_updated_at --team assignment_group
    --activity incident_state --resource assigned_to --opened opened_at --resolved resolved_at
    --closed closed_at --other-below 0.01"""
    from cxsim.atomic import write_text
    from cxsim.calibrated_scenario import scenario_text
    from cxsim.calibration import CUSTOMER_WAITS, Options
    from cxsim.calibration import calibrate as estimate
    from cxsim.scenario import NAME_PATTERN, Scenario
    from cxsim.yaml_source import source_from_text

    if staffing not in ("no-queue", "people"):
        _fail(f"--staffing is 'no-queue' or 'people' (got {staffing!r})")
    _check_out_file(out)
    name = name or out.stem
    import re

    if not re.match(NAME_PATTERN, name):
        _fail(f"--name {name!r} is not a scenario name (letters, digits, _ . - and spaces; use --name)")
    options = Options(min_cases=min_cases, other_below=other_below, hours_share=hours_share,
                      staffing=staffing, people_quantile=people_quantile, agents=_agents_flag(agents),
                      customer_waits=tuple(w.lower() for w in customer_wait) or CUSTOMER_WAITS)
    extra = []
    for flag, value, default in (("--min-cases", min_cases, None), ("--other-below", other_below, None),
                                 ("--staffing", staffing, "no-queue"),
                                 ("--people-quantile", people_quantile, 0.5),
                                 ("--hours-share", hours_share, 0.9), ("--name", name, out.stem),
                                 ("--horizon", horizon, "180 days"), ("--warmup", warmup, "30 days"),
                                 ("--replications", replications, 3)):
        if value != default:
            extra += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    for value in agents:
        extra += ["--agents", value]
    for value in customer_wait:
        extra += ["--customer-wait", value]
    with _stoppable(lambda: f"nothing was written to {out}"):
        event_log = read_log_or_fail(log, log_spec)
        try:
            cal = estimate(event_log, options)
        except ValueError as err:
            _fail(f"{log}: {err}")
        text = scenario_text(cal, options, name=name, command=_command_line(log, out, log_spec, extra),
                             horizon=horizon, warmup=warmup, replications=replications)
        try:
            Scenario.from_source(source_from_text(text, str(out)))
        except ScenarioError as err:
            _fail(f"the calibrated scenario does not validate ({err}); check --horizon, --warmup")
        try:
            write_text(out, text)
        except OSError as err:
            _fail(f"cannot write {out}: {err.strerror or err}")
    print_calibration(cal, out)


def print_calibration(cal, out: Path) -> None:
    """What calibration found: demand, teams and their agents, routing against the log, waits, reopens."""
    lo, hi = cal.window
    out_console.print(f"{cal.source}: {cal.cases:,} cases; arrivals {cal.rate_per_hour * 24:.1f} per day "
                      f"({lo:%Y-%m-%d} to {hi:%Y-%m-%d}); mean hand-offs: log {cal.log_handoffs:.3f}, "
                      f"matrix {cal.matrix_handoffs:.3f}", highlight=False, soft_wrap=True)
    table = Table(title="Calibrated teams", title_justify="left")
    for column in ("team", "cases", "intake", "agents", "people/week", "hours", "session time (fit)",
                   "KS D", "ask customer"):
        table.add_column(column, justify="left" if column in ("team", "hours", "session time (fit)")
                         else "right")
    for t in cal.teams.values():
        hours = t.hours if isinstance(t.hours, str) else "; ".join(
            f"{h['days']} {h['open']}-{h['close']}" for h in t.hours)
        fit = "—" if t.work_time is None else (f"{t.work_time.dist}, mean "
                                               f"{t.work_time.spec()['mean']}")
        people = "—" if t.people_per_week is None else f"{t.people_per_week:g}"
        table.add_row(t.name + (f" ({len(t.members)} teams)" if len(t.members) > 1 else ""), f"{t.cases:,}",
                      _share(cal.intake.get(t.name, 0.0)), str(t.agents), people, hours, fit,
                      "—" if t.work_time is None else f"{t.work_time.ks:.3f}", f"{t.ask_customer:.3f}")
    out_console.print(table)
    waits = ("not estimated" if cal.reply_time is None
             else f"{cal.waits:,} customer waits, reply time {cal.reply_time.dist} mean "
                  f"{cal.reply_time.spec()['mean']}")
    reopens = ("not estimated" if cal.reopen_rate is None
               else f"reopen rate {_share(cal.reopen_rate)} ({cal.reopens:,} reopens)")
    out_console.print(f"{waits}; {reopens}", highlight=False, soft_wrap=True)
    out_console.print(f"wrote {out}", highlight=False)


def main() -> None:
    """The ``cxsim`` command. Ctrl-C or SIGTERM at any moment ends it with one line and exit status 130 / 143
    (commands' long work says more: see ``_stoppable``); every file is written whole or not at all
    (cxsim.atomic), so a stop leaves no partial output."""
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _on_early_stop_signal)
    try:
        app()
    except _StoppedEarly as stop:
        (signum,) = stop.args
        err_console.print(f"[bold yellow]stopped[/] ({_signal_name(signum)}): no partial output is left; "
                          f"run it again with: {escape(_again())}", highlight=False, soft_wrap=True)
        sys.exit(128 + signum)


if __name__ == "__main__":
    main()
