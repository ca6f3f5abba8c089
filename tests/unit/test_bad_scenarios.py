"""The catalogue of malformed scenarios (tests/bad_scenarios/): each is refused with its exact one-line
message naming file, line and field, by the library and by the CLI (exit 2, no traceback, nothing written),
and ``validate`` says exactly what ``run`` says."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

import cxsim
from cxsim import run_size
from cxsim.cli import app
from cxsim.errors import ScenarioError
from cxsim.loader import load_scenario

CATALOGUE = Path(__file__).parents[1] / "bad_scenarios"
EXPECTED: dict[str, str] = YAML(typ="safe").load((CATALOGUE / "expected.yaml").read_text(encoding="utf-8"))
NAMES = sorted(EXPECTED)


def expected(path: Path) -> str:
    return EXPECTED[path.name].replace("{file}", str(path))


def refusal(path: Path) -> ScenarioError:
    """What validate and run check before simulating: the scenario, then the size of its run."""
    with pytest.raises(ScenarioError) as info:
        scenario = load_scenario(path)
        run_size.check(scenario, run_size.estimate(scenario))
    return info.value


def test_the_catalogue_holds_at_least_60_files_each_with_its_message():
    files = {p.name for p in CATALOGUE.iterdir()} - {"expected.yaml", "README.md"}
    assert files == set(EXPECTED)
    assert len(files) >= 60


@pytest.mark.parametrize("name", NAMES)
def test_each_file_is_refused_with_its_exact_located_line(name):
    path = CATALOGUE / name
    started = time.perf_counter()
    err = refusal(path)
    assert time.perf_counter() - started < 5  # no hang: the slowest (1,001 case types) takes under a second
    assert str(err) == expected(path)
    assert "\n" not in str(err)
    assert err.file == str(path)
    shown = re.match(r"\{file\}:(\d+):", EXPECTED[name])  # the line the message shows is the error's line
    assert err.line == (int(shown.group(1)) if shown else None)


def run_cli(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "300"})


@pytest.mark.parametrize("name", NAMES)
def test_run_and_validate_print_that_line_exit_2_and_write_nothing(name, tmp_path):
    path = CATALOGUE / name
    out = tmp_path / "x"
    ran = run_cli("run", str(path), "--out", str(out))
    assert ran.exit_code == 2, ran.output
    assert isinstance(ran.exception, SystemExit)  # not an exception the runner caught
    assert ran.stderr == f"error: {expected(path)}\n"
    assert ran.stdout == ""
    assert "Traceback" not in ran.output
    assert not out.exists()
    checked = run_cli("validate", str(path))
    assert (checked.exit_code, checked.stderr) == (2, ran.stderr)


def test_size_limits_are_lifted_by_allow_large():
    for name in ("customers_1e9.yaml", "replications_1e9.yaml", "expected_cases_too_many.yaml",
                 "agents_1e9.yaml"):
        result = run_cli("validate", str(CATALOGUE / name), "--allow-large")
        assert result.exit_code == 0, result.output
    scenario = load_scenario(CATALOGUE / "customers_1e9.yaml")
    run_size.check(scenario, run_size.estimate(scenario), allow_large=True)


def test_replications_given_on_the_command_line_are_named_as_such(tmp_path):
    path = Path("scenarios/minimal.yaml")
    result = run_cli("run", str(path), "-r", "20000", "--out", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert result.stderr == (f"error: {path}: --replications: 20,000 replications; the limit is 10,000 "
                             "per design (cxsim.run_size.MAX_REPLICATIONS): give --allow-large "
                             "(allow_large=True in Python) to run it anyway\n")
    assert not (tmp_path / "x").exists()


def test_a_horizon_given_on_the_command_line_is_bounded_too(tmp_path):
    out = tmp_path / "x"
    result = run_cli("run", "scenarios/minimal.yaml", "--horizon", "1e300 years", "--out", str(out))
    assert result.exit_code == 2
    assert result.stderr == "error: --horizon: at most 1000 years (got '1e300 years')\n"


def test_the_run_size_is_estimated_from_customers_rate_horizon_designs_and_replications():
    scenario = load_scenario("scenarios/minimal.yaml")  # 300 customers, 1 case a month, 60 days, 2 x 5 runs
    size = run_size.estimate(scenario)
    assert size.cases == pytest.approx(300 * (1 / 730.5) * 60 * 24)
    assert size.renewals == pytest.approx(300 * 60 * 24 / 8766)  # one-year terms
    assert size.runs == 10
    assert run_size.announcement(size, workers=2) is None  # a second or two: nothing to say
    bigger = run_size.estimate(scenario, replications=100_000)
    assert bigger.runs == 200_000
    note = run_size.announcement(bigger, workers=2)
    assert note is not None and note.startswith("a large run: about 118,275,154 cases and 9,856,263 renewals")


def test_a_long_run_says_so_before_it_starts(tmp_path, monkeypatch):
    import cxsim.api

    class Started(Exception):
        pass

    def start(*args, **kwargs):
        raise Started

    monkeypatch.setattr(run_size, "ANNOUNCE_SECONDS", 0.0)  # any run counts as long
    result = run_cli("validate", "scenarios/minimal.yaml")  # validate announces nothing: it runs nothing
    assert "large run" not in result.output
    monkeypatch.setattr(cxsim.api, "run", start)
    result = run_cli("run", "scenarios/minimal.yaml", "-r", "2", "--horizon", "15 days", "--no-charts",
                     "--out", str(tmp_path / "x"))
    assert isinstance(result.exception, Started)  # the note came before the run started
    assert result.stderr.startswith("note: a large run: about 591 cases and 49 renewals (2 designs x 2 "
                                    "replications), roughly")


def test_a_file_too_big_to_parse_quickly_is_refused_at_once(tmp_path):
    """The report's 5 MB file of 60,000 case types took 49 s to parse; now it is refused by its size."""
    path = tmp_path / "huge.yaml"
    cases = "".join(f"  t{i}: {{share: 0.0000166, skills: [s], fix_time: 10 min}}\n" for i in range(60_000))
    path.write_text("name: huge\ncase_types:\n" + cases)
    assert path.stat().st_size > 3_000_000
    started = time.perf_counter()
    err = refusal(path)
    assert time.perf_counter() - started < 1
    assert str(err) == (f"{path}: the file is {path.stat().st_size:,} bytes; a scenario file may hold at "
                        "most 256,000 (cxsim.yaml_source.MAX_SOURCE_BYTES): give --allow-large "
                        "(allow_large=True in Python) to read it anyway (parsing takes about 1 s per 100 KB)")


