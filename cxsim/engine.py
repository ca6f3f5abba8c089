"""The SimPy engine: one replication of one org design.

Cases are plain data; agents are the only long-lived processes. Each team has a priority queue (severity,
then place in line) worked by its agents during the team's hours; work pauses outside them. A session is one
agent working one case: diagnose, then fix, close prematurely, or hand the case on under the design's
transfer policy. Customers open cases, spend effort (contact, chasing, re-explaining, reopening), give up
after their patience, and decide at contract renewal whether to stay. The engine only appends facts to the
records of ``cxsim.records``; every metric is computed from those records elsewhere.
"""

from __future__ import annotations

import gc
import heapq
from bisect import bisect_right
from dataclasses import replace
from itertools import count

import numpy as np
import simpy

from cxsim.accumulators import CaseStats
from cxsim.calendar import WorkingHours
from cxsim.churn import experience_score, leave_probability
from cxsim.incentives import behaviour
from cxsim.records import CaseRecord, ReplicationOutput, TeamRecord, TicketTotals, Visit
from cxsim.routing import Router
from cxsim.scenario import Design, Scenario
from cxsim.streams import customer_stream, make_streams
from cxsim.transfer_policy import transfer_policy

NAN = float("nan")
OPEN, RESOLVED, ABANDONED = "open", "resolved", "abandoned"
CASE_MODES = ("all", "sample", "none")
SAMPLE_SIZE = 1000  # cases kept per replication with cases="sample" (a uniform reservoir sample)
TIMELINE_POINTS = 60  # samples of the customer base over the horizon
MIN_HAND_ON = 1 / 60  # nobody hands a case on in under a minute (also: no zero-time loops)
CUSTOMER, INTERNAL = 0, 1  # session with the customer present / internal or expert work without them
FIXED, PREMATURE, HAND_ON, ASK = "fixed", "closed_unfixed", "handed_on", "asked_customer"


class Customer:
    __slots__ = ("id", "rng", "monthly_value", "loyalty", "active", "slot", "churned_at", "open_cases")

    def __init__(self, cid: int, rng: np.random.Generator, monthly_value: float, loyalty: float) -> None:
        self.id = cid
        self.rng = rng
        self.monthly_value = monthly_value
        self.loyalty = loyalty
        self.active = True
        self.slot = -1
        self.churned_at: float | None = None
        self.open_cases: set[Case] = set()


class Case:
    __slots__ = (
        "id", "customer", "ctype", "opened", "fix_work", "status", "ended", "counted",
        "tickets", "transfers", "reopens", "sessions", "first_session_fix",
        "contact", "waiting", "reexplain", "reopen_effort", "reexplain_due",
        "wait_mark", "chase_factor", "briefed", "visited", "place", "ticket_opened", "ticket_work",
        "ticket_open", "visits", "queued_at", "rounds", "believes_fixed", "gave_up", "home", "in_session",
    )

    def __init__(self, cid: int, customer: Customer | None, ctype: int, opened: float, fix_work: float,
                 counted: bool) -> None:
        self.id = cid
        self.customer = customer
        self.ctype = ctype
        self.opened = opened
        self.fix_work = fix_work
        self.status = OPEN
        self.ended: float | None = None
        self.counted = counted
        self.tickets = 1
        self.transfers = 0
        self.reopens = 0
        self.sessions = 0
        self.first_session_fix = False
        self.contact = 0.0
        self.waiting = 0.0
        self.reexplain = 0.0
        self.reopen_effort = 0.0
        self.reexplain_due = 0.0
        self.wait_mark: float | None = opened
        self.chase_factor = 1.0
        self.briefed = 1.0
        self.visited: set[str] = set()
        self.place = opened
        self.ticket_opened = opened
        self.ticket_work = 0.0
        self.ticket_open = True
        self.visits: list[Visit] = []
        self.queued_at = opened
        self.rounds = 0
        self.believes_fixed = False  # after a premature closure, until the customer finds out
        self.gave_up = False
        self.home = ""  # the team intake sent it to: the owner's team under owner/swarm policies
        self.in_session: tuple[float, float, float, float] | None = None  # start, end, contact, work

    def __hash__(self) -> int:
        return self.id


