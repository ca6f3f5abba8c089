"""Cases and their tickets: the customer's problem, the company's records of it, and its cost to the customer.

A ``Case`` is the customer's problem from first contact to real resolution; a ``Ticket`` is the company's
record of it, and one case can spawn many (each cold transfer and each reopen opens a new one). Every hour
the case costs its customer accrues in its ``EffortLedger``, by cause, and nowhere else. ``Cases`` is the
room of the engine that opens cases, closes and opens tickets, and ends cases (resolved or abandoned); it
appends facts to the case and emits events, and never folds statistics.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import count
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from cxsim.engine.chasing import Chasing
from cxsim.errors import OpenCasesError
from cxsim.units import format_duration
from cxsim.working_hours import WorkingHours

if TYPE_CHECKING:
    from cxsim.engine.population import Customer
    from cxsim.engine.replication import Replication
    from cxsim.engine.work import Team

OPEN, RESOLVED, ABANDONED = "open", "resolved", "abandoned"
CUSTOMER, INTERNAL = 0, 1  # session with the customer present / internal or expert work without them
FIXED, PREMATURE, HAND_ON, ASK = "fixed", "closed_unfixed", "handed_on", "asked_customer"
BUSINESS = WorkingHours.business()  # chasing hours of anonymous customers (no customers block)
INTERRUPTED = "interrupted"  # a visit's outcome when the case ended, or the horizon came, during the session
#: Cases one replication may hold open at once, and entries one team's queue may hold (about 4 GB at the ~2 KB
#: each measured, cxsim.run_size): more means a backlog that only grows, and the run stops with an
#: OpenCasesError instead of exhausting memory.
MAX_OPEN_CASES = 2_000_000


class Visit(NamedTuple):
    """One agent session on a case: the team, when the case joined the queue, the session, its outcome."""

    ticket: int
    team: str
    queued_at: float
    started_at: float
    ended_at: float
    work_hours: float
    outcome: str  # fixed, closed_unfixed, handed_on, asked_customer or interrupted (the part done so far)
    customer_present: int  # 0: session with the customer; 1: internal or expert work


class EffortLedger:
    """Hours of the customer's own time one case costs, by cause; the only place where effort accrues.

    Causes: ``contact`` (opening the case, attending sessions, answering requests), ``waiting`` (chasing
    while the case waits, in the customer's working hours, as ``engine.chasing`` rules: the scenario's pace
    times the transfer policy's factor and the severity's, capped per day), ``reexplain`` (owed at a
    transfer, spent when the next session opens) and ``reopen`` (finding a premature closure).
    """

    __slots__ = ("contact", "waiting", "reexplain", "reopen", "reexplain_due", "wait_mark", "chase_factor",
                 "rule", "severity_factor", "cap_day", "cap_used")

    def __init__(self, contact: float, since: float, rule: Chasing, severity: int = 3) -> None:
        self.contact = contact
        self.waiting = 0.0
        self.reexplain = 0.0
        self.reopen = 0.0
        self.reexplain_due = 0.0
        self.wait_mark: float | None = since  # chasing accrues from here while the case waits
        self.chase_factor = 1.0  # the transfer policy's
        self.rule = rule
        self.severity_factor = rule.severity[severity]
        self.cap_day = -1  # the calendar day of the last chasing, and what was chased on it (for the cap)
        self.cap_used = 0.0

    @property
    def total(self) -> float:
        return self.contact + self.waiting + self.reexplain + self.reopen

    def total_at(self, now: float) -> float:
        """The total so far, with the chasing of a wait still under way (nothing is settled)."""
        if self.wait_mark is None:
            return self.total
        chased, _, _ = self.rule.amount(self.wait_mark, now, self.chase_factor * self.severity_factor,
                                        self.cap_day, self.cap_used)
        return self.total + chased

    def start_waiting(self, now: float) -> None:
        self.wait_mark = now

    def stop_waiting(self, now: float) -> None:
        """Chasing from the last mark to ``now`` (nothing if the case was not waiting)."""
        if self.wait_mark is not None:
            chased, self.cap_day, self.cap_used = self.rule.amount(
                self.wait_mark, now, self.chase_factor * self.severity_factor, self.cap_day, self.cap_used)
            self.waiting += chased
        self.wait_mark = None

    def owe_reexplain(self, hours: float) -> None:
        self.reexplain_due += hours

    def pay_reexplain(self) -> None:
        """Re-explaining opens the next session with the customer."""
        self.reexplain += self.reexplain_due
        self.reexplain_due = 0.0


class Ticket:
    """The company's record: what the dashboard counts (opened, agent work on it, closed and why)."""

    __slots__ = ("number", "opened", "work", "open")

    def __init__(self, number: int, opened: float) -> None:
        self.number = number  # 1 for the case's first ticket
        self.opened = opened
        self.work = 0.0  # agent hours on this ticket
        self.open = True


