"""A few malformed scenarios of tests/bad_scenarios/ through a real ``cxsim run`` process: the ones whose
point is the process (a hang or a memory blow-up before, a traceback on stderr): exit status 2, the one
expected line on stderr, no traceback, no output folder, and quickly."""

from __future__ import annotations

import time
from pathlib import Path

from ruamel.yaml import YAML

from tests.system.test_cli import no_traceback, run_parallel

CATALOGUE = Path(__file__).parents[1] / "bad_scenarios"
EXPECTED = YAML(typ="safe").load((CATALOGUE / "expected.yaml").read_text(encoding="utf-8"))
# a hang, a memory blow-up, a slow parse, a loop at time zero, a traceback, a silent nan, a size limit
PROCESS_CASES = ["alias_bomb.yaml", "customers_1e9.yaml", "deep_nesting_flow.yaml", "zero_term.yaml",
                 "tag_int_on_fraction.yaml", "json_nan.json", "replications_1e9.yaml"]


def test_bad_scenarios_fail_fast_in_a_real_process(tmp_path):
    root = Path(__file__).parents[2]
    jobs = {name: (("run", CATALOGUE / name, "--out", tmp_path / name), root) for name in PROCESS_CASES}
    started = time.perf_counter()
    results = run_parallel(jobs)
    assert time.perf_counter() - started < 60  # each used to hang for minutes (or for ever)
    for name, proc in results.items():
        no_traceback(proc)
        assert proc.returncode == 2, (name, proc.stderr)
        expected = EXPECTED[name].replace("{file}", str(CATALOGUE / name))
        assert proc.stderr == f"error: {expected}\n", name
        assert proc.stdout == ""
        assert not (tmp_path / name).exists()
