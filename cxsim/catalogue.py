"""The metric catalogue: every number a run reports, with its label, unit, group and period, in table order.

Customer truth is computed on cases (effort, days to real resolution, hops, churn); the company dashboard
on tickets (closed, handle time, time to close, share closed "resolved"); operations are what the
organisation spends (agents' time and cost). The names are those of ``summary.json``; scenarios
(``sweep.metrics``), the CLI (``--metric``), the tables, charts and report all take them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Group = Literal["customer", "dashboard", "operations"]

GROUPS: dict[str, str] = {  # group -> heading, in table order
    "customer": "Customer truth",
    "dashboard": "Company dashboard",
    "operations": "Operations",
}


@dataclass(frozen=True)
class Metric:
    """One reported number: how it is named, labelled and grouped, and what it means."""

    name: str
    label: str
    unit: str  # "h", "d", "min", "$", "%" (a share, shown as a percentage) or "" (a count)
    group: Group
    period: str  # what the number is per, or over
    meaning: str
    per_case_type: bool = False  # also reported for each case type
    part_of: str | None = None  # the metric this one breaks down (shown indented under it)
    optional: bool = False  # left out of tables when no design has a value (e.g. a severity no case has)

    @property
    def is_share(self) -> bool:
        return self.unit == "%"


_METRICS = (
    Metric("cases", "cases", "", "customer", "over the measured window",
           "cases opened after the warm-up (counted)", per_case_type=True),
    Metric("effort_hours_mean", "effort, mean", "h", "customer", "per case",
           "customer hours per case, all causes", per_case_type=True),
    Metric("effort_hours_p50", "effort, median", "h", "customer", "per case",
           "median customer hours per case", per_case_type=True),
    Metric("effort_hours_p90", "effort, p90", "h", "customer", "per case",
           "90th percentile of customer hours per case", per_case_type=True),
    Metric("effort_hours_p99", "effort, p99", "h", "customer", "per case",
           "99th percentile of customer hours per case"),
    Metric("effort_hours_max", "effort, max", "h", "customer", "per case",
           "the worst case's customer hours"),
    Metric("effort_contact_hours_mean", "contact", "h", "customer", "per case",
           "mean hours in contact with agents", part_of="effort_hours_mean"),
    Metric("effort_waiting_hours_mean", "waiting/chasing", "h", "customer", "per case",
           "mean hours chasing while waiting", part_of="effort_hours_mean"),
    Metric("effort_reexplain_hours_mean", "re-explaining", "h", "customer", "per case",
           "mean hours re-explaining after transfers", part_of="effort_hours_mean"),
    Metric("effort_reopen_hours_mean", "reopening", "h", "customer", "per case",
           "mean hours discovering premature closures", part_of="effort_hours_mean"),
    Metric("resolution_days_mean", "days to resolution, mean", "d", "customer", "per resolved case",
           "calendar days to real resolution", per_case_type=True),
    Metric("resolution_days_p50", "days to resolution, median", "d", "customer", "per resolved case",
           "median calendar days to resolution", per_case_type=True),
    Metric("resolution_days_p90", "days to resolution, p90", "d", "customer", "per resolved case",
           "90th percentile of days to resolution", per_case_type=True),
    Metric("transfers_per_case", "transfers per case", "", "customer", "per case",
           "hand-offs between teams per case", per_case_type=True),
    Metric("tickets_per_case", "tickets per case", "", "customer", "per case",
           "tickets the company opened per case", per_case_type=True),
    Metric("reopen_rate", "reopen rate", "%", "customer", "per case",
           "share of cases reopened at least once", per_case_type=True),
    Metric("fcr", "first-contact resolution", "%", "customer", "per case",
           "share of cases fixed in their first agent session", per_case_type=True),
    Metric("unresolved_share", "unresolved", "%", "customer", "per case",
           "share of cases abandoned or still open at the horizon", per_case_type=True),
    Metric("churn_rate", "churn rate", "%", "customer", "over the measured window",
           "share of customers lost at renewal in the measured window"),
    Metric("lost_revenue", "lost revenue / month", "$", "customer", "per month",
           "monthly contract value of the customers lost"),
    Metric("tickets_closed", "tickets closed / month", "", "dashboard", "per month",
           "dashboard: tickets closed per month"),
    Metric("closed_resolved_share", "closed 'resolved'", "%", "dashboard", "per closed ticket",
           "dashboard: share of closed tickets marked resolved"),
    Metric("ticket_handle_minutes", "ticket handle time", "min", "dashboard", "per closed ticket",
           "dashboard: agent minutes per closed ticket"),
    Metric("ticket_close_hours", "time to close a ticket", "h", "dashboard", "per closed ticket",
           "dashboard: hours from ticket open to close"),
    Metric("utilization", "agent utilisation", "%", "operations", "over the measured window",
           "share of agents' working hours spent on cases"),
    Metric("staff_cost", "staff cost / month", "$", "operations", "per month",
           "agents x working hours x hourly cost, per month"),
    # Queue waits by severity: starvation of low severities shows here.
    *(Metric(f"queue_wait_hours_sev{s}", f"queue wait, severity {s}", "h", "operations",
             f"per case of severity {s}",
             f"mean hours a severity-{s} case waited in team queues, to its end or the horizon (all cases)",
             optional=True)
      for s in (1, 2, 3, 4)),
)

# Metric name -> Metric. Order = table order.
METRICS: dict[str, Metric] = {m.name: m for m in _METRICS}

# Metrics that are shares (shown as percentages).
PERCENT_METRICS = frozenset(name for name, m in METRICS.items() if m.is_share)

# Metrics reported for each case type as well, in table order.
CASE_TYPE_METRICS = tuple(name for name, m in METRICS.items() if m.per_case_type)
