"""Ticket event logs: ``logstats`` (a log's profile), ``backtest`` (a design against a log), ``export-log``
(a run's tickets as a log) and ``calibrate`` (an as-is scenario from a log), with their shared column flags.
"""

from __future__ import annotations

import functools
import inspect
from pathlib import Path
from typing import NamedTuple

import typer
from rich.markup import escape
from rich.table import Table

from cxsim import formatting as fmt
from cxsim.cli import common
from cxsim.cli.common import (
    ALLOW_LARGE_HELP,
    _again,
    _check_horizon,
    _check_out,
    _check_out_file,
    _check_out_folder,
    _check_run_size,
    _fail,
    _file_limit,
    _stop_if_signalled,
    _stoppable,
    _with_progress,
    app,
)
from cxsim.cli.tables import print_calibration, print_log_profile
from cxsim.errors import ScenarioError
from cxsim.loader import load_scenario


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
    common.out_console.print(table)
    met = sum(t.passed for t in bt.targets)
    common.out_console.print(f"{met} of {len(bt.targets)} targets met; wrote {len(written)} files to {out}/",
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
        common.err_console.print("[bold yellow]warning[/] the run kept a sample of its cases (--cases "
                                 "sample): the "
                                 "log holds that sample only; run with --cases all for every case",
                                 highlight=False, soft_wrap=True)
    common.out_console.print(f"wrote {done.cases:,} cases, {done.events:,} events of {done.design} "
                             "(replication "
                             f"{done.replication}) to {out}; read it with {READ_BACK}", highlight=False,
                             soft_wrap=True)


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
