"""Routing and hand-offs: where a new case goes first, and what happens when an agent cannot fix a case.

Triage and an agent's guess of the next team are informed with probability 1 - the case type's difficulty
and blind otherwise, so they are never worse than a blind pick (``cxsim.policies.guess_right``; seed 000:
"the lane he *guesses* is right"). Whoever remembers the teams already tried (``transfer.memory``: the
customer, the company or nobody) keeps the guess away from them until every other candidate was tried. The
design's transfer policy then decides what the hand-off does to the ticket, the customer's effort and the
case's place in line (``cxsim.policies``).

The as-is organisation of a ticket log has no guess: observed intake shares (``intake.shares``) pick the
first team, and under ``transfer.routing: matrix`` a session's next step (another team or ``resolved``) is
drawn from the team's row of the observed routing matrix, whatever the case type's skills.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import TYPE_CHECKING

from cxsim.engine.cases import CUSTOMER, INTERNAL, OPEN
from cxsim.policies import guess_right, transfer_policy
from cxsim.scenario import RESOLVED_STEP

if TYPE_CHECKING:
    import numpy as np

    from cxsim.engine.cases import Case
    from cxsim.engine.replication import Replication
    from cxsim.engine.work import Team
    from cxsim.scenario import Design, Scenario

DAY = 24.0  # hours: "tomorrow" for a next-day pickup


class Router:
    """Chooses teams for one design; draws from the replication's routing stream.

    The candidate lists depend only on the case type (and the current team), so they are built once.
    """

    def __init__(self, scenario: Scenario, design: Design, rng: np.random.Generator) -> None:
        self.rng = rng
        intake = design.intake
        transfer = design.transfer
        self.intake_team = intake.team
        self.max_hops = transfer.max_hops
        self.resolver = resolver = transfer.resolver
        teams = list(design.teams)
        default = [t for t in teams if t != resolver] or teams
        candidates = list(intake.teams or default)
        # Per case type: intake's right and wrong teams; the case type's difficulty.
        self.intake_options: list[tuple[list[str], list[str]]] = []
        self.difficulty: list[float] = []
        self.intake_accuracy = intake.accuracy
        self.transfer_accuracy = transfer.accuracy
        # Per (case type, current team): the teams a guess can pick, before removing visited ones.
        self.guesses: dict[tuple[int, str], tuple[list[str], list[str]]] = {}
        for i, ctype in enumerate(scenario.case_types.values()):
            fixers = [t for t in teams if set(design.teams[t].skills).intersection(ctype.skills)]
            wrong = [t for t in default if t not in fixers]
            right_in = [t for t in fixers if t in candidates] or fixers
            wrong_in = [t for t in wrong if t in candidates]
            self.intake_options.append((right_in, wrong_in))
            self.difficulty.append(ctype.difficulty)
            for current in teams:
                # The resolver takes escalations only: it is the last resort of an ordinary guess.
                self.guesses[(i, current)] = ([t for t in fixers if t != current and t != resolver],
                                              [t for t in wrong if t != current])
        # Observed routing: intake shares and the matrix's rows, as (teams, cumulative probabilities).
        self.shares = None if intake.shares is None else _cumulative(intake.shares)
        self.matrix: dict[str, tuple[float, tuple[list[str], list[float]] | None]] | None = None
        if transfer.matrix is not None:
            self.matrix = {}
            for team in teams:
                row = dict(transfer.matrix.get(team, {RESOLVED_STEP: 1.0}))  # no row: resolves there
                total = sum(row.values())
                resolve = row.pop(RESOLVED_STEP, 0.0) / total
                onward = {t: p for t, p in row.items() if p > 0}
                self.matrix[team] = (resolve, _cumulative(onward) if onward else None)

    def _pick(self, options: list[str]) -> str:
        return options[int(self.rng.integers(len(options)))] if len(options) > 1 else options[0]

    def _guess(self, right: list[str], wrong: list[str], accuracy: float, ctype: int) -> str:
        """One guess among right and wrong teams (both not empty): informed or blind, never below blind."""
        p = guess_right(accuracy, self.difficulty[ctype], len(right), len(right) + len(wrong))
        return self._pick(right) if self.rng.random() < p else self._pick(wrong)

    def _draw(self, options: tuple[list[str], list[float]]) -> str:
        """One team of ``options`` (teams, cumulative probabilities ending at 1)."""
        teams, cumulative = options
        return teams[bisect_right(cumulative, self.rng.random())] if len(teams) > 1 else teams[0]

    def intake(self, ctype: int) -> str:
        """The first team a new case of type ``ctype`` goes to."""
        if self.intake_team is not None:
            return self.intake_team
        if self.shares is not None:
            return self._draw(self.shares)
        right, wrong = self.intake_options[ctype]
        if not wrong:
            return self._pick(right)
        return self._guess(right, wrong, self.intake_accuracy, ctype)

    def hand_on(self, ctype: int, current: str, transfers: int, tried: set[str] | None) -> str:
        """The team a case goes to next. ``tried``: the teams remembered as tried (None: nobody remembers);
        the guess avoids them, unless every candidate was tried."""
        if self.max_hops is not None and transfers >= self.max_hops and current != self.resolver:
            return self.resolver  # type: ignore[return-value]  # checked: max_hops needs a resolver
        if self.matrix is not None:
            onward = self.matrix[current][1]
            return current if onward is None else self._draw(onward)
        right, wrong = self.guesses[(ctype, current)]
        if tried:
            untried_right = [t for t in right if t not in tried]
            untried_wrong = [t for t in wrong if t not in tried]
            if untried_right or untried_wrong:  # back to a team already tried only once all others were
                right, wrong = untried_right, untried_wrong
        if right and wrong:
            return self._guess(right, wrong, self.transfer_accuracy, ctype)
        if right:
            return self._pick(right)
        if wrong:
            return self._pick(wrong)
        if self.resolver is not None and current != self.resolver:
            return self.resolver
        return current  # nowhere else to go: the same team tries again

    def resolves(self, team: str) -> bool:
        """Matrix routing: whether a session at ``team`` resolves the case (else it is handed on)."""
        resolve = self.matrix[team][0]  # type: ignore[index]
        if resolve >= 1.0 or resolve <= 0.0:
            return resolve >= 1.0
        return bool(self.rng.random() < resolve)


def _cumulative(weights: dict[str, float]) -> tuple[list[str], list[float]]:
    """Teams and their cumulative probabilities, normalised to end at exactly 1 (so a draw always lands)."""
    weights = {team: w for team, w in weights.items() if w > 0}
    total = sum(weights.values())
    cumulative = [c / total for c in accumulate(weights.values())]
    cumulative[-1] = 1.0
    return list(weights), cumulative


class Routing:
    """The engine's room for routing: intake, and hand-offs under the design's transfer policy."""

    def __init__(self, rep: Replication) -> None:
        self.rep = rep
        self.env = rep.env
        self.events = rep.events
        self.policy = transfer_policy(rep.design.transfer)
        self.router = Router(rep.scenario, rep.design, rep.streams.routing)
        self.intake = self.router.intake
        self.reexplain = rep.scenario.effort.reexplain * self.policy.reexplain
        self.severity = [ct.severity for ct in rep.scenario.case_types.values()]
        self.memory = self.policy.memory
        self.next_day = self.policy.pickup == "next_day"

    def tried(self, case: Case) -> set[str] | None:
        """The teams remembered as already tried: by the company, every team the case has been at; by the
        customer, those they dealt with (all of them if they follow the case, else the first); else None."""
        memory = self.memory
        if memory == "company" or (memory == "customer" and self.policy.customer_follows):
            return case.visited
        if memory == "customer":
            return {case.home}
        return None

    def hand_on(self, team: Team, case: Case, mode: int) -> None:
        """The agent cannot fix the case: it goes to the guessed team, as the transfer policy says."""
        now = self.env.now
        policy = self.policy
        work = self.rep.work
        target = self.router.hand_on(case.ctype, team.name, case.transfers, self.tried(case))
        effort = case.effort
        effort.stop_waiting(now)  # internal work ends: settle chasing at the old rate
        if target == team.name:  # nowhere else to go: back in the same queue, not a transfer
            effort.start_waiting(now)
            case.place = now
            work.enqueue(team, case, self.severity[case.ctype], now, mode)
            return
        case.transfers += 1
        self.events.hand_off(case, team.name, target, now)
        case.rounds = 0
        case.visited.add(target)
        if policy.new_ticket:
            self.rep.cases.close_ticket(case, "transferred")
            self.rep.cases.new_ticket(case)
        if policy.customer_follows:
            effort.owe_reexplain(self.reexplain)
        effort.chase_factor = policy.chasing
        case.briefed = policy.briefing
        effort.start_waiting(now)
        place = case.place if policy.keep_place else now
        case.place = place
        priority = 0 if policy.jump_queue else self.severity[case.ctype]
        mode = CUSTOMER if policy.customer_follows else INTERNAL
        nxt = work.teams[target]
        if self.next_day:
            # "Someone else will get back to you tomorrow": the next team's first opening on a later day.
            pickup = nxt.hours.next_open((now // DAY + 1) * DAY)
            if not policy.keep_place:
                case.place = place = pickup
            self.env.timeout(pickup - now).callbacks.append(
                lambda _: case.status is OPEN and work.enqueue(nxt, case, priority, place, mode))
            return  # a case that ended meanwhile (its customer left) is not taken up
        work.enqueue(nxt, case, priority, place, mode)
