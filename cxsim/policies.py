"""Transfer policies: what happens to a case, and to the customer, when an agent cannot fix it.

A policy is a small bundle of behaviour switches and numbers. The engine applies one shared hand-off
mechanism; the policy decides whether the hand-off opens a new ticket (cold), keeps the case's place in line
(warm, owner), pulls an expert in ahead of the queue (swarm), whether the customer deals with the next team
directly, whether the case's history travels with it, and how much re-explaining and chasing the customer
does. Seeds 000 (lane hopping) and 002 ("talk to corporate office", "not my error") are the source.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cxsim.scenario import Incentive, Transfer


@dataclass(frozen=True)
class TransferPolicy:
    name: str
    new_ticket: bool
    """Close the ticket and open a new one at the next team (dashboards count the closed one)."""
    keep_place: bool
    """The case keeps its original place in line at the next team (else it joins at the back)."""
    jump_queue: bool
    """Help is pulled in ahead of the next team's queue (swarming)."""
    customer_follows: bool
    """The customer deals with the next team directly (attends its sessions)."""
    remembers_visited: bool
    """The case's history travels with it, so the next guess avoids teams already tried."""
    reexplain: float
    chasing: float
    handoff_time: float
    briefing: float


POLICIES: dict[str, TransferPolicy] = {
    "cold": TransferPolicy("cold", new_ticket=True, keep_place=False, jump_queue=False, customer_follows=True,
                           remembers_visited=False, reexplain=1.0, chasing=1.0, handoff_time=5 / 60,
                           briefing=1.0),
    "warm": TransferPolicy("warm", new_ticket=False, keep_place=True, jump_queue=False, customer_follows=True,
                           remembers_visited=True, reexplain=0.25, chasing=1.0, handoff_time=10 / 60,
                           briefing=0.7),
    "owner": TransferPolicy("owner", new_ticket=False, keep_place=True, jump_queue=False,
                            customer_follows=False, remembers_visited=True, reexplain=0.0, chasing=0.3,
                            handoff_time=15 / 60, briefing=0.5),
    "swarm": TransferPolicy("swarm", new_ticket=False, keep_place=True, jump_queue=True,
                            customer_follows=False, remembers_visited=True, reexplain=0.0, chasing=0.3,
                            handoff_time=10 / 60, briefing=0.5),
}


def transfer_policy(spec: Transfer) -> TransferPolicy:
    """The named policy with the numbers a design overrides."""
    base = POLICIES[spec.policy]
    overrides = {
        field: getattr(spec, field)
        for field in ("reexplain", "chasing", "handoff_time", "briefing")
        if getattr(spec, field) is not None
    }
    return replace(base, **overrides)


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
