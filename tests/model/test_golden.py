"""The golden guard: every number of two shipped scenarios' summaries is the same as the committed one."""

from __future__ import annotations

import json

import pytest

from tests.golden.golden import SCENARIOS, numbers, path

SLOW = {"one_lane_tech"}  # 3 designs x 4 replications x 300 days: the longest run of the suite
NAMES = [pytest.param(name, marks=pytest.mark.slow) if name in SLOW else name for name in SCENARIOS]


@pytest.mark.parametrize("name", NAMES)
def test_summary_numbers_match_the_golden_file(name, shipped_run):
    golden = json.loads(path(name).read_text())
    got = numbers(shipped_run(name).summary)
    assert got.keys() == golden.keys()
    for block in golden:
        assert got[block] == golden[block], f"{name}: {block} moved (see tests/golden/golden.py)"
