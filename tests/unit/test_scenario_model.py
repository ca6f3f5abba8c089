"""A Scenario is valid however it is built, records what it is, and reads units by one rule."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from pydantic import ValidationError

import cxsim
from cxsim.errors import ScenarioError
from cxsim.policies import INCENTIVE_SCHEMES, TRANSFER_POLICIES
from cxsim.scenario import Scenario, Transfer

MINIMAL = "scenarios/minimal.yaml"


def base() -> dict:
    return {
        "name": "m", "horizon": "20 days",
        "customers": {"count": 50, "case_rate": "2 per month"},
        "case_types": {"a": {"share": 0.5, "skills": ["x"], "fix_time": "10 min"},
                       "b": {"share": 0.5, "skills": ["y"], "fix_time": "20 min"}},
        "designs": {"lanes": {"teams": {"x": {"agents": 1, "skills": ["x"]},
                                        "y": {"agents": 1, "skills": ["y"]}},
                              "transfer": {"policy": "cold"}}},
    }


def bad_intake() -> dict:
    data = base()
    data["designs"]["lanes"]["intake"] = {"team": "nobody"}
    return data


EXPECTED = "designs.lanes.intake.team: unknown team 'nobody'; teams in this design: 'x', 'y'"


def test_the_same_cross_field_message_from_a_dict_the_constructor_and_a_copy(tmp_path):
    with pytest.raises(ScenarioError) as from_dict:
        cxsim.load_scenario(bad_intake())
    with pytest.raises(ScenarioError) as constructed:
        Scenario(**bad_intake())
    good = cxsim.load_scenario(base())
    with pytest.raises(ScenarioError) as changed:
        good.with_changes({"designs.lanes.intake.team": "nobody"})
    with pytest.raises(ScenarioError) as copied:
        good.model_copy(update={"designs": bad_intake()["designs"]})
    path = tmp_path / "bad.yaml"
    path.write_text(Path(MINIMAL).read_text().replace("    transfer: {policy: cold}",
                                           "    intake: {team: nobody}\n    transfer: {policy: cold}"))
    with pytest.raises(ScenarioError) as from_yaml:
        cxsim.load_scenario(path)
    assert str(from_yaml.value) == f"{path}:27: designs.lanes.intake.team: unknown team 'nobody'; teams in " \
        "this design: 'product', 'engineering', 'billing'"
    for err in (from_dict, constructed, changed, copied):
        assert str(err.value).endswith(EXPECTED), str(err.value)
        assert "\n" not in str(err.value)


def test_shares_that_do_not_sum_to_one_fail_through_the_constructor():
    data = base()
    data["case_types"]["a"]["share"] = 0.7
    with pytest.raises(ScenarioError, match="case_types: the shares of the case types sum to 1.2, not 1"):
        Scenario(**data)


def test_with_changes_uses_the_paths_of_set_and_records_what_ran():
    scenario = cxsim.load_scenario(MINIMAL)
    varied = scenario.with_changes({"designs.lanes.teams.product.agents": 3,
                                    "designs.*.transfer.accuracy": 0.9})
    assert varied.designs["lanes"].teams["product"].agents == 3
    assert all(d.transfer.accuracy == 0.9 for d in varied.designs.values())
    assert varied.content["designs"]["lanes"]["teams"]["product"]["agents"] == 3
    assert varied.content_hash != scenario.content_hash
    assert "designs.lanes.teams.product.agents=3" in varied.origin
    assert scenario.designs["lanes"].teams["product"].agents == 2  # the original is untouched
    # A pydantic-style copy is validated and recorded too.
    copied = scenario.model_copy(update={"seed": 7})
    assert copied.seed == 7 and copied.content["seed"] == 7 and copied.content_hash != scenario.content_hash
    with pytest.raises(ScenarioError, match="replications"):
        scenario.model_copy(update={"replications": 0})


@pytest.mark.parametrize(("path", "message"), [
    ("designs.lanez.teams.product.agents", "designs has no 'lanez'; did you mean 'lanes'?"),
    ("designs.lanes.teams.prodcut.agents", "designs.lanes.teams has no 'prodcut'; did you mean 'product'?"),
    ("case_types.bugg.fix_time", "case_types has no 'bugg'; did you mean 'bug'?"),
])
def test_with_changes_refuses_a_misspelt_name_instead_of_adding_one(path, message):
    """A typo in a design or team used to add a half-made one (refused for a missing 'skills' that the
    user never meant to write): now it is named, with the closest existing name."""
    scenario = cxsim.load_scenario(MINIMAL)
    with pytest.raises(ScenarioError) as err:
        scenario.with_changes({path: 3})
    assert str(err.value).startswith(f"{MINIMAL}: {path}: no such path in the scenario: {message}")
    assert err.value.field == path


def test_with_changes_adds_a_named_thing_given_as_a_whole_mapping():
    """A design (or team) written out in full is added, as it was before misspelt names were refused; the
    scenario's validation judges the mapping."""
    scenario = cxsim.load_scenario(MINIMAL)
    one_team = scenario.content["designs"]["one_team"]
    added = scenario.with_changes({"designs.new": one_team})
    assert list(added.designs) == ["lanes", "one_team", "new"]
    assert added.content["designs"]["new"] == one_team
    team = scenario.with_changes({"designs.lanes.teams.tier2": {"agents": 1, "skills": ["product"]}})
    assert list(team.designs["lanes"].teams) == ["product", "engineering", "billing", "tier2"]
    with pytest.raises(ScenarioError, match=r"with designs\.new=\{teams: 3\}: designs\.new\.teams: must be a "
                       "mapping"):
        scenario.with_changes({"designs.new": {"teams": 3}})