class Case:
    """The customer's problem from first contact to real resolution, as the engine moves it along."""

    __slots__ = (
        "id", "customer", "ctype", "opened", "fix_work", "counted", "status", "ended", "ticket", "effort",
        "transfers", "reopens", "sessions", "first_session_fix", "briefed", "visited", "place", "visits",
        "queued_at", "rounds", "believes_fixed", "home", "in_session",
        "patience", "waiting_since", "queue_hours", "clock", "owner",
    )

    def __init__(self, cid: int, customer: Customer | None, ctype: int, opened: float, fix_work: float,
                 counted: bool, effort: EffortLedger) -> None:
        self.id = cid
        self.customer = customer
        self.ctype = ctype
        self.opened = opened
        self.fix_work = fix_work
        self.counted = counted  # opened after the warm-up: measured
        self.status = OPEN
        self.ended: float | None = None
        self.ticket = Ticket(1, opened)
        self.effort = effort
        self.transfers = 0
        self.reopens = 0
        self.sessions = 0
        self.first_session_fix = False
        self.briefed = 1.0  # share of the usual diagnosis the next agent needs (context passed on)
        self.visited: set[str] = set()
        self.place = opened  # place in line (earlier is served first at equal priority)
        self.visits: list[tuple] = []  # the fields of a Visit per session (while the case is open)
        self.queued_at = opened
        self.rounds = 0  # sessions with the customer at the current team so far
        self.believes_fixed = False  # after a premature closure, until the customer finds out
        self.home = ""  # the team intake sent it to: the owner's team under owner/swarm policies
        self.in_session: tuple | None = None  # start, end, contact, work, outcome, mode, team
        # of the session under way
        self.patience: float | None = None  # hours of waiting on the company the customer still accepts
        self.waiting_since: float | None = None  # in a queue since then (None: not waiting on the company)
        self.queue_hours = 0.0  # hours spent in queues so far
        self.clock = 0  # bumped whenever the patience clock stops: older timers are void
        self.owner = None  # the agent who owns the current ticket (asked the customer for more), if any

    @property
    def tickets(self) -> int:
        """Tickets the company opened for this case so far."""
        return self.ticket.number

    def __hash__(self) -> int:
        return self.id


