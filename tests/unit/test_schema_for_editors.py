"""The JSON Schema that editors use accepts every shipped scenario, and what a validated scenario records."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

import cxsim
from cxsim.scenario import Scenario
from cxsim.yaml_source import load_source

SCENARIOS = sorted(Path("scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator():
    return jsonschema.Draft202012Validator(Scenario.model_json_schema())


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenarios_and_their_content_validate_against_the_json_schema(validator, path):
    assert [e.message for e in validator.iter_errors(load_source(path).data)] == []
    assert [e.message for e in validator.iter_errors(cxsim.load_scenario(path).content)] == []


def test_the_json_schema_rejects_what_the_loader_rejects(validator):
    data = load_source("scenarios/minimal.yaml").data
    data["designs"]["lanes"]["teams"]["product"]["agnets"] = 2  # a typo: unknown key
    assert list(validator.iter_errors(data))
    data = load_source("scenarios/minimal.yaml").data
    data["designs"]["lanes"]["transfer"]["policy"] = "lukewarm"
    assert list(validator.iter_errors(data))
