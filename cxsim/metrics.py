"""Metrics: pure functions from one replication's records to named numbers.

Customer truth is computed on cases (effort, days to real resolution, hops, churn); the company dashboard
on tickets (closed, handle time, time to close, share closed "resolved"). Keeping both is how a design that
looks best on the dashboard can be shown to be worst for customers.
"""

from __future__ import annotations

import math

from cxsim.accumulators import CaseStats
from cxsim.catalogue import CASE_TYPE_METRICS, METRICS
from cxsim.records import CaseRecord, ReplicationOutput
from cxsim.units import HOURS_PER_MONTH

NAN = float("nan")


def case_metrics(cases: list[CaseRecord]) -> dict[str, float]:
    """Customer-side metrics of a list of case records (exact; the engine streams the same numbers)."""
    stats = CaseStats()
    for c in cases:
        stats.add(status=c.status, contact=c.effort_contact_hours, waiting=c.effort_waiting_hours,
                  reexplain=c.effort_reexplain_hours, reopen=c.effort_reopen_hours, transfers=c.transfers,
                  tickets=c.tickets, reopens=c.reopens, fcr=c.first_contact_resolution,
                  days=c.resolution_days)
    return stats.metrics()


def replication_metrics(out: ReplicationOutput) -> dict[str, float]:
    """All headline metrics of one replication of one design."""
    metrics = out.stats.metrics()
    months = out.window_hours / HOURS_PER_MONTH
    tickets = out.tickets
    metrics["churn_rate"] = out.customers_churned / out.customers_at_start if out.customers_at_start else 0.0
    metrics["lost_revenue"] = out.lost_revenue
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
    return {name: metrics[name] for name in METRICS}


def case_type_metrics(out: ReplicationOutput, case_types: list[str]) -> dict[str, dict[str, float]]:
    """The case-level metrics of each case type in one replication."""
    return {name: {k: v for k, v in out.type_stats[name].metrics().items() if k in CASE_TYPE_METRICS}
            for name in case_types}


def team_utilization(out: ReplicationOutput) -> dict[str, float]:
    return {t.name: (t.busy_hours / (t.agents * t.open_hours) if t.open_hours else NAN) for t in out.teams}


def is_missing(value: float) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
