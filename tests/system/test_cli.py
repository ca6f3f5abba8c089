"""End-to-end tests of the ``cxsim`` command line, run as a subprocess (``python -m cxsim``).

The rule under test: bad input gets ONE line on stderr, ``path/to/file.yaml:LINE: dotted.field: message``,
exit status 2, no traceback and nothing written. Each malformed scenario is ``BASE`` below with one line
replaced, so the line the error must be reported on is known.

Every subprocess pays ~1 s of imports (several under coverage), so the error-path invocations run in this
process (typer's CliRunner: the same exit status, streams and exceptions; tests/system/test_bad_input_cli.py
runs bad files as real processes), once per module, and each parametrized test only checks its own result;
the runs are real subprocesses, started together.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import cxsim

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
MINIMAL = ROOT / "scenarios" / "minimal.yaml"

# scenarios/minimal.yaml in block style (one field per line), plus a resolver, intake and working hours so
# that every kind of reference can be broken. The line numbers in BAD_CASES refer to this text.
BASE = """\
name: minimal
horizon: 60 days
warmup: 10 days
replications: 2

customers:
  count: 300
  case_rate: 1 per month

case_types:
  how_to:
    share: 0.6
    skills: [product]
    fix_time: 10 min
  bug:
    share: 0.3
    skills: [engineering]
    fix_time: {dist: lognormal, mean: 1 h, sd: 30 min}
    difficulty: 0.3
  billing:
    share: 0.1
    skills: [billing]
    fix_time: 15 min

effort:
  chasing: 1 h per day

designs:
  lanes:
    teams:
      product:
        agents: 2
        skills: [product]
      engineering:
        agents: 2
        skills: [engineering]
      billing:
        agents: 1
        skills: [billing]
        hours: business
    intake:
      teams: [product, billing]
    transfer:
      policy: cold
      max_hops: 2
      resolver: engineering
    incentive:
      scheme: close_fast
  one_team:
    teams:
      support:
        agents: 5
        skills: [product, engineering, billing]
    intake:
      team: support