class TeamState:
    __slots__ = ("name", "agents", "hours", "cost", "queue", "idle", "busy", "skill_for")

    def __init__(self, name: str, agents: int, hours: WorkingHours, cost: float,
                 skill_for: list[tuple[float, float] | None]) -> None:
        self.name = name
        self.agents = agents
        self.hours = hours
        self.cost = cost
        self.queue: list[tuple] = []
        self.idle: list[simpy.Event] = []
        self.busy = 0.0
        self.skill_for = skill_for


class Replication:
    """One replication of one design: build with the scenario, call ``run()`` for its records."""

    def __init__(self, scenario: Scenario, design_name: str, seed: int, replication: int,
                 horizon: float | None = None, cases: str = "sample") -> None:
        if cases not in CASE_MODES:
            raise ValueError(f"cases must be one of {', '.join(CASE_MODES)}, not {cases!r}")
        self.case_mode = cases
        self.scenario = scenario
        self.design_name = design_name
        self.design: Design = scenario.designs[design_name]
        self.seed = seed
        self.replication = replication
        self.horizon = scenario.horizon if horizon is None else horizon
        self.warmup = scenario.warmup
        self.streams = make_streams(seed, replication)
        self.env = simpy.Environment()
        self.ctypes = list(scenario.case_types.values())
        self.ctype_names = list(scenario.case_types)
        self.cum_shares = [float(x) for x in np.cumsum([ct.share for ct in self.ctypes])]
        self.cum_shares[-1] = 1.0
        self.effort = scenario.effort
        self.policy = transfer_policy(self.design.transfer)
        self.behaviour = behaviour(self.design.incentive)
        self.router = Router(scenario, self.design, self.streams.routing)
        self.teams: dict[str, TeamState] = {}
        for name, spec in self.design.teams.items():
            skill_for: list[tuple[float, float] | None] = []
            for ct in self.ctypes:
                matching = [spec.skills[s] for s in ct.skills if s in spec.skills]
                best = max(matching, key=lambda s: s.proficiency) if matching else None
                skill_for.append((best.proficiency, best.speed) if best else None)
            self.teams[name] = TeamState(name, spec.agents, spec.hours, spec.cost_per_hour, skill_for)
        self.cases_simulated = 0
        self.open_counted: dict[int, Case] = {}  # insertion-ordered: finalised in a fixed order
        self.stats = CaseStats()
        self.type_stats = [CaseStats() for _ in self.ctypes]
        self.kept: list[tuple[CaseRecord, Customer | None]] = []  # all cases, or the reservoir sample
        self.counted_ended = 0
        self.worst: tuple[CaseRecord, Customer | None] | None = None
        self.lost_total = 0.0  # monthly value of every customer lost since the start (for the timeline)
        self.flows: dict[tuple[str, str], int] = {}  # (from, to) -> hand-offs of counted cases
        self.timeline: list[tuple[float, int, float]] = []  # (time, customers active, lost MRR so far)
        self.case_ids = count()
        self.seq = count()
        self.tickets = TicketTotals()
        self.customers: list[Customer] = []
        self.active: list[Customer] = []
        arrivals = scenario.arrivals
        self.population_arrivals = arrivals.process == "population"
        hours = arrivals.hours
        self.arrival_hours = None if hours is None or hours.always_open else hours
        # Rates are calendar averages: squeeze them into the arrival hours.
        self.concentrate = 1.0 if self.arrival_hours is None else 168.0 / self.arrival_hours.hours_per_week
        if scenario.customers is not None and scenario.customers.case_rate > 0:
            self.case_gap_mean = 1.0 / (scenario.customers.case_rate * self.concentrate)
        else:
            self.case_gap_mean = float("inf")
        self.churned = 0
        self.lost_revenue = 0.0
        self.customers_at_warmup = 0
        self.acquired = 0

    # ------------------------------------------------------------ setup and run

    def run(self) -> ReplicationOutput:
        # The cyclic garbage collector finds almost nothing here (the engine's garbage is acyclic and freed
        # by reference counting) but its full collections walk every live object: measured, they took half
        # of a 1,000,000-case run. Pause it for the replication; tests/test_experiments.py checks that
        # memory stays flat.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._run()
        finally:
            if enabled:
                gc.enable()

    def _run(self) -> ReplicationOutput:
        env = self.env
        customers = self.scenario.customers
        if customers is not None:
            for _ in range(customers.count):
                self._add_customer(initial=True)
            if customers.acquisition > 0:
                env.process(self._acquisition_process())
        if not self.population_arrivals:
            env.process(self._poisson_arrivals())
        for team in self.teams.values():
            for _ in range(team.agents):
                env.process(self._agent(team))
        if customers is not None:
            env.process(self._census())
        if self.warmup > 0:
            env.run(until=self.warmup)
        self.customers_at_warmup = len(self.active)
        env.run(until=self.horizon)
        return self._output()

    def _add_customer(self, initial: bool) -> Customer:
        """A customer with their own stream; initial customers signed at a random point of their term."""
        spec = self.scenario.customers
        assert spec is not None
        cid = len(self.customers)
        rng = customer_stream(self.seed, self.replication, cid)
        customer = Customer(cid, rng, float(spec.contract.monthly_value.sample(rng)), spec.loyalty)
        first_renewal = spec.contract.term * (float(rng.random()) if initial else 1.0)
        customer.slot = len(self.active)
        self.customers.append(customer)
        self.active.append(customer)
        self._schedule_renewal(customer, first_renewal)
        if self.population_arrivals:
            self._schedule_case(customer)
        return customer

    def _schedule_case(self, customer: Customer) -> None:
        """The customer's next case, from their own stream (a Poisson process per customer)."""
        if self.case_gap_mean == float("inf"):
            return  # customers who never open cases
        now = self.env.now
        gap = customer.rng.exponential(self.case_gap_mean)
        hours = self.arrival_hours
        at = now + gap if hours is None else hours.finish(now, gap)
        self.env.timeout(at - now).callbacks.append(lambda _ev, c=customer: self._customer_case(c))

    def _customer_case(self, customer: Customer) -> None:
        if not customer.active:
            return
        self._open_case(customer, customer.rng)
        self._schedule_case(customer)

    # ------------------------------------------------------------ customers

    def _poisson_arrivals(self):
        """``arrivals.process: poisson``: cases at an exact rate; each to a uniformly chosen customer."""
        env = self.env
        rng = self.streams.arrivals
        rate = self.scenario.arrivals.rate * self.concentrate  # type: ignore[operator]
        hours = self.arrival_hours
        if rate <= 0:
            return
        while True:
            gap = rng.exponential(1.0 / rate)
            now = env.now
            at = now + gap if hours is None else hours.finish(now, gap)
            yield env.timeout(at - now)
            customer = None
            if self.active:
                customer = self.active[int(rng.integers(len(self.active)))] if len(self.active) > 1 \
                    else self.active[0]
            self._open_case(customer, self.streams.case_attributes)

    def _acquisition_process(self):
        env = self.env
        spec = self.scenario.customers
        rng = self.streams.customers
        while True:
            yield env.timeout(rng.exponential(1.0 / spec.acquisition))  # type: ignore[union-attr]
            self._add_customer(initial=False)
            if env.now >= self.warmup:
                self.acquired += 1

    def _renew(self, customer: Customer) -> None:
        """A contract renewal: the customer leaves with probability 1 - loyalty, else renews for a term."""
        if not customer.active:
            return
        spec = self.scenario.customers
        if customer.rng.random() >= customer.loyalty:
            self._churn(customer)
            return
        customer.loyalty += spec.recovery * (spec.loyalty - customer.loyalty)  # type: ignore[union-attr]
        self._schedule_renewal(customer, spec.contract.term)  # type: ignore[union-attr]

    def _schedule_renewal(self, customer: Customer, delay: float) -> None:
        self.env.timeout(delay).callbacks.append(lambda _ev, c=customer: self._renew(c))

    def _census(self):
        """Customers active and monthly revenue lost so far, at TIMELINE_POINTS even times."""
        step = self.horizon / TIMELINE_POINTS
        for i in range(TIMELINE_POINTS):  # the last point, at the horizon, is taken in _output
            at = i * step
            if at > self.env.now:
                yield self.env.timeout(at - self.env.now)
            self.timeline.append((at, len(self.active), self.lost_total))

    def _churn(self, customer: Customer) -> None:
        now = self.env.now
        customer.active = False
        customer.churned_at = now
        customer.rng = None  # type: ignore[assignment]  # never drawn from again: free its generator
        last = self.active.pop()
        if last is not customer:
            self.active[customer.slot] = last
            last.slot = customer.slot
        self.lost_total += customer.monthly_value
        if now >= self.warmup:
            self.churned += 1
            self.lost_revenue += customer.monthly_value
        for case in sorted(customer.open_cases, key=lambda c: c.id):
            self._abandon(case)

    # ------------------------------------------------------------ cases

    def _open_case(self, customer: Customer | None, rng: np.random.Generator) -> None:
        """A new case; its attributes come from ``rng`` (the customer's stream, or the case-attribute
        stream for Poisson arrivals)."""
        env = self.env
        now = env.now
        ctype_i = min(bisect_right(self.cum_shares, rng.random()), len(self.ctypes) - 1)
        ctype = self.ctypes[ctype_i]
        fix_work = float(ctype.fix_time.sample(rng))
        patience_spec = self.scenario.customers.patience if self.scenario.customers else None
        patience = float(patience_spec.sample(rng)) if patience_spec is not None else None
        case = Case(next(self.case_ids), customer, ctype_i, now, fix_work, counted=now >= self.warmup)
        case.contact = self.effort.contact
        self.cases_simulated += 1
        if case.counted:
            self.open_counted[case.id] = case
        if customer is not None:
            customer.open_cases.add(case)
        team = self.router.intake(ctype_i)
        if case.counted:
            key = ("intake", team)
            self.flows[key] = self.flows.get(key, 0) + 1
        case.home = team
        case.visited.add(team)
        self._enqueue(self.teams[team], case, ctype.severity, now, CUSTOMER)
        if patience is not None:
            env.timeout(patience).callbacks.append(lambda _ev, c=case: self._patience_over(c))

    def _enqueue(self, team: TeamState, case: Case, priority: int, place: float, mode: int) -> None:
        case.queued_at = self.env.now
        heapq.heappush(team.queue, (priority, place, next(self.seq), case, mode))
        if team.idle:
            team.idle.pop().succeed()

    def _accrue_chasing(self, case: Case, now: float) -> None:
        if case.wait_mark is not None:
            case.waiting += (now - case.wait_mark) * self.effort.chasing * case.chase_factor
        case.wait_mark = None

    def _close_ticket(self, case: Case, reason: str) -> None:
        now = self.env.now
        case.ticket_open = False
        if now >= self.warmup:
            self.tickets.add(reason, handle=case.ticket_work, open_hours=now - case.ticket_opened)

    def _new_ticket(self, case: Case) -> None:
        case.rounds = 0
        case.tickets += 1
        case.ticket_opened = self.env.now
        case.ticket_work = 0.0
        case.ticket_open = True

    def _settle_session(self, case: Case, now: float) -> None:
        """A case ending (or the horizon) during a session: count the part of it done so far."""
        if case.in_session is None:
            return
        start, end, contact, work = case.in_session
        share = (now - start) / (end - start) if end > start else 1.0
        case.contact += contact * share
        case.ticket_work += work * share
        case.in_session = None

    def _end_case(self, case: Case, status: str) -> None:
        now = self.env.now
        self._settle_session(case, now)
        self._accrue_chasing(case, now)
        case.status = status
        case.ended = now
        if case.counted:
            del self.open_counted[case.id]
            self._fold(case)
        # Pending timers (patience) keep ended cases alive for weeks: drop what they no longer need.
        case.visits = []
        case.visited = set()
        customer = case.customer
        if customer is None:
            return
        customer.open_cases.discard(case)
        churn = self.scenario.churn
        score = experience_score(
            churn, effort_hours=case.contact + case.waiting + case.reexplain + case.reopen_effort,
            transfers=case.transfers, reopens=case.reopens, days=(now - case.opened) / 24.0,
            resolved=status == RESOLVED,
        )
        customer.loyalty *= 1.0 - leave_probability(churn, score)

    def _patience_over(self, case: Case) -> None:
        if case.status is OPEN and case.believes_fixed:
            # The customer thinks a premature closure fixed it: they give up when they find out it did not.
            case.gave_up = True
            return
        self._abandon(case)

    def _abandon(self, case: Case) -> None:
        """The customer gives up (patience ran out, or they left): the case ends unresolved."""
        if case.status is not OPEN:
            return
        self._settle_session(case, self.env.now)
        if case.ticket_open:
            self._close_ticket(case, "abandoned")
        self._end_case(case, ABANDONED)

    def _reopen(self, case: Case, team: TeamState) -> None:
        """The customer discovers a premature closure and reopens: a new ticket at the back of the line."""
        if case.status is not OPEN:
            return
        now = self.env.now
        case.believes_fixed = False
        case.reopen_effort += self.effort.reopen
        if case.gave_up:
            self._end_case(case, ABANDONED)  # patience ran out while they thought it was fixed
            return
        case.reopens += 1
        self._new_ticket(case)
        case.wait_mark = now
        case.place = now
        self._enqueue(team, case, self.ctypes[case.ctype].severity, now, CUSTOMER)

    # ------------------------------------------------------------ agents

    def _agent(self, team: TeamState):
        env = self.env
        queue = team.queue
        hours = team.hours
        always = hours.always_open
        while True:
            if not always:
                now = env.now
                start = hours.next_open(now)
                if start > now:
                    yield env.timeout(start - now)
            if not queue:
                wake = env.event()
                team.idle.append(wake)
                yield wake
                continue
            _, _, _, case, mode = heapq.heappop(queue)
            if case.status is not OPEN:
                continue  # abandoned while waiting in line
            yield from self._session(team, case, mode)

    def _session(self, team: TeamState, case: Case, mode: int):
        env = self.env
        now = env.now
        ctype = self.ctypes[case.ctype]
        act = self.behaviour
        policy = self.policy
        handling = self.streams.handling
        decide = self.streams.behaviour
        if mode == CUSTOMER:
            self._accrue_chasing(case, now)  # in contact: no chasing (it goes on during internal work)
        skill = team.skill_for[case.ctype]
        diagnosis = float(ctype.diagnosis_time.sample(handling)) * case.briefed * (1.0 - act.rush)
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
            if decide.random() < proficiency * (1.0 - act.rush_penalty):
                fix = case.fix_work / speed
                if act.deflection and fix > act.deflect_over and decide.random() < act.deflection:
                    fix = 0.0  # "not in my lane": a long in-skill case is sent away
                elif act.premature_closure and decide.random() < act.premature_closure:
                    outcome, fix = PREMATURE, fix * act.partial_fix
                else:
                    outcome = FIXED
        hands_on = diagnosis + fix
        work = max(hands_on + policy.handoff_time, MIN_HAND_ON) if outcome == HAND_ON else hands_on
        contact = 0.0
        if mode == CUSTOMER:
            contact = hands_on * self.effort.presence
            case.reexplain += case.reexplain_due  # re-explaining opens the session
            case.reexplain_due = 0.0
        end = team.hours.finish(now, work)
        self._account_busy(team, now, end)
        case.in_session = (now, end, contact, work)
        yield env.timeout(end - now)
        case.in_session = None
        case.sessions += 1
        if case.counted:
            case.visits.append(Visit(case.tickets, team.name, case.queued_at, now, end, work, outcome, mode))
        if case.status is not OPEN:
            return  # the customer gave up or left during the session (accounted for in _end_case)
        case.contact += contact
        case.ticket_work += work
        if outcome == FIXED:
            case.first_session_fix = case.sessions == 1
            self._close_ticket(case, "resolved")
            self._end_case(case, RESOLVED)
        elif outcome == PREMATURE:
            self._close_ticket(case, "resolved")  # the dashboard counts it resolved; the customer does not
            self._accrue_chasing(case, env.now)
            case.believes_fixed = True
            delay = float(self.effort.discovery_time.sample(decide))
            # The customer goes back to whoever they deal with: that team, or their owner.
            back = team if policy.customer_follows else self.teams[case.home]
            env.timeout(delay).callbacks.append(lambda _ev, c=case, t=back: self._reopen(c, t))
        elif outcome == ASK:
            case.rounds += 1
            case.contact += self.effort.reply
            delay = float(self.effort.reply_time.sample(decide))
            env.timeout(delay).callbacks.append(lambda _ev, c=case, t=team: self._replied(c, t))
        else:
            self._hand_on(team, case, mode)

    def _replied(self, case: Case, team: TeamState) -> None:
        """The customer answered: the ticket rejoins the back of the team's queue."""
        if case.status is not OPEN:
            return
        now = self.env.now
        case.wait_mark = now
        self._enqueue(team, case, self.ctypes[case.ctype].severity, now, CUSTOMER)

    def _hand_on(self, team: TeamState, case: Case, mode: int) -> None:
        now = self.env.now
        policy = self.policy
        visited = case.visited if policy.remembers_visited else None
        target = self.router.hand_on(case.ctype, team.name, case.transfers, visited)
        self._accrue_chasing(case, now)  # internal work ends: settle chasing at the old rate
        if target == team.name:  # nowhere else to go: back in the same queue, not a transfer
            case.wait_mark = now
            case.place = now
            self._enqueue(team, case, self.ctypes[case.ctype].severity, now, mode)
            return
        case.transfers += 1
        if case.counted:
            key = (team.name, target)
            self.flows[key] = self.flows.get(key, 0) + 1
        case.rounds = 0
        case.visited.add(target)
        if policy.new_ticket:
            self._close_ticket(case, "transferred")
            self._new_ticket(case)
        if policy.customer_follows:
            case.reexplain_due += self.effort.reexplain * policy.reexplain
        case.chase_factor = policy.chasing
        case.briefed = policy.briefing
        case.wait_mark = now
        place = case.place if policy.keep_place else now
        case.place = place
        priority = 0 if policy.jump_queue else self.ctypes[case.ctype].severity
        mode = CUSTOMER if policy.customer_follows else INTERNAL
        self._enqueue(self.teams[target], case, priority, place, mode)

    def _account_busy(self, team: TeamState, start: float, end: float) -> None:
        a = max(start, self.warmup)
        b = min(end, self.horizon)
        if b > a:
            team.busy += b - a if team.hours.always_open else team.hours.open_hours(a, b)

    # ------------------------------------------------------------ output

    def _fold(self, case: Case) -> None:
        """Add a counted case, ended or open at the horizon, to the streaming statistics and samples."""
        resolved = case.status is RESOLVED
        days = (case.ended - case.opened) / 24.0 if resolved else NAN  # type: ignore[operator]
        values = dict(status=case.status, contact=case.contact, waiting=case.waiting,
                      reexplain=case.reexplain, reopen=case.reopen_effort, transfers=case.transfers,
                      tickets=case.tickets, reopens=case.reopens, fcr=resolved and case.first_session_fix,
                      days=days)
        self.stats.add(**values)
        self.type_stats[case.ctype].add(**values)
        effort = case.contact + case.waiting + case.reexplain + case.reopen_effort
        mode = self.case_mode
        keep = mode == "all"
        slot = -1
        if mode == "sample":
            # Reservoir sampling (algorithm R) from its own stream: a uniform sample of fixed size.
            seen = self.counted_ended
            if seen < SAMPLE_SIZE:
                keep, slot = True, seen
            else:
                j = int(self.streams.case_sample.integers(seen + 1))
                keep, slot = j < SAMPLE_SIZE, j
        self.counted_ended += 1
        worst = self.worst is None or effort > self.worst[0].effort_hours
        if not (keep or worst):
            return
        record = self._record(case, days)
        if keep:
            if slot < 0 or slot == len(self.kept):
                self.kept.append((record, case.customer))
            else:
                self.kept[slot] = (record, case.customer)
        if worst:
            self.worst = (record, case.customer)

    def _record(self, case: Case, days: float) -> CaseRecord:
        customer = case.customer
        return CaseRecord(
            case_id=case.id,
            customer_id=-1 if customer is None else customer.id,
            case_type=self.ctype_names[case.ctype],
            opened_at_hours=case.opened,
            status=case.status,
            resolution_days=days,
            ended_at_hours=case.ended if case.ended is not None else NAN,
            effort_contact_hours=case.contact,
            effort_waiting_hours=case.waiting,
            effort_reexplain_hours=case.reexplain,
            effort_reopen_hours=case.reopen_effort,
            tickets=case.tickets,
            transfers=case.transfers,
            reopens=case.reopens,
            sessions=case.sessions,
            first_contact_resolution=case.status is RESOLVED and case.first_session_fix,
            churned=False,
            visits=tuple(case.visits),
        )

    def _output(self) -> ReplicationOutput:
        horizon = self.horizon
        for case in self.open_counted.values():
            self._settle_session(case, horizon)
            self._accrue_chasing(case, horizon)
            self._fold(case)  # open at the horizon: effort so far (censored)

        def final(kept: tuple[CaseRecord, Customer | None]) -> CaseRecord:
            record, customer = kept  # whether the customer churned is known only now
            churned = customer is not None and customer.churned_at is not None
            return replace(record, churned=churned) if churned else record

        records = sorted((final(k) for k in self.kept), key=lambda r: r.case_id)
        if self.scenario.customers is not None:
            self.timeline.append((horizon, len(self.active), self.lost_total))
        window = horizon - self.warmup
        teams = []
        for team in self.teams.values():
            open_hours = window if team.hours.always_open else team.hours.open_hours(self.warmup, horizon)
            teams.append(TeamRecord(team.name, team.agents, open_hours, team.busy, team.cost))
        return ReplicationOutput(
            design=self.design_name,
            replication=self.replication,
            seed=self.seed,
            window_hours=window,
            stats=self.stats,
            type_stats=dict(zip(self.ctype_names, self.type_stats, strict=True)),
            cases=records,
            case_mode=self.case_mode,
            worst_case=final(self.worst) if self.worst else None,
            flows=dict(sorted(self.flows.items())),
            timeline=list(self.timeline),
            cases_simulated=self.cases_simulated,
            tickets=self.tickets,
            teams=teams,
            customers_at_start=self.customers_at_warmup + self.acquired,
            customers_churned=self.churned,
            lost_revenue=self.lost_revenue,
        )
