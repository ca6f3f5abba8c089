"""Loading a scenario: a YAML file or a plain dict in, a validated ``Scenario`` out, or one located error.

Every problem (YAML syntax, duplicate or unknown keys, wrong types, negative durations, shares that do not
sum to 1, a transfer to a team that does not exist) becomes a ``ScenarioError`` naming file, line and field;
the checks themselves belong to the schema (``cxsim.scenario``), so a scenario built in Python is held to
the same rules.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cxsim.scenario import Scenario
from cxsim.yaml_source import load_source, source_from_dict


def load_scenario(scenario: str | Path | dict[str, Any] | Scenario, *, label: str | None = None) -> Scenario:
    """A validated scenario from a YAML path, a dict (as a YAML file would hold) or a ``Scenario``.

    Raises ``ScenarioError`` (file, line, field, message) for any problem, ``ValueError`` for something
    that is none of these.
    """
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, dict):
        return Scenario.from_source(source_from_dict(scenario, label or "<dict>"))
    if not isinstance(scenario, (str, os.PathLike)):  # else pathlib's "expected str, bytes or os.PathLike"
        raise ValueError("scenario must be a path to a scenario file, a dict as such a file holds, or a "
                         f"Scenario (got {_shown(scenario)})")
    return Scenario.from_source(load_source(scenario, label=label))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}... ({type(value).__name__})"