def test_allow_large_reads_a_scenario_file_over_the_size_cap(tmp_path):
    """A big scenario can be legitimate (a calibrated matrix of many teams): --allow-large reads it."""
    path = tmp_path / "big.yaml"
    padding = "".join(f"# {'calibration note ' * 6}{i}\n" for i in range(2_600))  # comments: ~300 KB
    path.write_text(padding + (CATALOGUE.parents[1] / "scenarios" / "minimal.yaml").read_text())
    assert path.stat().st_size > 256_000
    refused = CliRunner().invoke(app, ["validate", str(path)])
    assert refused.exit_code == 2 and "give --allow-large" in refused.output
    read = CliRunner().invoke(app, ["validate", str(path), "--allow-large"])
    assert read.exit_code == 0, read.output
    with pytest.raises(ScenarioError):  # the cap is back once the command is over
        load_scenario(path)
    with pytest.raises(ScenarioError, match="allow_large=True in Python"):
        cxsim.run(path, replications=1, horizon="12 days")
    assert cxsim.run(path, replications=1, horizon="12 days", allow_large=True).replications == 1


def test_alias_bomb_is_refused_in_well_under_a_second():
    started = time.perf_counter()
    refusal(CATALOGUE / "alias_bomb.yaml")
    assert time.perf_counter() - started < 0.5
    assert (CATALOGUE / "alias_bomb.yaml").stat().st_size == 342


def test_validate_and_run_read_a_json_scenario_alike(tmp_path):
    """A .json file is a scenario unless it records a run (scenario_content): both commands read it so."""
    import json

    data = YAML(typ="safe").load(Path("scenarios/minimal.yaml").read_text())
    data.update(horizon="5 days", warmup="1 day", replications=2)
    data["customers"]["count"] = 30
    path = tmp_path / "minimal.json"
    path.write_text(json.dumps(data))
    checked = run_cli("validate", str(path))
    assert checked.exit_code == 0, checked.output
    ran = run_cli("run", str(path), "--no-charts", "-q", "-w", "1", "--out", str(tmp_path / "out"))
    assert ran.exit_code == 0, ran.output
    recorded = tmp_path / "out" / "summary.json"
    assert run_cli("validate", str(recorded)).exit_code == 0  # a recorded run: its scenario is checked
