"""Runs that several system tests read (each is made once per session; tests must not change them)."""

from __future__ import annotations

import pytest

import cxsim
from tests.conftest import once_per_session


@pytest.fixture(scope="session")
def minimal_short(tmp_path_factory) -> cxsim.Result:
    """scenarios/minimal.yaml: 2 replications of 30 days, seed 1."""
    return once_per_session(tmp_path_factory, "minimal_short", lambda: cxsim.run(
        "scenarios/minimal.yaml", replications=2, seed=1, horizon="30 days"))


@pytest.fixture(scope="session")
def story_short(tmp_path_factory) -> cxsim.Result:
    """scenarios/one_lane_tech.yaml: 2 replications of 120 days, seed 1 (long journeys, many teams)."""
    return once_per_session(tmp_path_factory, "story_short", lambda: cxsim.run(
        "scenarios/one_lane_tech.yaml", replications=2, seed=1, horizon="120 days"))
