"""A simulated case's journey through teams, read as a ticket log reads one: its route, its hand-off profile
outcome and its events.

A kept case's ``steps`` (``CaseRecord.steps``) are, in simulation order, where intake sent it, each
hand-off's target and each session's team. Its route is the teams of those steps with consecutive repeats
collapsed, exactly as ``cxsim.eventlog.Journey.route`` collapses a log's events, so a hand-off is a change of
team: every transfer, plus a reopen that brings the case back to another team (the customer goes back to
their owner). Days run from opening to the case's end, or to the horizon while open; open and abandoned
cases are censored there (Kaplan–Meier), as elsewhere in cxsim. The back-test builds the simulated side of
its comparison with ``case_outcome`` and ``cxsim.handoffs.handoff_profile``; ``cxsim export-log`` writes
the same steps as a log whose profile is the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cxsim.handoffs import CaseOutcome, HandoffProfile, handoff_profile

__all__ = ["case_outcome", "route", "route_facts", "simulated_profile"]


def route(teams: Iterable[str]) -> tuple[str, ...]:
    """The teams that held a case in turn: consecutive repeats collapsed."""
    out: list[str] = []
    for team in teams:
        if not out or out[-1] != team:
            out.append(team)
    return tuple(out)


def route_facts(steps: Sequence[tuple[float, str, str]]) -> tuple[int, int, bool]:
    """(hand-offs, distinct teams, ping-pong) of a case's steps."""
    teams = route(step[1] for step in steps)
    return max(len(teams) - 1, 0), len(set(teams)), len(set(teams)) < len(teams)


def case_outcome(steps: Sequence[tuple[float, str, str]], status: str, days_open: float) -> CaseOutcome:
    """The profile's view of one simulated case: resolved cases end at resolution, open and abandoned ones
    are censored at ``days_open`` (the horizon, or when the customer gave up)."""
    handoffs, teams, ping_pong = route_facts(steps)
    return CaseOutcome(handoffs, teams, ping_pong, max(float(days_open), 0.0), status == "resolved")


def simulated_profile(records: Iterable) -> HandoffProfile:
    """The hand-off profile of simulated cases (``CaseRecord``s kept with their steps)."""
    return handoff_profile(case_outcome(r.steps, r.status, r.days_open) for r in records)
