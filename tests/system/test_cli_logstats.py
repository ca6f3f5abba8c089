"""``cxsim logstats LOG``: a log's hand-off profile on the command line, and the event-log flags that other
log commands share (``@log_options``). Bad logs get one line on stderr and exit status 2."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cxsim.cli import app as cli_app
from cxsim.cli.logs import LogSpec, log_options, read_log_or_fail
from cxsim.eventlog import Columns
from tests.system.test_cli import cli, no_traceback

# INC1: A -> B -> A (2 hand-offs, ping-pong), 1 day; INC2: B only, 3 days; INC3: still open (censored).
LOG = """\
number,updated,group,opened,resolved
INC1,13/3/2016 09:00,A,13/3/2016 09:00,14/3/2016 09:00
INC1,13/3/2016 10:00,B,13/3/2016 09:00,14/3/2016 09:00
INC1,13/3/2016 11:00,A,13/3/2016 09:00,14/3/2016 09:00
INC2,13/3/2016 09:00,B,13/3/2016 09:00,16/3/2016 09:00
INC3,20/3/2016 09:00,?,20/3/2016 09:00,?
"""
FLAGS = ("--case", "number", "--time", "updated", "--team", "group", "--opened", "opened",
         "--resolved", "resolved")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The installed command once as a subprocess (it pays ~1 s of imports); the other cases run in-process
    through typer's CliRunner, the same code."""
    folder = tmp_path_factory.mktemp("logs")
    log = folder / "log.csv"
    log.write_text(LOG)
    (folder / "bad_time.csv").write_text(LOG.replace("16/3/2016 09:00", "16/3/2016 9h"))
    done = {"json": cli("logstats", log, *FLAGS, "--json", cwd=folder)}
    runner = CliRunner()
    inline = {
        "table": [str(log), *FLAGS],
        "no_column": [str(log), "--case", "number", "--time", "updated", "--team", "grup"],
        "bad_time": [str(folder / "bad_time.csv"), *FLAGS],
        "no_file": [str(folder / "nope.csv"), *FLAGS],
        "bad_format": [str(log), *FLAGS, "--format", "parquet"],
    }
    for name, args in inline.items():
        result = runner.invoke(cli_app, ["logstats", *args], env={"COLUMNS": "200"})
        done[name] = subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)
    return done


def test_logstats_json(runs):
    done = runs["json"]
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["log"]["cases"] == 3 and data["log"]["events"] == 5
    assert data["log"]["columns"]["team"] == "group"
    p = data["profile"]
    assert p["handoff_counts"] == [2, 0, 1] and p["share_ping_pong"] == pytest.approx(1 / 3)
    assert p["days"]["censored"] == 1 and p["days"]["median"] == 1.0  # KM: S(1 day) = 1/2
    assert [b["cases"] for b in p["buckets"]] == [2, 0, 1, 0, 0]


def test_logstats_table(runs):
    done = runs["table"]
    assert done.returncode == 0, done.stderr
    for text in ("3 cases, 5 events", "day/month/year", "Journeys through teams", "ping-pong", "33.3%",
                 "Days to resolution by hand-offs", "3–4", "censored"):
        assert text in done.stdout, text


@pytest.mark.parametrize(("name", "expected"), [
    ("no_column", "log.csv: no column 'grup' for --team (did you mean 'group'?); the columns are: number, "),
    ("bad_time", "bad_time.csv:5: resolved: cannot read timestamp '16/3/2016 9h'"),
    ("no_file", "nope.csv: no such file"),
    ("bad_format", "unknown --format 'parquet': use csv or xes"),
])
def test_bad_logs_are_one_line_and_exit_2(runs, name, expected):
    done = runs[name]
    assert done.returncode == 2 and done.stdout == ""
    no_traceback(done)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], done.stderr


def test_log_options_serve_any_command(tmp_path):
    """Another command (calibrate, backtest) gets the same flags by decorating itself with @log_options."""
    app = typer.Typer()
    seen: dict = {}

    @app.command()
    @log_options
    def probe(log: Path = typer.Argument(...), out: str = typer.Option("x", "--out"),
              log_spec: LogSpec | None = None) -> None:
        seen["spec"], seen["out"] = log_spec, out
        seen["log"] = read_log_or_fail(log, log_spec)

    path = tmp_path / "log.csv"
    path.write_text(LOG)
    result = CliRunner().invoke(app, [str(path), "--out", "y", *FLAGS, "--time-format", "%d/%m/%Y %H:%M"])
    assert result.exit_code == 0, result.output
    assert seen["spec"] == LogSpec(Columns(case="number", time="updated", team="group", opened="opened",
                                           resolved="resolved"), None, "%d/%m/%Y %H:%M")
    assert seen["out"] == "y" and seen["log"].cases == 3
    result = CliRunner().invoke(app, [str(path), "--case", "nope"])
    assert result.exit_code == 2
