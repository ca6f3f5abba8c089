"""Agents' work: team queues, the agents who pull from them during working hours, and one session's outcome.

Agents are the engine's only long-lived processes; cases are plain data. Each team has a priority queue
(severity aged by the wait, then place in line) that its agents work during the team's hours; work pauses
outside them. An agent who asks the customer for more owns the ticket: the reply comes back to them, ahead
of their new work. A session is one agent working one case: diagnose, then fix it, close it prematurely,
ask the customer for more, or hand it on. What the design's incentive scheme makes agents do (rush the
diagnosis, deflect long in-skill cases, close before the fix works) is decided here, from the behaviour
stream. Under ``transfer.routing: matrix`` a session is the team's ``work_time`` instead, and its outcome
is an exchange with the customer, or the matrix's next step (resolved, or handed on).
"""

from __future__ import annotations

import heapq
from collections import deque
from itertools import count
from math import inf
from typing import TYPE_CHECKING

from cxsim.engine import cases as case_room
from cxsim.engine.cases import ASK, CUSTOMER, FIXED, HAND_ON, OPEN, PREMATURE
from cxsim.policies import behaviour

if TYPE_CHECKING:
    import simpy

    from cxsim.engine.cases import Case
    from cxsim.engine.replication import Replication
    from cxsim.working_hours import WorkingHours

MIN_HAND_ON = 1 / 60  # nobody hands a case on in under a minute (also: no zero-time loops)


class Agent:
    """One agent: replies to the tickets they own (served before new work) and, when idle, their wake-up."""

    __slots__ = ("team", "index", "replies", "wake")

    def __init__(self, team: Team, index: int) -> None:
        self.team = team
        self.index = index
        self.replies: deque[Case] = deque()  # customers' replies to this agent's tickets, first come first
        self.wake: simpy.Event | None = None  # set while the agent waits for work


class Team:
    """A queue and the agents who work it; ``skill_for[case type]`` is the best (proficiency, speed)."""

    __slots__ = ("name", "agents", "hours", "cost", "queue", "idle", "skill_for", "work_time", "ask")

    def __init__(self, name: str, agents: int, hours: WorkingHours, cost: float,
                 skill_for: list[tuple[float, float] | None]) -> None:
        self.name = name
        self.agents = agents
        self.hours = hours
        self.cost = cost
        self.queue: list[tuple] = []  # heap of (effective priority, place, sequence, case, mode)
        self.idle: list[Agent] = []  # agents waiting for work
        self.skill_for = skill_for
        self.work_time = None  # matrix routing: the distribution of one session's hands-on time
        self.ask = 0.0  # matrix routing: probability that a session with the customer asks them for more