"""

# (id, line to replace, new text of that line, line the error must name, dotted field, message fragment)
BAD_CASES = [
    # broken YAML: the field is the key written on the offending line
    ("yaml-bad-indent", 17, "      skills: [engineering]", 17, "case_types.bug.skills", "invalid YAML"),
    ("yaml-tab", 7, "\tcount: 300", 7, "customers.count", "tab"),
    # an unknown key
    ("unknown-key", 19, "    dificulty: 0.3", 19, "case_types.bug.dificulty", "unknown key"),
    # a wrong type
    ("wrong-type", 38, "        agents: three", 38, "designs.lanes.teams.billing.agents", "integer"),
    # a negative duration
    ("negative-duration", 14, "    fix_time: -10 min", 14, "case_types.how_to.fix_time", "negative"),
    # shares of the case types that do not sum to 1 (reported on the case_types block)
    ("shares-not-1", 21, "    share: 0.2", 10, "case_types", "sum to"),
    # references to teams that do not exist
    ("unknown-resolver", 46, "      resolver: engineers", 46, "designs.lanes.transfer.resolver",
     "unknown team"),
    ("unknown-intake-team", 55, "      team: suport", 55, "designs.one_team.intake.team", "unknown team"),
    ("unknown-intake-teams-item", 42, "      teams: [product, biling]", 42, "designs.lanes.intake.teams[1]",
     "unknown team"),
    # a duplicate key
    ("duplicate-key", 39, "        agents: 3", 39, "designs.lanes.teams.billing.agents", "duplicate key"),
    # a bare number without a unit
    ("bare-number", 14, "    fix_time: 10", 14, "case_types.how_to.fix_time", "unit"),
    # an unknown distribution name
    ("unknown-distribution", 18, "    fix_time: {dist: lognormall, mean: 1 h, sd: 30 min}", 18,
     "case_types.bug.fix_time", "unknown distribution"),
    # a bad working-hours spec
    ("bad-working-hours", 40, "        hours: weekdays", 40, "designs.lanes.teams.billing.hours",
     "working hours"),
    # as-is fields (issue 9): a weekly profile of the wrong length, a routing matrix naming a team that does
    # not exist, a matrix row that does not sum to 1 (each mutation inserts lines: the error is on the last)
    ("profile-wrong-length", 6, "arrivals:\n  profile: [1, 2, 3]\ncustomers:", 7, "arrivals.profile",
     "168 weights"),
    ("matrix-unknown-team", 55, "      team: support\n    transfer:\n      routing: matrix\n"
     "      matrix: {support: {resolved: 0.9, suport: 0.1}}", 58,
     "designs.one_team.transfer.matrix.support.suport", "unknown team"),
    ("matrix-row-not-1", 55, "      team: support\n    transfer:\n      routing: matrix\n"
     "      matrix: {support: {resolved: 0.8}}", 58, "designs.one_team.transfer.matrix.support",
     "sums to 0.8"),
]
BAD_IDS = [case[0] for case in BAD_CASES]

BAD_HORIZONS = {
    "horizon-unreadable": "soon",
    "horizon-within-warmup": "5 days",  # BASE has a 10-day warm-up
}


def _env() -> dict[str, str]:
    env = dict(os.environ, COLUMNS="200")
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(name, None)
    return env


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cxsim", *map(str, args)], capture_output=True, text=True,
                          env=_env(), cwd=cwd, timeout=120)


def run_parallel(jobs: dict[str, tuple[tuple, Path]]) -> dict[str, subprocess.CompletedProcess]:
    """Run ``name -> (args, cwd)`` CLI invocations concurrently."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(cli, *args, cwd=cwd) for name, (args, cwd) in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def cli_in_process(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    """``cxsim ARGS`` run in this process (paths are absolute; ``cwd`` only names the job's folder); an
    exception that escaped the CLI is written to stderr as the traceback a user would see."""
    import traceback

    from typer.testing import CliRunner

    from cxsim.cli import app

    result = CliRunner().invoke(app, list(map(str, args)), env={"COLUMNS": "200"})
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, stderr)


def mutate(line: int, new: str) -> str:
    lines = BASE.splitlines()
    assert 1 <= line <= len(lines) and lines[line - 1].strip(), f"line {line} of BASE is not a field"
    lines[line - 1] = new
    return "\n".join(lines) + "\n"


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    for stream in (proc.stdout, proc.stderr):
        assert "Traceback" not in stream, stream
        assert 'File "' not in stream, stream


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    """The invocation failed as the rule says: exit 2, one line on stderr, nothing on stdout."""
    no_traceback(proc)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{proc.stderr}"
    assert proc.stdout.strip() == "", proc.stdout
    return lines[0]


def nothing_written(folder: Path, *keep: str) -> None:
    """``folder`` (the subprocess's working directory, holding --out) contains only ``keep``."""
    assert not (folder / "out").exists(), "the --out folder was created"
    assert sorted(p.name for p in folder.iterdir()) == sorted(keep), "files were written"


# ------------------------------------------------------------------------------ error paths


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """Every error-path invocation, run once: name -> (working directory, completed process)."""
    jobs: dict[str, tuple[tuple, Path]] = {}
    for case_id, line, new, *_ in BAD_CASES:
        folder = tmp_path_factory.mktemp(case_id)
        (folder / "scenario.yaml").write_text(mutate(line, new), encoding="utf-8")
        jobs[case_id] = (("run", folder / "scenario.yaml", "--out", folder / "out"), folder)
    for name, horizon in BAD_HORIZONS.items():
        folder = tmp_path_factory.mktemp(name)
        (folder / "scenario.yaml").write_text(BASE, encoding="utf-8")
        jobs[name] = (("run", folder / "scenario.yaml", "--out", folder / "out", "--horizon", horizon),
                      folder)
    folder = tmp_path_factory.mktemp("missing-file")
    jobs["missing-file"] = (("run", folder / "nowhere.yaml", "--out", folder / "out"), folder)
    folder = tmp_path_factory.mktemp("validate-bad")
    (folder / "scenario.yaml").write_text(mutate(4, "horizon: 30 days"), encoding="utf-8")
    jobs["validate-bad"] = (("validate", folder / "scenario.yaml"), folder)
    return {name: (cwd, cli_in_process(*args, cwd=cwd)) for name, (args, cwd) in jobs.items()}


def test_base_scenario_is_valid(tmp_path):
    """The mutations are the only errors: BASE itself loads (checked in-process, no subprocess)."""
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    scenario = cxsim.load_scenario(tmp_path / "base.yaml")
    assert set(scenario.designs) == {"lanes", "one_team"}


@pytest.mark.slow
@pytest.mark.parametrize(("case_id", "line", "new", "want_line", "field", "fragment"), BAD_CASES, ids=BAD_IDS)
def test_bad_scenario_one_located_line_exit_2_nothing_written(bad_runs, case_id, line, new, want_line, field,
                                                              fragment):
    folder, proc = bad_runs[case_id]
    path = folder / "scenario.yaml"
    text = one_error_line(proc)
    located = re.search(re.escape(str(path)) + r":(\d+): (.*)$", text)
    assert located, f"no '{path}:LINE:' in {text!r}"
    assert int(located[1]) == want_line, f"expected line {want_line}: {text!r}"
    rest = located[2]
    assert rest.startswith(f"{field}: "), f"expected field {field!r} after the line number: {text!r}"
    assert fragment.lower() in rest.lower(), f"expected {fragment!r} in the message: {text!r}"
    nothing_written(folder, "scenario.yaml")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BAD_HORIZONS))