@pytest.mark.parametrize(("path", "value", "message"), [
    ("designs.lanez.teams.product", {"agents": 1, "skills": ["product"]},
     "designs has no 'lanez'; did you mean 'lanes'?"),  # a new name in the middle of the path
    ("designs.new", 3, "designs has no 'new'"),  # not a mapping: nothing to add
])
def test_with_changes_still_refuses_a_new_name_it_cannot_add(path, value, message):
    scenario = cxsim.load_scenario(MINIMAL)
    with pytest.raises(ScenarioError) as err:
        scenario.with_changes({path: value})
    assert str(err.value).startswith(f"{MINIMAL}: {path}: no such path in the scenario: {message}")


def test_a_sweep_never_adds_a_named_thing():
    """A swept path must name what exists: a new design in a sweep is a typo that would fail every point."""
    from cxsim.sweep import sweep_plan

    scenario = cxsim.load_scenario(MINIMAL)
    with pytest.raises(ScenarioError, match="designs has no 'new'"):
        sweep_plan(scenario, parameters=[("designs.new", [scenario.content["designs"]["one_team"]])])


def test_with_changes_names_values_as_the_file_writes_them():
    scenario = cxsim.load_scenario(MINIMAL)
    with pytest.raises(ScenarioError) as err:
        scenario.with_changes({"designs.lanes.teams.product.agents": None})
    assert "with designs.lanes.teams.product.agents=null:" in str(err.value)
    assert "(got null)" in str(err.value) and "None" not in str(err.value)


def test_content_is_what_ran_and_loads_back_to_the_same_scenario():
    for path in ("scenarios/minimal.yaml", "scenarios/one_lane_tech.yaml", "scenarios/lanes_sweep.yaml"):
        scenario = cxsim.load_scenario(path)
        again = cxsim.load_scenario(copy.deepcopy(scenario.content))
        assert again.content == scenario.content
        assert again.content_hash == scenario.content_hash
        assert again.designs == scenario.designs and again.case_types == scenario.case_types
        assert again.horizon == scenario.horizon and again.effort == scenario.effort