class Work:
    """The engine's room for agents: queues, sessions and the behaviour incentives cause."""

    def __init__(self, rep: Replication) -> None:
        self.rep = rep
        self.env = rep.env
        self.events = rep.events
        scenario = rep.scenario
        self.ctypes = list(scenario.case_types.values())
        self.effort = scenario.effort
        self.behaviour = act = behaviour(rep.design.incentive)
        self.unrushed = 1.0 - act.rush  # share of the diagnosis time agents take
        self.recognition = 1.0 - act.rush_penalty  # factor on the probability of recognising a case
        self.handoff_time = rep.design.transfer.handoff_time
        self.presence = scenario.effort.presence
        self.handling = rep.streams.handling
        self.decide = rep.streams.behaviour
        self.session_started = rep.events.session_started
        self.case_served = rep.events.case_served
        tickets = scenario.tickets
        self.aging = tickets.aging_period  # None: strict priority
        self.owned = tickets.owned
        self.resume = tickets.resume
        self.seq = count()
        self.teams: dict[str, Team] = {}
        for name, spec in rep.design.teams.items():
            skill_for: list[tuple[float, float] | None] = []
            for ct in self.ctypes:
                matching = [spec.skills[s] for s in ct.skills if s in spec.skills]
                best = max(matching, key=lambda s: s.proficiency) if matching else None
                skill_for.append((best.proficiency, best.speed) if best else None)
            self.teams[name] = team = Team(name, spec.agents, spec.hours, spec.cost_per_hour, skill_for)
            team.work_time, team.ask = spec.work_time, spec.ask_customer
        self.matrix = rep.design.transfer.routing == "matrix"
        # Entries a team's queue may hold (cases that ended while queued included): the open-case limit.
        self.max_queue = case_room.MAX_OPEN_CASES

    def start(self) -> None:
        for team in self.teams.values():
            for i in range(team.agents):
                self.env.process(self._agent(team, Agent(team, i)))

    def enqueue(self, team: Team, case: Case, priority: int, place: float, mode: int) -> None:
        """The case joins ``team``'s queue (``mode``: with the customer, or internal work).

        Priority ages: the queue serves the lowest ``priority - (now - place) / aging_period`` first. ``now``
        is common to every case in the queue, so the key ``priority + place / aging_period`` keeps that order
        at every moment (a heap of fixed keys stays exact). Priority 0 (a policy that jumps the queue, e.g. a
        swarm request) goes ahead of every aged case, in order of place."""
        now = self.env.now
        case.queued_at = now
        self.rep.cases.queued(case, now)
        if priority <= 0:
            key = -inf
        else:
            key = priority + place / self.aging if self.aging is not None else priority
        heapq.heappush(team.queue, (key, place, next(self.seq), case, mode))
        if len(team.queue) > self.max_queue:
            raise self.rep.cases.overloaded()
        if team.idle:
            agent = team.idle.pop()
            wake, agent.wake = agent.wake, None
            wake.succeed()  # type: ignore[union-attr]

    def return_to_owner(self, case: Case, now: float) -> None:
        """The customer replied: the ticket waits for its owner, who takes it before any new work (at once if
        idle; after the session under way if busy; at the team's next opening if off shift)."""
        owner = case.owner
        case.queued_at = now
        self.rep.cases.queued(case, now)
        owner.replies.append(case)
        if owner.wake is not None:
            owner.team.idle.remove(owner)
            wake, owner.wake = owner.wake, None
            wake.succeed()

    def _agent(self, team: Team, agent: Agent):
        """One agent: during the team's hours, take the replies to their own tickets first, then the first
        case in the team's line, and work one session on it."""
        env = self.env
        queue = team.queue
        replies = agent.replies
        hours = team.hours
        always = hours.always_open
        begin, finish = (self._begin_matrix if self.matrix else self._begin), self._finish
        heappop = heapq.heappop
        while True:
            if not always:
                now = env.now
                start = hours.next_open(now)
                if start > now:
                    yield env.timeout(start - now)
            if replies:
                case, mode, resumed = replies.popleft(), CUSTOMER, True
            elif queue:
                _, _, _, case, mode = heappop(queue)
                resumed = False
            else:
                agent.wake = wake = env.event()
                team.idle.append(agent)
                yield wake
                continue
            if case.status is not OPEN:
                continue  # abandoned while waiting in line
            # A session is two plain calls around one timeout (no generator per session: hot loop).
            now = env.now
            yield env.timeout(begin(team, case, mode, now, agent, resumed) - now)
            finish(team, case, mode, agent)

    def _begin(self, team: Team, case: Case, mode: int, now: float, agent: Agent, resumed: bool) -> float:
        """Start a session: diagnose (the owner resuming their own ticket redoes only ``tickets.resume`` of
        it), decide its outcome, book the agent's time; returns when it ends."""
        self.rep.cases.dequeued(case, now)
        ctype = self.ctypes[case.ctype]
        act = self.behaviour
        decide = self.decide
        effort = case.effort
        if mode == CUSTOMER:
            effort.stop_waiting(now)  # in contact: no chasing (it goes on during internal work)
        skill = team.skill_for[case.ctype]
        diagnosis = float(ctype.diagnosis_time.sample(self.handling)) * case.briefed * self.unrushed
        if resumed:
            diagnosis *= self.resume
        outcome = HAND_ON
        fix = 0.0
        needed = ctype.exchanges if mode == CUSTOMER and case.briefed >= 1.0 else 1
        if case.rounds + 1 < needed:
            outcome = ASK  # not enough to go on yet: ask the customer for logs or a test
            if skill is not None:
                diagnosis /= skill[1]
        elif skill is not None:
            proficiency, speed = skill
            diagnosis /= speed
            if decide.random() < proficiency * self.recognition:
                fix = case.fix_work / speed
                if act.deflection and fix > act.deflect_over and decide.random() < act.deflection:
                    fix = 0.0  # "not in my lane": a long in-skill case is sent away
                elif act.premature_closure and decide.random() < act.premature_closure:
                    outcome, fix = PREMATURE, fix * act.partial_fix
                else:
                    outcome = FIXED
        hands_on = diagnosis + fix
        return self._start(team, case, mode, now, hands_on, outcome, effort)

    def _begin_matrix(self, team: Team, case: Case, mode: int, now: float, agent: Agent,
                      resumed: bool) -> float:
        """Start a session under matrix routing: the team's work time; then an exchange with the customer
        (the case type's ``exchanges``, or the team's ``ask_customer``), or the matrix's next step: resolved
        (prematurely, as the incentive's ``premature_closure`` says) or handed on."""
        self.rep.cases.dequeued(case, now)
        effort = case.effort
        if mode == CUSTOMER:
            effort.stop_waiting(now)
        hands_on = float(team.work_time.sample(self.handling))  # type: ignore[union-attr]
        needed = self.ctypes[case.ctype].exchanges if mode == CUSTOMER and case.briefed >= 1.0 else 1
        decide = self.decide
        if case.rounds + 1 < needed or (mode == CUSTOMER and team.ask > 0.0 and decide.random() < team.ask):
            outcome = ASK
        elif self.rep.routing.router.resolves(team.name):
            premature = self.behaviour.premature_closure
            outcome = PREMATURE if premature and decide.random() < premature else FIXED
        else:
            outcome = HAND_ON
        return self._start(team, case, mode, now, hands_on, outcome, effort)

    def _start(self, team: Team, case: Case, mode: int, now: float, hands_on: float, outcome: str,
               effort) -> float:
        """The session's agent time (a hand-off adds its write-up), the customer's contact time, and when it
        ends in the team's hours; announce it. Returns the end."""
        work = max(hands_on + self.handoff_time, MIN_HAND_ON) if outcome == HAND_ON else hands_on
        contact = 0.0
        if mode == CUSTOMER:
            contact = hands_on * self.presence
            effort.pay_reexplain()
        end = team.hours.finish(now, work)
        self.session_started(team, now, end)
        case.in_session = (now, end, contact, work, outcome, mode, team.name)
        self.case_served(case, team, now)
        return end

    def _finish(self, team: Team, case: Case, mode: int, agent: Agent) -> None:
        """The session is over: record it and act on its outcome (unless the case ended meanwhile)."""
        session = case.in_session
        case.in_session = None
        case.sessions += 1
        if case.status is not OPEN:
            return  # the customer gave up or left during the session (accounted for when the case ended)
        now, end, contact, work, outcome, _, _ = session  # type: ignore[misc]
        if case.counted:  # a Visit's fields, as a plain tuple: cheaper in the hot loop
            case.visits.append((case.ticket.number, team.name, case.queued_at, now, end, work, outcome, mode))
        case.effort.contact += contact
        case.ticket.work += work
        rep = self.rep
        case.owner = agent if outcome == ASK and self.owned else None  # who the customer's reply goes to
        if outcome == FIXED:
            rep.cases.resolved(case)
        elif outcome == PREMATURE:
            rep.cases.closed_unfixed(case, team, self.decide)
        elif outcome == ASK:
            rep.cases.ask_customer(case, team, self.decide)
        else:
            rep.routing.hand_on(team, case, mode)
