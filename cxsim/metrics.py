"""Metrics: pure functions from one replication's records to named numbers.

Customer truth is computed on cases (effort, days to real resolution, hops, churn); the company dashboard
on tickets (closed, handle time, time to close, share closed "resolved"). Keeping both is how a design that
looks best on the dashboard can be shown to be worst for customers.
"""

from __future__ import annotations

import math

from cxsim.accumulators import CaseStats
from cxsim.records import CaseRecord, ReplicationOutput
from cxsim.scenario import HOURS_PER_MONTH

# Metric name -> (short label, unit, what it means). Order = table order.
METRICS: dict[str, tuple[str, str, str]] = {
    "cases": ("cases", "", "cases opened after the warm-up (counted)"),
    "effort_hours_mean": ("effort, mean", "h", "customer hours per case, all causes"),
    "effort_hours_p50": ("effort, median", "h", "median customer hours per case"),
    "effort_hours_p90": ("effort, p90", "h", "90th percentile of customer hours per case"),
    "effort_hours_p99": ("effort, p99", "h", "99th percentile of customer hours per case"),
    "effort_hours_max": ("effort, max", "h", "the worst case's customer hours"),
    "effort_contact_hours_mean": ("  contact", "h", "mean hours in contact with agents"),
    "effort_waiting_hours_mean": ("  waiting/chasing", "h", "mean hours chasing while waiting"),
    "effort_reexplain_hours_mean": ("  re-explaining", "h", "mean hours re-explaining after transfers"),
    "effort_reopen_hours_mean": ("  reopening", "h", "mean hours discovering premature closures"),
    "resolution_days_mean": ("days to resolution, mean", "d", "calendar days to real resolution"),
    "resolution_days_p50": ("days to resolution, median", "d", "median calendar days to resolution"),
    "resolution_days_p90": ("days to resolution, p90", "d", "90th percentile of days to resolution"),
    "transfers_per_case": ("transfers per case", "", "hand-offs between teams per case"),
    "tickets_per_case": ("tickets per case", "", "tickets the company opened per case"),
    "reopen_rate": ("reopen rate", "%", "share of cases reopened at least once"),
    "fcr": ("first-contact resolution", "%", "share of cases fixed in their first agent session"),
    "unresolved_share": ("unresolved", "%", "share of cases abandoned or still open at the horizon"),
    "churn_rate": ("churn rate", "%", "share of customers lost at renewal in the measured window"),
    "lost_revenue": ("lost revenue / month", "$", "monthly contract value of the customers lost"),
    "tickets_closed": ("tickets closed / month", "", "dashboard: tickets closed per month"),
    "closed_resolved_share": ("closed 'resolved'", "%", "dashboard: share of closed tickets marked resolved"),
    "ticket_handle_minutes": ("ticket handle time", "min", "dashboard: agent minutes per closed ticket"),
    "ticket_close_hours": ("time to close a ticket", "h", "dashboard: hours from ticket open to close"),
    "utilization": ("agent utilisation", "%", "share of agents' working hours spent on cases"),
    "staff_cost": ("staff cost / month", "$", "agents x working hours x hourly cost, per month"),
}

# Metrics that are shares (shown as percentages).
PERCENT_METRICS = frozenset(m for m, (_, unit, _) in METRICS.items() if unit == "%")

# Metrics reported for each case type as well.
CASE_TYPE_METRICS = (
    "cases", "effort_hours_mean", "effort_hours_p50", "effort_hours_p90", "resolution_days_mean",
    "resolution_days_p50", "resolution_days_p90", "transfers_per_case", "tickets_per_case", "reopen_rate",
    "fcr", "unresolved_share",
)

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
