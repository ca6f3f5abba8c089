"""Routing: intake/triage of new cases and the guess of the next team when an agent cannot fix a case.

Both are right with a configured accuracy times (1 - the case type's difficulty); a wrong route goes to a
uniformly chosen wrong lane. Cold transfers carry no history, so a case can bounce back to a lane it already
visited; policies that keep context avoid teams already tried (seed 000: "the lane he *guesses* is right").
"""

from __future__ import annotations

import numpy as np

from cxsim.scenario import Design, Scenario


class Router:
    """Chooses teams for one design; draws from the replication's routing stream."""

    def __init__(self, scenario: Scenario, design: Design, rng: np.random.Generator) -> None:
        self.rng = rng
        self.intake_spec = design.intake
        self.transfer_spec = design.transfer
        self.resolver = design.transfer.resolver
        teams = list(design.teams)
        default = [t for t in teams if t != self.resolver] or teams
        self.candidates = list(design.intake.teams or default)
        self.right: list[list[str]] = []
        self.wrong: list[list[str]] = []
        self.difficulty: list[float] = []
        for ctype in scenario.case_types.values():
            fixers = [t for t in teams if set(design.teams[t].skills).intersection(ctype.skills)]
            self.right.append(fixers)
            self.wrong.append([t for t in default if t not in fixers])
            self.difficulty.append(ctype.difficulty)

    def _pick(self, options: list[str]) -> str:
        return options[int(self.rng.integers(len(options)))] if len(options) > 1 else options[0]

    def intake(self, ctype: int) -> str:
        """The first team a new case of type ``ctype`` goes to."""
        if self.intake_spec.team is not None:
            return self.intake_spec.team
        right = [t for t in self.right[ctype] if t in self.candidates] or self.right[ctype]
        wrong = [t for t in self.wrong[ctype] if t in self.candidates]
        accuracy = self.intake_spec.accuracy * (1.0 - self.difficulty[ctype])
        if not wrong or self.rng.random() < accuracy:
            return self._pick(right)
        return self._pick(wrong)

    def hand_on(self, ctype: int, current: str, transfers: int, visited: set[str] | None) -> str:
        """The team a case goes to next; ``visited`` is None when the case's history is lost."""
        if self.transfer_spec.max_hops is not None and transfers >= self.transfer_spec.max_hops \
                and current != self.resolver:
            return self.resolver  # type: ignore[return-value]  # checked: max_hops needs a resolver
        # The resolver takes escalations only: it is the last resort of an ordinary guess.
        right = [t for t in self.right[ctype] if t != current and t != self.resolver]
        wrong = [t for t in self.wrong[ctype] if t != current]
        if visited:
            right = [t for t in right if t not in visited] or right
            wrong = [t for t in wrong if t not in visited]
        accuracy = self.transfer_spec.accuracy * (1.0 - self.difficulty[ctype])
        if right and (not wrong or self.rng.random() < accuracy):
            return self._pick(right)
        if wrong:
            return self._pick(wrong)
        if self.resolver is not None and current != self.resolver:
            return self.resolver
        return current  # nowhere else to go: the same team tries again
