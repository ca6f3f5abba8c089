"""The metric catalogue: every number a run reports, with its label and unit, in table order.

Customer truth is computed on cases (effort, days to real resolution, hops, churn); the company dashboard
on tickets (closed, handle time, time to close, share closed "resolved"). The names are those of
``summary.json``; scenarios (``sweep.metrics``), the CLI (``--metric``), the tables, charts and report all
take them from here.
"""

from __future__ import annotations

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
