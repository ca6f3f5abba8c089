"""Lanes: generate N specialised teams from the case types' skills, at a fixed total staff.

Each skill's expected work is what its case types need per case (share x (fix time + diagnosis time x
exchanges)). Skills are assigned to lanes largest first, each to the least-loaded lane (balanced
partition); agents are shared out in proportion to each lane's work by largest remainder, at least one
per lane. A case type needing several alternative skills counts towards the first one. The result is plain
data (team name -> team fields), validated as teams by the scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def skill_work(case_types: Mapping[str, Any]) -> dict[str, float]:
    """Expected agent hours per case that each skill's case types bring (in case-type order)."""
    work: dict[str, float] = {}
    for ct in case_types.values():
        hours = ct.share * (ct.fix_time.mean + ct.diagnosis_time.mean * ct.exchanges)
        skill = ct.skills[0]
        work[skill] = work.get(skill, 0.0) + hours
        for other in ct.skills[1:]:
            work.setdefault(other, 0.0)
    return work


def lane_teams(case_types: Mapping[str, Any], lanes: Any) -> dict[str, dict[str, Any]]:
    """The teams of ``lanes`` (count, agents, proficiency, hours, cost_per_hour) for these case types."""
    work = skill_work(case_types)
    order = sorted(work, key=lambda s: (-work[s], list(work).index(s)))
    groups: list[list[str]] = [[] for _ in range(lanes.count)]
    loads = [0.0] * lanes.count
    for skill in order:
        i = min(range(lanes.count), key=lambda k: (loads[k], k))
        groups[i].append(skill)
        loads[i] += work[skill]
    agents = _share_out(lanes.agents, loads)
    return {
        f"lane{i + 1}": {"agents": n, "skills": {s: {"proficiency": lanes.proficiency} for s in group},
                         "hours": lanes.hours, "cost_per_hour": lanes.cost_per_hour}
        for i, (group, n) in enumerate(zip(groups, agents, strict=True))
    }


def _share_out(total: int, weights: list[float]) -> list[int]:
    """Integers summing to ``total``, proportional to ``weights`` (largest remainder), each at least 1."""
    n = len(weights)
    spare = total - n
    weight_sum = sum(weights) or 1.0
    quotas = [spare * w / weight_sum for w in weights]
    counts = [1 + int(q) for q in quotas]
    left = total - sum(counts)
    by_remainder = sorted(range(n), key=lambda i: (-(quotas[i] - int(quotas[i])), i))
    for i in by_remainder[:left]:
        counts[i] += 1
    return counts
