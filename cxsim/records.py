"""Records: the flat, immutable facts a replication produces. Every metric is a pure function of them."""

from __future__ import annotations

from dataclasses import dataclass, field

from cxsim.accumulators import CaseStats
from cxsim.engine.cases import Visit


@dataclass(frozen=True)
class CaseRecord:
    """A counted case (opened after the warm-up) as it stood when it ended or at the horizon."""

    case_id: int
    customer_id: int
    case_type: str
    opened_at_hours: float
    status: str  # resolved, abandoned or open
    resolution_days: float  # NaN unless resolved
    ended_at_hours: float  # NaN while open
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
    # severity (1-4) -> (hours counted cases of that severity waited in queues, number of those cases)
    severity_waits: dict[int, tuple[float, int]] = field(default_factory=dict)
