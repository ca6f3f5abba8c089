"""Metrics: pure functions from one replication's records to named numbers.

Customer truth is computed on cases (effort, days to real resolution, hops, churn); the company dashboard
on tickets (closed, handle time, time to close, share closed "resolved"). Keeping both is how a design that
looks best on the dashboard can be shown to be worst for customers.
"""

from __future__ import annotations

import math

import numpy as np

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

# Metrics reported for each case type as well.
CASE_TYPE_METRICS = (
    "cases", "effort_hours_mean", "effort_hours_p50", "effort_hours_p90", "resolution_days_mean",
    "resolution_days_p50", "resolution_days_p90", "transfers_per_case", "tickets_per_case", "reopen_rate",
    "fcr", "unresolved_share",
)

NAN = float("nan")


def _pct(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else NAN


def _share(flags: np.ndarray) -> float:
    return float(flags.mean()) if len(flags) else NAN


def case_metrics(cases: list[CaseRecord]) -> dict[str, float]:
    """Customer-side metrics of a set of cases (a whole replication or one case type)."""
    n = len(cases)
    effort = np.array([c.effort_hours for c in cases], dtype=float)
    resolved_days = np.array([c.resolution_days for c in cases if c.status == "resolved"], dtype=float)
    out = {
        "cases": float(n),
        "effort_hours_mean": float(effort.mean()) if n else NAN,
        "effort_hours_p50": _pct(effort, 50),
        "effort_hours_p90": _pct(effort, 90),
        "effort_hours_p99": _pct(effort, 99),
        "effort_hours_max": float(effort.max()) if n else NAN,
        "effort_contact_hours_mean": _mean(c.effort_contact_hours for c in cases),
        "effort_waiting_hours_mean": _mean(c.effort_waiting_hours for c in cases),
        "effort_reexplain_hours_mean": _mean(c.effort_reexplain_hours for c in cases),
        "effort_reopen_hours_mean": _mean(c.effort_reopen_hours for c in cases),
        "resolution_days_mean": float(resolved_days.mean()) if len(resolved_days) else NAN,
        "resolution_days_p50": _pct(resolved_days, 50),
        "resolution_days_p90": _pct(resolved_days, 90),
        "transfers_per_case": _mean(c.transfers for c in cases),
        "tickets_per_case": _mean(c.tickets for c in cases),
        "reopen_rate": _share(np.array([c.reopens > 0 for c in cases])),
        "fcr": _share(np.array([c.first_contact_resolution for c in cases])),
        "unresolved_share": _share(np.array([c.status != "resolved" for c in cases])),
    }
    return out


def _mean(values) -> float:
    arr = np.fromiter(values, dtype=float)
    return float(arr.mean()) if len(arr) else NAN


def replication_metrics(out: ReplicationOutput) -> dict[str, float]:
    """All headline metrics of one replication of one design."""
    metrics = case_metrics(out.cases)
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
    by_type: dict[str, list[CaseRecord]] = {name: [] for name in case_types}
    for case in out.cases:
        by_type[case.case_type].append(case)
    return {name: {k: v for k, v in case_metrics(cases).items() if k in CASE_TYPE_METRICS}
            for name, cases in by_type.items()}


def team_utilization(out: ReplicationOutput) -> dict[str, float]:
    return {t.name: (t.busy_hours / (t.agents * t.open_hours) if t.open_hours else NAN) for t in out.teams}


def is_missing(value: float) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