def test_bad_horizon(bad_runs, name):
    folder, proc = bad_runs[name]
    text = one_error_line(proc)
    assert "--horizon" in text, text
    nothing_written(folder, "scenario.yaml")


@pytest.mark.slow
def test_missing_file(bad_runs):
    folder, proc = bad_runs["missing-file"]
    text = one_error_line(proc)
    assert str(folder / "nowhere.yaml") in text, text
    assert "not found" in text, text
    nothing_written(folder)


@pytest.mark.slow
def test_validate_bad_file(bad_runs):
    folder, proc = bad_runs["validate-bad"]
    text = one_error_line(proc)
    assert f"{folder / 'scenario.yaml'}:4: horizon: duplicate key" in text, text
    nothing_written(folder, "scenario.yaml")


def test_the_api_and_the_cli_read_horizon_the_same_way(tmp_path):
    """A bare number is refused with the same words by ``cxsim.run(horizon=...)`` and by ``--horizon``."""
    scenario = cxsim.load_scenario(MINIMAL)
    with pytest.raises(ValueError, match="needs a unit"):
        cxsim.run(scenario, replications=1, horizon="30")
    with pytest.raises(ValueError, match="needs a unit"):
        cxsim.run(scenario, replications=1, horizon=30)
    short = cxsim.run(scenario, replications=1, horizon="15 days", cases="none")
    assert short.horizon == 360.0
    proc = cli("run", MINIMAL, "--horizon", "30", "-r", "1", "--out", tmp_path / "out", cwd=tmp_path)
    text = one_error_line(proc)
    assert "--horizon: a duration needs a unit" in text, text
    nothing_written(tmp_path)


# ------------------------------------------------------------------------------ validate, help, version


