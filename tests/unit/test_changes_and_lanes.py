"""The paths of ``--set`` (cxsim.changes) and the lanes ``lanes: {count, agents}`` generates (cxsim.lanes)."""

from __future__ import annotations

import pytest

import cxsim
from cxsim.changes import parse_set, set_path
from cxsim.lanes import lane_teams
from cxsim.scenario import Lanes


def test_set_path_and_parse_set():
    data = {"designs": {"a": {"x": 1}, "b": {"x": 2}}}
    assert set_path(data, "designs.*.x", 5) == {"designs": {"a": {"x": 5}, "b": {"x": 5}}}
    mixed = {"designs": {"a": {"y": {"z": 0}}, "b": {}}}
    assert set_path(mixed, "designs.*.y.z", 1) == {"designs": {"a": {"y": {"z": 1}}, "b": {}}}  # none created
    with pytest.raises(cxsim.ScenarioError, match="no such path"):
        set_path(data, "designs.*.y.z", 1)
    assert set_path(data, "designs.a.y.z", 1)["designs"]["a"]["y"] == {"z": 1}  # an explicit path is
    assert data["designs"]["a"]["x"] == 1  # a copy
    assert parse_set("designs.a.transfer.accuracy=0.5, 0.9") == ("designs.a.transfer.accuracy", [0.5, 0.9])
    assert parse_set("effort.reexplain=30 min,2 h") == ("effort.reexplain", ["30 min", "2 h"])
    with pytest.raises(ValueError):
        parse_set("no-equals-sign")


def test_lanes_share_skills_and_agents():
    scenario = cxsim.load_scenario("scenarios/lanes_sweep.yaml")
    needed = {s for ct in scenario.case_types.values() for s in ct.skills}
    for count in range(1, 9):
        teams = lane_teams(scenario.case_types, Lanes(count=count, agents=25))
        assert len(teams) == count
        assert sum(t["agents"] for t in teams.values()) == 25
        assert all(t["agents"] >= 1 for t in teams.values())
        skills = [s for t in teams.values() for s in t["skills"]]
        assert sorted(skills) == sorted(needed)  # a partition: every skill in exactly one lane

