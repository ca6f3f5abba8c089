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
    unit: str  # "h", "d", "min", "$" (money, in the scenario's currency), "%" (a share) or "" (a count)
    group: Group
    period: str  # what the number is per, or over
    meaning: str
    per_case_type: bool = False  # also reported for each case type
    part_of: str | None = None  # the metric this one breaks down (shown indented under it)
    optional: bool = False  # left out of tables when no design has a value (e.g. a severity no case has)

    @property
    def is_share(self) -> bool:
        return self.unit == "%"

    def clip(self, value: float | None) -> float | None:
        """A confidence bound kept where the metric can be: a share within [0, 1], anything else (counts,
        hours, money) at least 0. The t-interval of a mean near a bound can cross it; the estimate in
        summary.json keeps the raw interval, tables, reports, CSV and charts show it clipped."""
        if value is None or value != value:
            return value
        return min(max(value, 0.0), 1.0) if self.is_share else max(value, 0.0)


_METRICS = (
    Metric("cases", "cases", "", "customer", "over the measured window",
           "cases opened after the warm-up (counted)", per_case_type=True),
    Metric("effort_hours_mean", "effort, mean", "h", "customer", "per case",
           "customer hours per case, all causes", per_case_type=True),
    Metric("effort_hours_p50", "effort, median", "h", "customer", "per counted case",
           "median customer hours per case, over all counted cases (resolved, abandoned, and open ones' "
           "effort so far at the horizon)", per_case_type=True),
    Metric("effort_hours_p90", "effort, p90", "h", "customer", "per counted case",
           "90th percentile of customer hours per case, over all counted cases (open ones: effort so far)",
           per_case_type=True),
    Metric("effort_hours_p99", "effort, p99", "h", "customer", "per counted case",
           "99th percentile of customer hours per case, over all counted cases (open ones: effort so far)"),
    Metric("effort_hours_max", "effort, max", "h", "customer", "per counted case",
           "the worst counted case's customer hours (open ones: effort so far)"),
    Metric("effort_contact_hours_mean", "contact", "h", "customer", "per case",
           "mean hours in contact with agents", part_of="effort_hours_mean"),
    Metric("effort_waiting_hours_mean", "waiting/chasing", "h", "customer", "per case",
           "mean hours chasing while waiting", part_of="effort_hours_mean"),
    Metric("effort_reexplain_hours_mean", "re-explaining", "h", "customer", "per case",
           "mean hours re-explaining after transfers", part_of="effort_hours_mean"),
    Metric("effort_reopen_hours_mean", "reopening", "h", "customer", "per case",
           "mean hours discovering premature closures", part_of="effort_hours_mean"),
    Metric("resolution_days_mean", "days to resolution, mean (resolved only)", "d", "customer",
           "per resolved case", "calendar days to real resolution, over resolved cases only",
           per_case_type=True),
    Metric("resolution_days_p50", "days to resolution, median (Kaplan–Meier)", "d", "customer",
           "per counted case",
           "Kaplan–Meier median calendar days to real resolution over all counted cases, abandoned ones and "
           "those open at the horizon censored; '>horizon' when fewer than half are resolved within the "
           "follow-up", per_case_type=True),
    Metric("resolution_days_p90", "days to resolution, p90 (Kaplan–Meier)", "d", "customer",
           "per counted case",
           "Kaplan–Meier 90th percentile of days to real resolution over all counted cases (abandoned and "
           "open censored); '>horizon' when the curve never reaches 90%", per_case_type=True),
    Metric("resolution_days_resolved_p50", "days to resolution, median (resolved only)", "d", "customer",
           "per resolved case", "median calendar days to resolution of the resolved cases only (optimistic: "
           "leaves out the cases abandoned or still open)", per_case_type=True),
    Metric("resolution_days_resolved_p90", "days to resolution, p90 (resolved only)", "d", "customer",
           "per resolved case", "90th percentile of days to resolution of the resolved cases only",
           per_case_type=True),
    Metric("transfers_per_case", "transfers per case", "", "customer", "per case",
           "hand-offs between teams per case", per_case_type=True),
    Metric("tickets_per_case", "tickets per case", "", "customer", "per case",
           "tickets the company opened per case", per_case_type=True),
    Metric("teams_per_case", "teams per case", "", "customer", "per case",
           "distinct teams a case was sent to (intake and hand-offs)", per_case_type=True),
    Metric("teams_3plus_share", "3 teams or more", "%", "customer", "per case",
           "share of cases sent to 3 distinct teams or more", part_of="teams_per_case"),
    Metric("pingpong_share", "ping-pong", "%", "customer", "per case",
           "share of cases handed back to a team they had been handed on from", per_case_type=True),
    Metric("reopen_rate", "reopen rate", "%", "customer", "per case",
           "share of cases reopened at least once", per_case_type=True),
    Metric("fcr", "first-contact resolution", "%", "customer", "per case",
           "share of cases fixed in their first agent session", per_case_type=True),
    Metric("unresolved_share", "unresolved", "%", "customer", "per case",
           "share of cases abandoned or still open at the horizon", per_case_type=True),
    Metric("annual_churn_rate", "annual churn rate", "%", "customer", "per year",
           "share of customers leaving per year: churn per renewal decided in the measured window, "
           "annualised from the contract term (renewals after the horizon are not counted as kept)"),
    Metric("customers_lost", "customers lost", "", "customer", "over the measured window",
           "customers who left at a renewal in the measured window"),
    Metric("lost_mrr", "MRR lost", "$", "customer", "over the measured window",
           "monthly recurring revenue of the customers lost in the measured window"),
    Metric("revenue_at_risk", "revenue at risk / year", "$", "customer", "per year",
           "annual revenue (12 x MRR) of the customers lost per year at the measured pace"),
    Metric("tickets_closed", "tickets closed / month", "", "dashboard", "per month",
           "dashboard: tickets closed per month"),
    Metric("closed_resolved_share", "closed 'resolved'", "%", "dashboard", "per closed ticket",
           "dashboard: share of closed tickets marked resolved"),
    Metric("ticket_handle_minutes", "ticket handle time", "min", "dashboard", "per closed ticket",
           "dashboard: agent minutes per closed ticket"),
    Metric("ticket_close_hours", "time to close a ticket", "h", "dashboard", "per closed ticket",
           "dashboard: hours from ticket open to close"),
    # What a support leader's dashboard shows (service targets: the scenario's ``service_level``).
    Metric("first_response_hours_mean", "first response, mean", "h", "dashboard", "per responded case",
           "calendar hours from opening to the first agent session (counted cases that got one)"),
    Metric("first_response_hours_p90", "first response, p90", "h", "dashboard", "per responded case",
           "90th percentile of hours to the first agent session"),
    Metric("service_level", "service level (first response)", "%", "dashboard", "per case",
           "share of first responses within service_level.target (cases that waited past it unanswered "
           "count as misses)"),
    Metric("sla_attainment", "SLA attainment (resolution)", "%", "dashboard", "per case with a target",
           "share of cases resolved within their severity's service_level.resolution target (undefined "
           "without targets)"),
    Metric("utilization", "agent utilisation", "%", "operations", "over the measured window",
           "share of agents' working hours spent on cases"),
    Metric("staff_cost", "staff cost / month", "$", "operations", "per month",
           "agents x working hours x hourly cost, per month"),
    Metric("queue_wait_hours_mean", "queue wait, mean", "h", "operations", "per session",
           "calendar hours a counted case waited in a team's queue before a session, all teams"),
    Metric("queue_wait_hours_p90", "queue wait, p90", "h", "operations", "per session",
           "90th percentile of queue waits, all teams"),
    Metric("failure_demand_share", "failure demand", "%", "operations", "over the measured window",
           "share of agents' work that fixed nothing where it was done or redid work: sessions at a team "
           "without the case's skill (but an intake team's look by design), sessions handing the case on, "
           "and work after a reopen"),
    Metric("cases_per_month", "demand: cases / month", "", "operations", "per month",
           "cases opened in the measured window per month: the demand this design faced"),
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