@pytest.mark.slow
def test_validate_shipped_scenarios(tmp_path):
    assert SCENARIOS, "no scenarios/*.yaml"
    results = run_parallel({str(path): (("validate", path), tmp_path) for path in SCENARIOS})
    for path, proc in results.items():
        no_traceback(proc)
        assert proc.returncode == 0, (path, proc.stderr)
        assert f"{path}: ok" in proc.stdout, proc.stdout
        assert proc.stderr.strip() == "", proc.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_help_and_version(tmp_path):
    script = Path(sys.executable).with_name("cxsim")
    argv = [str(script)] if script.exists() else [shutil.which("cxsim") or "cxsim"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        helped = pool.submit(cli, "--help", cwd=tmp_path)
        version = pool.submit(subprocess.run, [*argv, "--version"], capture_output=True, text=True,
                              env=_env(), cwd=tmp_path, timeout=120)
    helped, version = helped.result(), version.result()
    for proc in (helped, version):
        no_traceback(proc)
        assert proc.returncode == 0, proc.stderr
    assert "Usage" in helped.stdout
    assert "run" in helped.stdout and "validate" in helped.stdout
    assert version.stdout.strip() == f"cxsim {cxsim.__version__}"
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------ a real run


REQUIRED_METRICS = (
    "effort_hours_mean", "effort_hours_p50", "effort_hours_p90", "effort_hours_p99", "resolution_days_mean",
    "resolution_days_p90", "transfers_per_case", "tickets_per_case", "reopen_rate", "fcr", "unresolved_share",
    "annual_churn_rate", "customers_lost", "lost_mrr", "revenue_at_risk",
    "tickets_closed", "ticket_handle_minutes", "ticket_close_hours",
    "utilization", "staff_cost",
)
REQUIRED_CASE_COLUMNS = (
    "design", "replication", "case_id", "customer_id", "case_type", "opened_at_hours", "status",
    "resolution_days", "effort_hours", "effort_contact_hours", "effort_waiting_hours",
    "effort_reexplain_hours", "effort_reopen_hours", "tickets", "transfers", "reopens", "churned",
    "days_open", "ended_at_hours",
)
EFFORT_CAUSES = (
    "effort_contact_hours", "effort_waiting_hours", "effort_reexplain_hours", "effort_reopen_hours",
)
DESIGNS = ("lanes", "one_team")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """minimal.yaml run three times: seed 3 twice (on all cores, the default, and inline: the same results)
    and seed 4."""
    jobs = {}
    inline = ("--workers", "1")
    for name, seed, workers in (("a", 3, ()), ("b", 3, inline), ("other_seed", 4, inline)):
        folder = tmp_path_factory.mktemp(f"run-{name}")
        jobs[name] = (("run", MINIMAL, "--out", folder / "out", "--replications", "2", "--seed", str(seed),
                       "--horizon", "40 days", *workers), folder)
    results = run_parallel(jobs)
    for proc in results.values():
        no_traceback(proc)
        assert proc.returncode == 0, proc.stderr
    return {name: (jobs[name][1] / "out", proc) for name, proc in results.items()}


@pytest.mark.slow
def test_run_prints_one_column_per_design(runs):
    _, proc = runs["a"]
    header = next((line for line in proc.stdout.splitlines() if "metric" in line), None)
    assert header is not None, proc.stdout
    cells = [cell.strip() for cell in re.split(r"[┃│|]", header) if cell.strip()]
    # one column per design, then the paired difference of each non-baseline design from the baseline
    assert cells == ["metric", *DESIGNS, *(f"Δ {d}" for d in DESIGNS[1:])], header
    assert "minimal: 2 replications, seed 3" in proc.stdout
    assert "effort, mean" in proc.stdout and "staff cost" in proc.stdout


@pytest.mark.slow
def test_run_writes_summary_json(runs):
    out, _ = runs["a"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "minimal"
    assert summary["seed"] == 3
    assert summary["replications"] == 2
    assert summary["cxsim_version"] == cxsim.__version__
    assert set(summary["designs"]) == set(DESIGNS)
    for design, metrics in summary["designs"].items():
        for metric in REQUIRED_METRICS:
            assert metric in metrics, (design, metric)
            value = metrics[metric]
            assert set(value) == {"mean", "ci95"}, (design, metric, value)
            mean, ci = value["mean"], value["ci95"]
            assert isinstance(mean, (int, float)) and math.isfinite(mean), (design, metric, value)
            assert isinstance(ci, list) and len(ci) == 2, (design, metric, value)
            lo, hi = ci
            assert lo is not None and hi is not None and lo <= mean <= hi, (design, metric, value)


@pytest.mark.slow
def test_run_writes_summary_csv(runs):
    out, _ = runs["a"]
    with (out / "summary.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    assert {row["design"] for row in rows} == set(DESIGNS)
    for design in DESIGNS:
        metrics = {row["metric"] for row in rows if row["design"] == design}
        assert set(REQUIRED_METRICS) <= metrics, set(REQUIRED_METRICS) - metrics


@pytest.mark.slow
def test_run_writes_cases_csv(runs):
    out, _ = runs["a"]
    with (out / "cases.csv").open(newline="") as fh:
        reader = csv.DictReader(fh)
        columns = reader.fieldnames or []
        rows = list(reader)
    missing = [c for c in REQUIRED_CASE_COLUMNS if c not in columns]
    assert not missing, missing
    assert rows
    assert {row["design"] for row in rows} == set(DESIGNS)
    assert {row["replication"] for row in rows} == {"0", "1"}
    assert {row["case_type"] for row in rows} <= {"how_to", "bug", "billing"}
    for row in rows:
        assert row["status"] in {"resolved", "abandoned", "open"}, row
        if row["status"] == "resolved":
            assert float(row["resolution_days"]) >= 0, row
        assert float(row["days_open"]) >= 0, row
        assert (row["ended_at_hours"] == "") == (row["status"] == "open"), row
        assert row["churned"] in {"0", "1"}, row
        effort = float(row["effort_hours"])
        parts = sum(float(row[c]) for c in EFFORT_CAUSES)
        assert math.isclose(effort, parts, rel_tol=1e-4, abs_tol=1e-6), row
        assert all(float(row[c]) >= 0 for c in EFFORT_CAUSES), row
        assert int(row["tickets"]) >= 1 and int(row["transfers"]) >= 0 and int(row["reopens"]) >= 0, row


@pytest.mark.slow
def test_run_writes_png_charts(runs):
    out, _ = runs["a"]
    pngs = sorted(out.glob("*.png"))
    assert pngs, sorted(p.name for p in out.iterdir())
    for png in pngs:
        assert png.read_bytes()[:8] == PNG_MAGIC, png


@pytest.mark.slow
def test_same_seed_same_summary_other_seed_different(runs):
    def summary(name: str) -> dict:
        data = json.loads((runs[name][0] / "summary.json").read_text())
        data.pop("run")  # workers and wall time: machine-dependent
        return data

    first, again, other = summary("a"), summary("b"), summary("other_seed")
    assert first == again
    assert other["seed"] == 4
    assert other["designs"] != first["designs"]
