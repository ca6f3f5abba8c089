"""The golden guard: every number of two shipped scenarios' summaries is the same as the committed one."""

from __future__ import annotations

import json

import pytest

from tests.golden.golden import SCENARIOS, compute, path


@pytest.mark.parametrize("name", SCENARIOS)
def test_summary_numbers_match_the_golden_file(name):
    golden = json.loads(path(name).read_text())
    got = compute(name, workers=None)
    assert got.keys() == golden.keys()
    for block in golden:
        assert got[block] == golden[block], f"{name}: {block} moved (see tests/golden/golden.py)"
