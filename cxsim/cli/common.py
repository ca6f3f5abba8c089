"""What every command shares: the Typer app, the two consoles, failing in one line, stopping on Ctrl-C or
SIGTERM with one line, and the checks of output paths, run sizes and shared options.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from cxsim.errors import ScenarioError
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


def _check_out_folder(out: Path) -> None:
    """Refuse an output folder that cannot be one (a file, under a file, unwritable) before anything runs
    (``cxsim.atomic.writable_folder_problem``)."""
    from cxsim.atomic import writable_folder_problem

    problem = writable_folder_problem(out)
    if problem:
        _fail(f"--out: {problem}")