class Cases:
    """Opens cases, keeps their tickets, and ends them; the engine's room for the case lifecycle."""

    def __init__(self, rep: Replication) -> None:
        self.rep = rep
        self.env = rep.env
        self.events = rep.events
        scenario = rep.scenario
        self.ctypes = list(scenario.case_types.values())
        self.severity = [ct.severity for ct in self.ctypes]
        # rng.random() < 1.0 = the last cumulative share, so bisect_right always lands on a case type.
        self.cum_shares = [float(x) for x in np.cumsum([ct.share for ct in self.ctypes])]
        self.cum_shares[-1] = 1.0
        self.effort = scenario.effort
        self.chasing = Chasing(scenario.effort, scenario.customers.hours if scenario.customers else BUSINESS)
        self.warmup = rep.warmup
        self.patience = scenario.customers.patience if scenario.customers else None
        self.ids = count()
        self.open: dict[int, Case] = {}  # insertion-ordered: cases still open at the horizon end in order
        self.max_open = MAX_OPEN_CASES
        # Bound once: these run for every case.
        self.intake = rep.routing.intake
        self.enqueue = rep.work.enqueue
        self.teams = rep.work.teams
        self.case_opened = rep.events.case_opened
        self.case_ended = rep.events.case_ended
        self.ticket_closed = rep.events.ticket_closed

    # ------------------------------------------------------------ opening

    def open_case(self, customer: Customer | None, rng: np.random.Generator) -> None:
        """A new case; its attributes come from ``rng`` (the customer's stream, or the case-attribute
        stream for Poisson arrivals)."""
        now = self.env.now
        ctype_i = bisect_right(self.cum_shares, rng.random())
        ctype = self.ctypes[ctype_i]
        fix_work = float(ctype.fix_time.sample(rng))
        patience = float(self.patience.sample(rng)) if self.patience is not None else None
        effort = EffortLedger(self.effort.contact, now, self.chasing, ctype.severity)
        case = Case(next(self.ids), customer, ctype_i, now, fix_work, now >= self.warmup, effort)
        case.patience = patience
        self.open[case.id] = case
        if len(self.open) > self.max_open:
            raise self.overloaded()
        if customer is not None:
            customer.open_cases.add(case)
        team = self.intake(ctype_i)
        case.home = team
        case.visited.add(team)
        self.case_opened(case, team)
        self.enqueue(self.teams[team], case, ctype.severity, now, CUSTOMER)

    def overloaded(self) -> OpenCasesError:
        """The error that stops a replication holding more than ``max_open`` cases open, or queue entries in
        one team (cases that ended while queued stay in line until reached), located at the design."""
        rep = self.rep
        team = max(self.teams.values(), key=lambda t: len(t.queue))
        return rep.scenario.error_at(
            ("designs", rep.design_name),
            f"replication {rep.replication + 1} of design {rep.design_name!r} stopped after "
            f"{format_duration(self.env.now)} holding more than {self.max_open:,} cases at once "
            f"({len(self.open):,} open, {len(team.queue):,} in team {team.name}'s queue): more cases arrive "
            "or come back than its teams close; the limit is cxsim.engine.cases.MAX_OPEN_CASES "
            "(--allow-large does not lift it): add agents, lower the case rate or shorten the horizon",
            OpenCasesError)

    # ------------------------------------------------------------ tickets

    def close_ticket(self, case: Case, reason: str) -> None:
        case.ticket.open = False
        self.ticket_closed(case, reason, self.env.now)

    def new_ticket(self, case: Case) -> None:
        case.rounds = 0
        case.ticket = Ticket(case.ticket.number + 1, self.env.now)

    # ------------------------------------------------------------ session outcomes

    def settle_session(self, case: Case, now: float) -> None:
        """A case ending (or the horizon) during a session: count the part of it done so far, and keep it
        as the case's last visit (outcome ``interrupted``)."""
        if case.in_session is None:
            return
        start, end, contact, work, _, mode, team = case.in_session
        share = (now - start) / (end - start) if end > start else 1.0
        case.effort.contact += contact * share
        case.ticket.work += work * share
        if case.counted:
            case.visits.append((case.ticket.number, team, case.queued_at, start, now, work * share,
                                INTERRUPTED, mode))
        case.in_session = None

    def resolved(self, case: Case) -> None:
        """The agent fixed it: the ticket closes resolved, and so does the case."""
        case.first_session_fix = case.sessions == 1
        self.close_ticket(case, "resolved")
        self.end(case, RESOLVED)

    def closed_unfixed(self, case: Case, team: Team, rng: np.random.Generator) -> None:
        """A premature closure: the dashboard counts it resolved; the customer finds out later and goes back
        to whoever they deal with (that team, or their owner's)."""
        rep = self.rep
        self.close_ticket(case, "resolved")
        case.effort.stop_waiting(self.env.now)
        case.believes_fixed = True
        delay = float(self.effort.discovery_time.sample(rng))
        back = team if rep.routing.policy.customer_follows else rep.work.teams[case.home]
        self.env.timeout(delay).callbacks.append(lambda _ev, c=case, t=back: self.reopen(c, t))

    def ask_customer(self, case: Case, team: Team, rng: np.random.Generator) -> None:
        """Not enough to go on yet: the customer collects logs or runs a test, then replies."""
        case.rounds += 1
        case.effort.contact += self.effort.reply
        delay = float(self.effort.reply_time.sample(rng))
        self.env.timeout(delay).callbacks.append(lambda _ev, c=case, t=team: self.replied(c, t))

    def replied(self, case: Case, team: Team) -> None:
        """The customer answered: the ticket returns to its owner (``tickets.owned``), or rejoins the back of
        the team's queue."""
        if case.status is not OPEN:
            return
        now = self.env.now
        case.effort.start_waiting(now)
        if case.owner is not None:
            self.rep.work.return_to_owner(case, now)
        else:
            self.rep.work.enqueue(team, case, self.severity[case.ctype], now, CUSTOMER)

    def reopen(self, case: Case, team: Team) -> None:
        """The customer discovers a premature closure and reopens: a new ticket at the back of the line."""
        if case.status is not OPEN:
            return
        now = self.env.now
        case.believes_fixed = False
        case.effort.reopen += self.effort.reopen
        case.reopens += 1
        self.new_ticket(case)
        case.effort.start_waiting(now)
        case.place = now
        self.rep.work.enqueue(team, case, self.severity[case.ctype], now, CUSTOMER)

    # ------------------------------------------------------------ ending

    # The patience clock runs only while the case waits on the company: from joining a queue (a team's, or
    # its owner's) to the start of the next session. ``case.patience`` is what is left of it.

    def queued(self, case: Case, now: float) -> None:
        """The case joins a queue: the patience clock (re)starts with what is left of it."""
        case.waiting_since = now
        if case.patience is not None:
            case.clock += 1
            over = self.patience_over
            self.env.timeout(case.patience).callbacks.append(lambda _ev, c=case, k=case.clock: over(c, k))

    def dequeued(self, case: Case, now: float) -> None:
        """A session starts: the wait in the queue is over, and the patience clock stops."""
        since = case.waiting_since
        if since is None:
            return
        waited = now - since
        case.queue_hours += waited
        case.waiting_since = None
        if case.patience is not None:
            case.patience = max(0.0, case.patience - waited)
            case.clock += 1

    def patience_over(self, case: Case, clock: int) -> None:
        """The customer's patience ran out while the case was still waiting in the same queue."""
        if case.status is OPEN and case.clock == clock and case.waiting_since is not None:
            self.abandon(case)

    def abandon(self, case: Case) -> None:
        """The customer gives up (patience ran out, or they left): the case ends unresolved."""
        if case.status is not OPEN:
            return
        self.settle_session(case, self.env.now)
        if case.ticket.open:
            self.close_ticket(case, "abandoned")
        self.end(case, ABANDONED)

    def end(self, case: Case, status: str) -> None:
        now = self.env.now
        self.settle_session(case, now)
        if case.waiting_since is not None:  # ends while waiting in a queue
            case.queue_hours += now - case.waiting_since
            case.waiting_since = None
        case.effort.stop_waiting(now)
        case.status = status
        case.ended = now
        del self.open[case.id]
        self.case_ended(case)
        # Pending timers (patience) keep ended cases alive for weeks: drop what they no longer need.
        case.visits = case.visited = None  # type: ignore[assignment]
        if case.customer is not None:
            self.rep.population.case_finished(case)

    def censor(self, horizon: float) -> None:
        """The horizon: every case still open stops accruing effort here and is reported as open."""
        for case in self.open.values():
            self.settle_session(case, horizon)
            if case.waiting_since is not None:  # still in a queue: its wait so far
                case.queue_hours += horizon - case.waiting_since
                case.waiting_since = None
            case.effort.stop_waiting(horizon)
            self.events.case_censored(case)