def test_content_hash_ignores_how_a_value_is_written():
    a, b = base(), base()
    b["horizon"] = "480 h"
    b["customers"]["case_rate"] = "24 per year"
    assert cxsim.load_scenario(a).content_hash == cxsim.load_scenario(b).content_hash


def test_policy_defaults_are_resolved_when_validated_and_recorded():
    scenario = cxsim.load_scenario(MINIMAL)
    lanes, one = scenario.designs["lanes"], scenario.designs["one_team"]
    cold = TRANSFER_POLICIES["cold"]
    assert lanes.transfer.reexplain == cold.reexplain and lanes.transfer.handoff_time == cold.handoff_time
    assert lanes.incentive.premature_closure == INCENTIVE_SCHEMES["close_fast"].premature_closure
    assert one.incentive.deflection == INCENTIVE_SCHEMES["resolution"].deflection
    written = scenario.content["designs"]["lanes"]["transfer"]
    assert written["reexplain"] == 1.0 and written["handoff_time"] == "5 min"
    # An override wins over the table.
    assert Transfer(policy="warm", reexplain=0.5).reexplain == 0.5
    assert Transfer(policy="warm").reexplain == TRANSFER_POLICIES["warm"].reexplain


def test_transfer_memory_defaults_from_the_policy_and_is_recorded():
    """Cold: the customer remembers whom they talked to; the other policies: the company."""
    assert {p: Transfer(policy=p).memory for p in TRANSFER_POLICIES} == {
        "cold": "customer", "warm": "company", "owner": "company", "swarm": "company"}
    assert Transfer(policy="cold", memory="none").memory == "none"
    scenario = cxsim.load_scenario(MINIMAL)
    assert scenario.content["designs"]["lanes"]["transfer"]["memory"] == "customer"
    with pytest.raises(ValidationError):
        Transfer(policy="cold", memory="agent")


def test_the_schema_choices_come_from_the_policy_tables():
    schema = Scenario.model_json_schema()
    transfer = schema["$defs"]["Transfer"]
    assert transfer["properties"]["policy"]["enum"] == list(TRANSFER_POLICIES)
    assert set(transfer["properties"]["policy"]["x-choices"]) == set(TRANSFER_POLICIES)
    assert set(transfer["x-defaults"]["table"]) == set(TRANSFER_POLICIES)
    incentive = schema["$defs"]["Incentive"]
    assert incentive["properties"]["scheme"]["enum"] == list(INCENTIVE_SCHEMES)


# ---------------------------------------------------------------- one rule for units


@pytest.mark.parametrize(("where", "value"), [("horizon", 30), ("horizon", "30"), ("warmup", 2),
                                             ("effort.chasing", 30), ("effort.chasing", "1.5"),
                                             ("customers.case_rate", 2)])
def test_a_bare_number_is_refused_and_the_message_asks_for_a_unit(where, value):
    data = base()
    node, *rest = where.split(".")
    if rest:
        data.setdefault(node, {})[rest[0]] = value
    else:
        data[node] = value
    with pytest.raises(ScenarioError) as err:
        cxsim.load_scenario(data)
    assert "unit" in str(err.value) and where in str(err.value), str(err.value)


def test_time_unit_gives_bare_numbers_their_unit_everywhere():
    data = base()
    data["time_unit"] = "day"
    data["horizon"] = 20
    data["effort"] = {"chasing": 0.0625}  # a ratio: 0.0625 days per day = 1.5 h per day
    data["customers"]["case_rate"] = 0.1  # per day
    scenario = cxsim.load_scenario(data)
    assert scenario.horizon == 480.0
    assert scenario.effort.chasing == 0.0625
    assert scenario.customers.case_rate == pytest.approx(0.1 / 24)
    # ... also through the constructor, and for --horizon / horizon=.
    assert Scenario(**data).horizon == 480.0
    assert scenario.duration(10) == 240.0 and scenario.duration("10 days") == 240.0
