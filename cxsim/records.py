"""Records: the flat, immutable facts a replication produces. Every metric is a pure function of them."""

from __future__ import annotations

from dataclasses import dataclass, field

from cxsim.accumulators import CaseStats
from cxsim.engine.cases import Visit
from cxsim.quantiles import QuantileSketch


@dataclass(frozen=True)
class CaseRecord:
    """A counted case (opened after the warm-up) as it stood when it ended or at the horizon."""

    case_id: int
    customer_id: int
    case_type: str
    opened_at_hours: float
    status: str  # resolved, abandoned or open
    resolution_days: float  # NaN unless resolved
    ended_at_hours: float  # when it was resolved or abandoned; NaN while open (it has not ended)
    effort_contact_hours: float
    effort_waiting_hours: float
    effort_reexplain_hours: float
    effort_reopen_hours: float
    tickets: int
    transfers: int
    reopens: int
    sessions: int
    first_contact_resolution: bool
    churned: bool
    visits: tuple[Visit, ...] = ()
    days_open: float = float("nan")  # days from opening to its end, or to the horizon while open (censored)
    # In order: (hours, team, "opened" | "assigned" | "session"): where intake sent it, each hand-off's target
    # and each session's team (a reopen may bring it back to another team without a hand-off).
    steps: tuple[tuple[float, str, str], ...] = ()

    @property
    def effort_hours(self) -> float:
        return (self.effort_contact_hours + self.effort_waiting_hours + self.effort_reexplain_hours
                + self.effort_reopen_hours)


@dataclass
class TicketTotals:
    """What the company's dashboard sees: tickets closed in the measured window, by close reason."""

    closed: int = 0
    closed_resolved: int = 0
    handle_hours: float = 0.0
    open_hours: float = 0.0
    by_reason: dict[str, int] = field(default_factory=dict)

    def add(self, reason: str, handle: float, open_hours: float) -> None:
        self.closed += 1
        self.closed_resolved += reason == "resolved"
        self.handle_hours += handle
        self.open_hours += open_hours
        self.by_reason[reason] = self.by_reason.get(reason, 0) + 1


@dataclass(frozen=True)
class TeamRecord:
    name: str
    agents: int
    open_hours: float  # working hours in the measured window (per agent)
    busy_hours: float  # agent-hours worked in the measured window
    cost_per_hour: float


@dataclass
class TeamService:
    """One team in one replication: the queue waits of counted cases (calendar hours from joining the queue
    to a session's start) and the sessions, work and failure-demand work it did in the measured window."""

    waits: QuantileSketch = field(default_factory=QuantileSketch)
    wait_sum: float = 0.0
    sessions: int = 0  # sessions started in the window (every case)
    work: float = 0.0  # their agent hours
    failure_work: float = 0.0  # ... on failure demand (see cxsim.recorder.Recorder.case_served)
    queued_at_window: int = 0  # open cases in its queue when the window opened
    queued_at_end: int = 0  # ... at the horizon

    @property
    def arrived(self) -> int:
        """Sessions that reached the queue in the window: those served, plus the queue's growth."""
        return max(self.sessions + self.queued_at_end - self.queued_at_window, 0)


@dataclass
class ServiceStats:
    """What a support leader's dashboard shows, for one replication: first responses of counted cases
    against the first-response target, resolution against the SLA, queue waits per team and the backlog
    (open cases, every case, at each day from the start)."""

    first_response: QuantileSketch = field(default_factory=QuantileSketch)  # hours, cases that got one
    first_response_sum: float = 0.0
    within_target: int = 0  # first responses within the target
    target_known: int = 0  # cases whose first response is known to be within the target or not
    sla_met: int = 0
    sla_known: int = 0
    teams: dict[str, TeamService] = field(default_factory=dict)
    backlog: list[int] = field(default_factory=list)  # open cases at 0, 24, 48 ... hours


@dataclass(frozen=True)
class ReplicationOutput:
    """Everything one replication of one design produced."""

    design: str
    replication: int
    seed: int
    window_hours: float
    stats: CaseStats
    type_stats: dict[str, CaseStats]
    cases: list[CaseRecord]  # every counted case, a uniform sample of them, or none (case_mode)
    case_mode: str
    worst_case: CaseRecord | None  # the highest-effort counted case
    flows: dict[tuple[str, str], int]  # (from team or "intake", to team) -> hand-offs of counted cases
    timeline: list[tuple[float, int, float]]  # (hours, customers active, monthly revenue lost so far)
    cases_simulated: int
    tickets: TicketTotals
    teams: list[TeamRecord]
    customers_at_start: int
    customers_churned: int
    lost_revenue: float
    renewals: int = 0  # renewal decisions in the measured window that kept the customer
    term_hours: float = float("nan")  # the contract term (renewal decisions are one term apart)
    service: ServiceStats = field(default_factory=ServiceStats)
    # severity (1-4) -> (hours counted cases of that severity waited in queues, number of those cases)
    severity_waits: dict[int, tuple[float, int]] = field(default_factory=dict)
