"""Incentive schemes: what agents are measured on, turned into the behaviour it causes.

``close_fast`` (tickets closed, handle time; seeds 000 and 003) makes agents close tickets before the fix
works, deflect long in-skill cases as "not in my lane", and rush diagnosis. ``resolution`` (case resolution,
customer effort) does none of this. No published rates exist (FACTS.md): the defaults are assumptions to
sweep, and a design may override each number.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxsim.scenario import Incentive


@dataclass(frozen=True)
class Behaviour:
    premature_closure: float
    partial_fix: float
    deflection: float
    deflect_over: float
    rush: float
    rush_penalty: float


SCHEME_DEFAULTS: dict[str, dict[str, float]] = {
    "close_fast": {"premature_closure": 0.15, "deflection": 0.5, "rush": 0.3, "rush_penalty": 0.15},
    "resolution": {"premature_closure": 0.0, "deflection": 0.0, "rush": 0.0, "rush_penalty": 0.0},
}


def behaviour(spec: Incentive) -> Behaviour:
    """Agent behaviour under a design's incentive scheme, with its overrides applied."""
    defaults = SCHEME_DEFAULTS[spec.scheme]

    def pick(name: str) -> float:
        value = getattr(spec, name)
        return defaults[name] if value is None else value

    return Behaviour(
        premature_closure=pick("premature_closure"),
        partial_fix=spec.partial_fix,
        deflection=pick("deflection"),
        deflect_over=spec.deflect_over,
        rush=pick("rush"),
        rush_penalty=pick("rush_penalty"),
    )
