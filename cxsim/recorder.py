"""The recorder: listens to one replication's engine events and turns them into its ``ReplicationOutput``.

It owns every measurement the engine does not make: the measured window (cases opened after the warm-up
are counted; tickets, work and churn count from the end of the warm-up), streamed case statistics (constant
memory whatever the number of cases), the per-case records kept (all, a uniform reservoir sample, or none),
the worst journey, hand-off flows between teams, each counted case's route (distinct teams, ping-pong),
ticket totals for the dashboard, agents' busy hours and the customer base over time.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING

from cxsim.accumulators import CaseStats
from cxsim.engine.cases import ABANDONED, HAND_ON, OPEN, RESOLVED, Visit
from cxsim.engine.events import Listener
from cxsim.engine.streams import stream
from cxsim.records import CaseRecord, ReplicationOutput, ServiceStats, TeamRecord, TeamService, TicketTotals

if TYPE_CHECKING:
    from cxsim.engine.cases import Case
    from cxsim.engine.population import Customer
    from cxsim.engine.replication import Replication
    from cxsim.engine.work import Team

NAN = float("nan")
CASE_MODES = ("all", "sample", "none")
SAMPLE_SIZE = 1000  # cases kept per replication with cases="sample" (a uniform reservoir sample)
TIMELINE_POINTS = 60  # samples of the customer base over the horizon
# A kept case's steps (CaseRecord.steps): intake sent it to a team, a hand-off sent it on, a session began.
OPENED, ASSIGNED, SESSION = "opened", "assigned", "session"
BATCH = 1024  # ended cases folded into the statistics at once (see CaseStats.extend)


class Recorder(Listener):
    """Turns one replication's events into its outputs; read them with ``output()`` after the run."""

    def __init__(self, cases: str = "sample") -> None:
        if cases not in CASE_MODES:
            raise ValueError(f"cases must be one of {', '.join(CASE_MODES)}, not {cases!r}")
        self.case_mode = cases
        self.cases_simulated = 0
        self.stats = CaseStats()
        self.type_stats: list[CaseStats] = []
        self.rows: list[tuple] = []  # ended cases not yet folded into the statistics: (case type, *COLUMNS)
        # All counted cases, or the reservoir sample, with their customer: whether they churned is known only
        # at the end (a bounded number of customers kept alive: at most the sample's, plus the worst's).
        self.kept: list[tuple[CaseRecord, Customer | None]] = []
        self.counted_ended = 0
        self.worst: tuple[CaseRecord, Customer | None] | None = None
        self.worst_effort = -1.0
        self.flows: dict[tuple[str, str], int] = {}  # (from, to) -> hand-offs of counted cases
        # Open counted cases' routes: case id -> (teams sent to, teams handed on from, [returned]).
        self.routes: dict[int, tuple[set[str], set[str], list[bool]]] = {}
        # Open counted cases' steps while per-case records are kept: case id -> [(hours, team, activity)].
        self.steps: dict[int, list[tuple[float, str, str]]] = {}
        self.tickets = TicketTotals()
        self.busy: dict[str, float] = {}
        # The customer base: active now, at the end of the warm-up, and what has joined or left since.
        self.active = 0
        self.at_window = 0
        self.acquired = 0
        self.churned = 0
        self.lost_revenue = 0.0  # monthly value of the customers lost in the measured window
        self.lost_total = 0.0  # ... and since the start (for the timeline)
        self.renewals = 0  # renewal decisions in the measured window that kept the customer
        self.timeline: list[tuple[float, int, float]] = []  # (time, customers active, lost MRR so far)
        self.next_sample = 0
        # Operations: first responses, queue waits per team, the daily backlog (ServiceStats).
        self.service = ServiceStats()
        self.awaiting: set[int] = set()  # counted cases not yet served once (their first response)
        self.open_now = 0
        self.next_day = 0
        self.severity_waits: dict[int, list] = {}  # severity -> [hours waited in queues, cases]

    # ------------------------------------------------------------ the run

    def started(self, replication: Replication) -> None:
        self.replication = replication
        self.warmup = replication.warmup
        self.horizon = replication.horizon
        self.ctype_names = list(replication.scenario.case_types)
        self.type_stats = [CaseStats() for _ in self.ctype_names]
        self.severities = [ct.severity for ct in replication.scenario.case_types.values()]
        self.severity_waits = {s: [0.0, 0] for s in sorted(set(self.severities))}
        self.busy = {name: 0.0 for name in replication.teams}
        self.sample_rng = stream(replication.seed, replication.replication, "case_sample")
        self.has_customers = replication.scenario.customers is not None
        self.sample_step = self.horizon / TIMELINE_POINTS
        scenario = replication.scenario
        self.response_target = scenario.service_level.target
        targets = scenario.service_level.resolution or {}
        self.sla_targets = [targets.get(ct.severity) for ct in scenario.case_types.values()]
        self.intake_team = replication.design.intake.team
        self.service.teams = {name: TeamService() for name in replication.teams}

    def window_opened(self, now: float) -> None:
        self.at_window = self.active
        for name, team in self.replication.teams.items():
            self.service.teams[name].queued_at_window = _queued(team)

    # ------------------------------------------------------------ customers

    def _census(self, now: float) -> None:
        """The customer base at every timeline point passed before ``now``, before the event at ``now``."""
        while self.next_sample < TIMELINE_POINTS and self.next_sample * self.sample_step < now:
            self.timeline.append((self.next_sample * self.sample_step, self.active, self.lost_total))
            self.next_sample += 1

    def customer_joined(self, customer: Customer, now: float, initial: bool) -> None:
        self._census(now)
        self.active += 1
        if not initial and now >= self.warmup:
            self.acquired += 1

    def customer_renewed(self, customer: Customer, now: float) -> None:
        if now >= self.warmup:
            self.renewals += 1

    def customer_churned(self, customer: Customer, now: float) -> None:
        self._census(now)
        self.active -= 1
        self.lost_total += customer.monthly_value
        if now >= self.warmup:
            self.churned += 1
            self.lost_revenue += customer.monthly_value

    # ------------------------------------------------------------ cases, tickets and work

    def case_opened(self, case: Case, team: str) -> None:
        self._days(case.opened)
        self.open_now += 1
        if case.counted:
            self.awaiting.add(case.id)
        self.cases_simulated += 1
        if case.counted:
            key = ("intake", team)
            self.flows[key] = self.flows.get(key, 0) + 1
            self.routes[case.id] = ({team}, set(), [False])
            if self.case_mode != "none":
                self.steps[case.id] = [(case.opened, team, OPENED)]

    def hand_off(self, case: Case, source: str, target: str, now: float) -> None:
        if case.counted:
            key = (source, target)
            self.flows[key] = self.flows.get(key, 0) + 1
            teams, left, returned = self.routes[case.id]
            left.add(source)
            teams.add(target)
            if target in left:
                returned[0] = True  # ping-pong: back to a team that handed it on
            steps = self.steps.get(case.id)
            if steps is not None:
                steps.append((now, target, ASSIGNED))

    def ticket_closed(self, case: Case, reason: str, now: float) -> None:
        if now >= self.warmup:
            ticket = case.ticket
            self.tickets.add(reason, ticket.work, now - ticket.opened)

    def session_started(self, team: Team, start: float, end: float) -> None:
        """Agent-hours worked inside the measured window (and inside the team's working hours)."""
        a = start if start > self.warmup else self.warmup
        b = end if end < self.horizon else self.horizon
        if b > a:
            self.busy[team.name] += b - a if team.hours.always_open else team.hours.open_hours(a, b)

    def case_ended(self, case: Case) -> None:
        """Add a counted case, ended or open at the horizon, to the statistics and samples."""
        self._service_ended(case)
        if not case.counted:
            return
        teams, _, returned = self.routes.pop(case.id)
        steps = self.steps.pop(case.id, ())
        self.stats.add_route(len(teams), returned[0])
        self.type_stats[case.ctype].add_route(len(teams), returned[0])
        waits = self.severity_waits[self.severities[case.ctype]]
        waits[0] += case.queue_hours  # to its end, or the horizon
        waits[1] += 1
        status = case.status
        resolved = status is RESOLVED
        end = self.horizon if case.ended is None else case.ended  # open at the horizon: censored there
        days_open = (end - case.opened) / 24.0
        days = days_open if resolved else NAN
        effort = case.effort
        contact, waiting, reexplain, reopen = effort.contact, effort.waiting, effort.reexplain, effort.reopen
        rows = self.rows
        rows.append((case.ctype, status, contact, waiting, reexplain, reopen, case.transfers,
                     case.ticket.number, case.reopens > 0, resolved and case.first_session_fix, days,
                     days_open))
        if len(rows) >= BATCH:
            self._fold()
        total = contact + waiting + reexplain + reopen
        mode = self.case_mode
        keep = mode == "all"
        slot = -1
        if mode == "sample":
            # Reservoir sampling (algorithm R) from its own stream: a uniform sample of fixed size.
            seen = self.counted_ended
            if seen < SAMPLE_SIZE:
                keep, slot = True, seen
            else:
                j = int(self.sample_rng.integers(seen + 1))
                keep, slot = j < SAMPLE_SIZE, j
        self.counted_ended += 1
        worst = total > self.worst_effort
        if not (keep or worst):
            return
        record = self._record(case, days, days_open, steps)
        if keep:
            if slot < 0 or slot == len(self.kept):
                self.kept.append((record, case.customer))
            else:
                self.kept[slot] = (record, case.customer)
        if worst:
            self.worst, self.worst_effort = (record, case.customer), total

    def _fold(self) -> None:
        """The buffered cases into the statistics: all of them, then each case type's (in case order)."""
        rows, self.rows = self.rows, []
        if not rows:
            return
        self.stats.extend(tuple(zip(*rows, strict=True))[1:], quantiles=False)  # merged at the end
        rows.sort(key=itemgetter(0))  # stable: each type's cases stay in the order they ended
        for ctype, group in groupby(rows, key=itemgetter(0)):
            self.type_stats[ctype].extend(tuple(zip(*group, strict=True))[1:])

    case_censored = case_ended  # open at the horizon: its effort so far (censored)

    def _record(self, case: Case, days: float, days_open: float, steps=()) -> CaseRecord:
        customer = case.customer
        effort = case.effort
        return CaseRecord(
            case_id=case.id,
            customer_id=-1 if customer is None else customer.id,
            case_type=self.ctype_names[case.ctype],
            opened_at_hours=case.opened,
            status=case.status,
            resolution_days=days,
            ended_at_hours=case.ended if case.ended is not None else NAN,
            effort_contact_hours=effort.contact,
            effort_waiting_hours=effort.waiting,
            effort_reexplain_hours=effort.reexplain,
            effort_reopen_hours=effort.reopen,
            tickets=case.ticket.number,
            transfers=case.transfers,
            reopens=case.reopens,
            sessions=case.sessions,
            first_contact_resolution=case.status is RESOLVED and case.first_session_fix,
            churned=False,
            visits=tuple(Visit._make(v) for v in case.visits),
            days_open=days_open,
            steps=tuple(steps),
        )

    def finished(self, now: float) -> None:
        self._days(now, inclusive=True)
        for name, team in self.replication.teams.items():
            self.service.teams[name].queued_at_end = _queued(team)
        if self.has_customers:
            self._census(now)
            self.timeline.append((now, self.active, self.lost_total))

    # ------------------------------------------------------------ the output

    @staticmethod
    def _final(kept: tuple[CaseRecord, Customer | None]) -> CaseRecord:
        """The record, marked ``churned`` if its customer left before the end."""
        record, customer = kept
        if customer is not None and customer.churned_at is not None:
            return replace(record, churned=True)
        return record

    def output(self) -> ReplicationOutput:
        """Everything the replication produced, once it has run."""
        self._fold()
        self.stats.merge_quantiles(self.type_stats)
        rep = self.replication
        customers = rep.scenario.customers
        warmup, horizon = self.warmup, self.horizon
        window = horizon - warmup
        teams = []
        for team in rep.teams.values():
            open_hours = window if team.hours.always_open else team.hours.open_hours(warmup, horizon)
            teams.append(TeamRecord(team.name, team.agents, open_hours, self.busy[team.name], team.cost))
        return ReplicationOutput(
            design=rep.design_name,
            replication=rep.replication,
            seed=rep.seed,
            window_hours=window,
            stats=self.stats,
            type_stats=dict(zip(self.ctype_names, self.type_stats, strict=True)),
            cases=sorted((self._final(r) for r in self.kept), key=lambda r: r.case_id),
            case_mode=self.case_mode,
            worst_case=self._final(self.worst) if self.worst else None,
            flows=dict(sorted(self.flows.items())),
            timeline=list(self.timeline),
            cases_simulated=self.cases_simulated,
            tickets=self.tickets,
            teams=teams,
            customers_at_start=self.at_window + self.acquired,
            customers_churned=self.churned,
            lost_revenue=self.lost_revenue,
            renewals=self.renewals,
            term_hours=customers.contract.term if customers is not None else NAN,
            service=self.service,
            severity_waits={s: (hours, n) for s, (hours, n) in self.severity_waits.items()},
        )

    # ------------------------------------------------------------ operations (what a support leader sees)

    def _days(self, now: float, inclusive: bool = False) -> None:
        """The backlog at every day boundary passed before ``now`` (at ``now`` too if ``inclusive``)."""
        backlog = self.service.backlog
        while self.next_day * 24.0 < now or (inclusive and self.next_day * 24.0 <= now):
            backlog.append(self.open_now)
            self.next_day += 1

    def case_served(self, case: Case, team: Team, now: float) -> None:
        """A session starts: the queue wait and first response of a counted case; the team's work.

        Failure demand is work that fixes nothing where it is done or redoes what was done: a session at a
        team without the case's skill (except the look an intake team takes by design, before any
        transfer), a session that ends handing the case on, and any session after a reopen."""
        service = self.service
        stats = service.teams[team.name]
        if case.counted:
            steps = self.steps.get(case.id)
            if steps is not None:
                steps.append((now, team.name, SESSION))
            wait = now - case.queued_at
            stats.waits.add(wait)
            stats.wait_sum += wait
            if case.id in self.awaiting:
                self.awaiting.discard(case.id)
                response = now - case.opened
                service.first_response.add(response)
                service.first_response_sum += response
                service.target_known += 1
                service.within_target += response <= self.response_target
        if now >= self.warmup:
            _, end, _, work, outcome, *_ = case.in_session  # type: ignore[misc]
            stats.sessions += 1
            stats.work += work
            by_design = case.transfers == 0 and team.name == self.intake_team
            if (outcome == HAND_ON and not by_design) or case.reopens > 0 or (
                    team.skill_for[case.ctype] is None and not by_design):
                stats.failure_work += work

    def _service_ended(self, case: Case) -> None:
        """A case ended (or is open at the horizon): the backlog, and targets it can no longer meet."""
        censored = case.status is OPEN
        end = self.horizon if censored else case.ended
        if not censored:
            self._days(end)  # type: ignore[arg-type]
            self.open_now -= 1
        if not case.counted:
            return
        age = end - case.opened  # type: ignore[operator]
        service = self.service
        if case.id in self.awaiting:  # never served: a miss once it has waited past the target
            self.awaiting.discard(case.id)
            service.target_known += age > self.response_target
        target = self.sla_targets[case.ctype]
        if target is not None:
            if case.status is RESOLVED:
                service.sla_known += 1
                service.sla_met += age <= target
            elif case.status is ABANDONED or age > target:
                service.sla_known += 1


def _queued(team: Team) -> int:
    """Open cases waiting in a team's queue (entries of cases that ended meanwhile do not count)."""
    return sum(1 for entry in team.queue if entry[3].status is OPEN)
