"""Metrics: pure functions from one replication's records to named numbers.

Customer truth is computed on cases (effort, days to real resolution, hops, churn); the company dashboard
on tickets (closed, handle time, time to close, share closed "resolved"). Keeping both is how a design that
looks best on the dashboard can be shown to be worst for customers.
"""

from __future__ import annotations

import math

from cxsim.accumulators import CaseStats
from cxsim.catalogue import CASE_TYPE_METRICS, METRICS
from cxsim.quantiles import QuantileSketch
from cxsim.records import CaseRecord, ReplicationOutput
from cxsim.units import HOURS_PER_MONTH, UNIT_HOURS

HOURS_PER_YEAR = UNIT_HOURS["year"]

NAN = float("nan")


def case_metrics(cases: list[CaseRecord]) -> dict[str, float]:
    """Customer-side metrics of a list of case records (exact; the engine streams the same numbers)."""
    stats = CaseStats()
    for c in cases:
        stats.add(status=c.status, contact=c.effort_contact_hours, waiting=c.effort_waiting_hours,
                  reexplain=c.effort_reexplain_hours, reopen=c.effort_reopen_hours, transfers=c.transfers,
                  tickets=c.tickets, reopens=c.reopens, fcr=c.first_contact_resolution,
                  days=c.resolution_days, days_open=c.days_open)
    metrics = stats.metrics()
    for name in ("teams_per_case", "teams_3plus_share", "pingpong_share"):
        metrics[name] = NAN  # a case's route comes from hand-off events, which a record does not keep
    return metrics


def replication_metrics(out: ReplicationOutput) -> dict[str, float]:
    """All headline metrics of one replication of one design."""
    metrics = out.stats.metrics()
    months = out.window_hours / HOURS_PER_MONTH
    tickets = out.tickets
    metrics.update(churn_metrics(out))
    metrics["tickets_closed"] = tickets.closed / months
    metrics["closed_resolved_share"] = tickets.closed_resolved / tickets.closed if tickets.closed else NAN
    metrics["ticket_handle_minutes"] = 60.0 * tickets.handle_hours / tickets.closed if tickets.closed else NAN
    metrics["ticket_close_hours"] = tickets.open_hours / tickets.closed if tickets.closed else NAN
    available = sum(t.agents * t.open_hours for t in out.teams)
    metrics["utilization"] = sum(t.busy_hours for t in out.teams) / available if available else NAN
    for severity in (1, 2, 3, 4):
        hours, n = out.severity_waits.get(severity, (0.0, 0))
        metrics[f"queue_wait_hours_sev{severity}"] = hours / n if n else NAN
    metrics["staff_cost"] = sum(t.agents * t.open_hours * t.cost_per_hour for t in out.teams) / months
    metrics.update(service_metrics(out, months))
    return {name: metrics[name] for name in METRICS}


def churn_metrics(out: ReplicationOutput) -> dict[str, float]:
    """Churn of one replication, censoring-aware: the annual rate comes from the renewals decided in the
    measured window only (a customer whose renewal falls after the horizon is neither retained nor lost),
    annualised from the contract term; customers and revenue lost are counts over the window."""
    decided = out.customers_churned + out.renewals
    per_renewal = out.customers_churned / decided if decided else NAN
    annual = NAN
    if decided and out.term_hours > 0:
        annual = 1.0 - (1.0 - per_renewal) ** (HOURS_PER_YEAR / out.term_hours)
    months = out.window_hours / HOURS_PER_MONTH
    return {
        "annual_churn_rate": annual,
        "customers_lost": float(out.customers_churned),
        "lost_mrr": out.lost_revenue,
        "revenue_at_risk": 12.0 * out.lost_revenue * 12.0 / months if months > 0 else NAN,
    }


def service_metrics(out: ReplicationOutput, months: float) -> dict[str, float]:
    """First response, service level, SLA attainment, queue waits and demand of one replication."""
    service = out.service
    first = service.first_response
    waits = QuantileSketch.combine(t.waits for t in service.teams.values()) if service.teams else \
        QuantileSketch()
    wait_sum = sum(t.wait_sum for t in service.teams.values())
    return {
        "first_response_hours_mean": service.first_response_sum / first.n if first.n else NAN,
        "first_response_hours_p90": first.quantile(0.9) if first.n else NAN,
        "service_level": service.within_target / service.target_known if service.target_known else NAN,
        "sla_attainment": service.sla_met / service.sla_known if service.sla_known else NAN,
        "queue_wait_hours_mean": wait_sum / waits.n if waits.n else NAN,
        "queue_wait_hours_p90": waits.quantile(0.9) if waits.n else NAN,
        "failure_demand_share": (sum(t.failure_work for t in service.teams.values()) / work
                                 if (work := sum(t.work for t in service.teams.values())) else NAN),
        "cases_per_month": out.stats.n / months,
    }


def team_service(out: ReplicationOutput) -> dict[str, dict[str, float]]:
    """Per team: mean and p90 queue wait, measured offered load (failure demand included) and the share of
    its work that was failure demand."""
    records = {t.name: t for t in out.teams}
    result = {}
    for name, s in out.service.teams.items():
        rec = records[name]
        available = rec.agents * rec.open_hours
        per_session = s.work / s.sessions if s.sessions else NAN
        result[name] = {
            "wait_hours_mean": s.wait_sum / s.waits.n if s.waits.n else NAN,
            "wait_hours_p90": s.waits.quantile(0.9) if s.waits.n else NAN,
            "offered_load": s.arrived * per_session / available if available and s.sessions else NAN,
            "failure_share": s.failure_work / s.work if s.work else NAN,
        }
    return result


def case_type_metrics(out: ReplicationOutput, case_types: list[str]) -> dict[str, dict[str, float]]:
    """The case-level metrics of each case type in one replication."""
    return {name: {k: v for k, v in out.type_stats[name].metrics().items() if k in CASE_TYPE_METRICS}
            for name in case_types}


def team_utilization(out: ReplicationOutput) -> dict[str, float]:
    return {t.name: (t.busy_hours / (t.agents * t.open_hours) if t.open_hours else NAN) for t in out.teams}


def is_missing(value: float) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
