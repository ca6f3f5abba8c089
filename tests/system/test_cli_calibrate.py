"""``cxsim calibrate LOG --out SCENARIO.yaml``: a small synthetic ticket log in, an as-is scenario out that
validates, runs, and says beside every estimated number how it was estimated. Bad logs and flags: one
line on stderr, exit 2, nothing written."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

import cxsim
from cxsim.cli import app as cli_app
from tests.system.test_cli import cli, no_traceback, one_error_line

FLAGS = ("--case", "number", "--time", "updated", "--team", "group", "--activity", "state",
         "--resource", "person", "--opened", "opened", "--resolved", "resolved")


def synthetic_log(cases: int = 400, seed: int = 3) -> str:
    """Cases opened in weekday office hours; first team desk (80%) or net; desk hands 30% on to net, net
    resolves; a fifth of desk cases wait on the customer; a few teams seen once each (rare)."""
    rng = np.random.default_rng(seed)
    rows = ["number,updated,group,state,person,opened,resolved"]
    t = datetime(2024, 3, 4, 9)
    for i in range(cases):
        t += timedelta(hours=rng.exponential(2.0))
        while t.weekday() >= 5 or not 9 <= t.hour < 17:
            t += timedelta(hours=1)
        opened, now = t, t
        events = []
        team = "desk" if rng.random() < 0.8 else "net"
        if i < 3:
            team = f"rare{i}"
        while True:
            person = f"{team}-{rng.integers(3)}"
            events.append((now, team, "Active", person))
            now += timedelta(hours=rng.exponential(4.0))
            if team == "desk" and rng.random() < 0.2:
                events.append((now, team, "Awaiting User Info", person))
                now += timedelta(hours=rng.exponential(10.0))
                events.append((now, team, "Active", person))
                now += timedelta(hours=rng.exponential(2.0))
            if team == "desk" and rng.random() < 0.3:
                team = "net"
                continue
            break
        events.append((now, team, "Resolved", person))
        for when, group, state, who in events:
            rows.append(f"INC{i},{when:%d/%m/%Y %H:%M},{group},{state},{who},{opened:%d/%m/%Y %H:%M},"
                        f"{now:%d/%m/%Y %H:%M}")
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calibrate")
    (folder / "log.csv").write_text(synthetic_log())
    (folder / "one_case.csv").write_text(synthetic_log().splitlines()[0] + "\n"
                                         + "\n".join(synthetic_log().splitlines()[1:3]) + "\n")
    return folder


def invoke(*args) -> subprocess.CompletedProcess:
    result = CliRunner().invoke(cli_app, ["calibrate", *map(str, args)], env={"COLUMNS": "200"})
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def written(folder):
    out = folder / "asis.yaml"
    done = cli("calibrate", "log.csv", "--out", out.name, *FLAGS, "--min-cases", "5", "--agents", "net=9",
               "--horizon", "40 days", "--warmup", "10 days", cwd=folder)
    return done, out


def test_calibrate_writes_a_scenario_that_validates(written, folder):
    done, out = written
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert f"wrote {out.name}" in done.stdout and "desk" in done.stdout
    scenario = cxsim.load_scenario(out)
    assert list(scenario.designs) == ["as_is", "swarm"]
    as_is = scenario.designs["as_is"]
    assert set(as_is.teams) == {"desk", "net", "other"}  # rare0..rare2 grouped
    assert as_is.teams["net"].agents == 9
    assert as_is.transfer.routing == "matrix" and as_is.transfer.policy == "warm"
    assert as_is.transfer.pickup == "now"
    assert abs(as_is.intake.shares["desk"] - 0.8) < 0.06
    assert abs(as_is.transfer.matrix["desk"]["net"] - 0.3) < 0.07
    assert as_is.transfer.matrix["net"] == {"resolved": 1.0}
    assert 0.1 < as_is.teams["desk"].ask_customer < 0.25 and as_is.teams["net"].ask_customer == 0
    assert as_is.teams["desk"].hours != "24/7"
    assert scenario.designs["swarm"].transfer.policy == "swarm"
    validated = cli("validate", out.name, cwd=folder)
    assert validated.returncode == 0, validated.stderr


def test_every_estimate_carries_a_comment(written):
    _, out = written
    text = out.read_text()
    lines = text.splitlines()
    assert lines[0].startswith("# An as-is scenario estimated by `cxsim calibrate`")
    assert "#   cxsim calibrate log.csv --out asis.yaml --case number" in text
    assert "--min-cases 5" in text and "--agents net=9" in text
    commented = {"rate:", "agents:", "hours:", "ask_customer:", "premature_closure:"}
    for line in lines:
        key = line.strip().split(" ")[0]
        if key in commented:
            assert "#" in line, line
    before = {"work_time:", "reply_time:", "discovery_time:", "profile:", "matrix:", "shares:", "policy:"}
    for i, line in enumerate(lines):
        key = line.strip().split(" ")[0]
        if key in before and not line.strip().startswith(("matrix: *", "policy: swarm")):
            assert lines[i - 1].strip().startswith("#") or "# not estimated" in line, line
    assert "lowest AIC" in text and "KS D =" in text and "cases" in text
    assert "'other' groups 3 rare teams" in text


def test_the_calibrated_scenario_runs(written):
    _, out = written
    result = cxsim.run(out, horizon="20 days", replications=1)
    summary = result.summary.designs["as_is"].metrics
    assert summary["cases"].mean > 20  # ~3 a day over the 10 days after the warm-up
    assert 0.1 < summary["transfers_per_case"].mean < 0.6


@pytest.mark.parametrize(("name", "args", "message"), [
    ("no column", ["log.csv", "--case", "number", "--time", "updated", "--team", "grup"], "no column 'grup'"),
    ("no file", ["nope.csv", *FLAGS], "nope.csv"),
    ("one case", ["one_case.csv", *FLAGS, "--time-format", "%d/%m/%Y %H:%M"], "two cases"),
    ("bad agents", ["log.csv", *FLAGS, "--agents", "net:9"], "TEAM=N"),
    ("unknown agents", ["log.csv", *FLAGS, "--agents", "nowhere=3"], "--agents names no team"),
    ("bad staffing", ["log.csv", *FLAGS, "--staffing", "lots"], "--staffing"),
    ("bad name", ["log.csv", *FLAGS, "--name", "a/b"], "--name"),
    ("bad horizon", ["log.csv", *FLAGS, "--horizon", "forever"], "does not validate"),
])
def test_bad_logs_and_flags_one_line_exit_2_nothing_written(folder, name, args, message):
    out = folder / f"{name.replace(' ', '_')}.yaml"
    done = invoke(folder / args[0], "--out", out, *args[1:])
    assert message in one_error_line(done)
    assert not out.exists()
