"""Loading a scenario: a YAML file or a plain dict in, a validated ``Scenario`` out, or one located error.

Every problem (YAML syntax, duplicate or unknown keys, wrong types, negative durations, shares that do not
sum to 1, a transfer to a team that does not exist) becomes a ``ScenarioError`` naming file, line and field.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cxsim.scenario import Scenario, expand_lanes, semantic_problems
from cxsim.yaml_source import (
    ScenarioError,
    Source,
    allowed_keys_for_model,
    load_source,
    source_from_dict,
    validation_error_to_scenario_error,
)

_ALLOWED_KEYS = allowed_keys_for_model(Scenario)
_TIME_UNITS = ("min", "h", "day")


def load_scenario(scenario: str | Path | dict[str, Any] | Scenario, *, label: str | None = None) -> Scenario:
    """A validated scenario from a YAML path, a dict (as a YAML file would hold) or a ``Scenario``.

    Raises ``ScenarioError`` (file, line, field, message) for any problem.
    """
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, dict):
        source = source_from_dict(scenario, label or "<dict>")
    else:
        source = load_source(scenario, label=label)
    return scenario_from_source(source)


def scenario_from_source(source: Source) -> Scenario:
    data = source.data
    unit = data.get("time_unit") if isinstance(data, dict) else None
    context = {"time_unit": unit if unit in _TIME_UNITS else None}
    try:
        scenario = Scenario.model_validate(data, context=context)
    except ValidationError as err:
        raise _located(err, source) from None
    problems = semantic_problems(scenario)
    if problems:
        path, message = problems[0]
        raise source.error(path, message)
    scenario = expand_lanes(scenario)
    scenario._origin = source.file
    scenario._content_hash = content_hash(data)
    scenario._content = data
    return scenario


def _located(err: ValidationError, source: Source) -> ScenarioError:
    return validation_error_to_scenario_error(err, source, _ALLOWED_KEYS)


def content_hash(data: Any) -> str:
    """A stable hash of a scenario's content (key order and comments do not matter)."""
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
