"""Runs that several system tests read (each is made once per session; tests must not change them)."""

from __future__ import annotations

import pytest

import cxsim


@pytest.fixture(scope="session")
def minimal_short() -> cxsim.Result:
    """scenarios/minimal.yaml: 2 replications of 30 days, seed 1."""
    return cxsim.run("scenarios/minimal.yaml", replications=2, seed=1, horizon="30 days")


@pytest.fixture(scope="session")
def story_short() -> cxsim.Result:
    """scenarios/one_lane_tech.yaml: 2 replications of 120 days, seed 1 (long journeys, many teams)."""
    return cxsim.run("scenarios/one_lane_tech.yaml", replications=2, seed=1, horizon="120 days")
