"""Results of a run: per-replication records in, the typed summary and the charts' details out.

``Result.summary`` is a ``cxsim.summary.Summary``: for each design and metric the mean over replications
and its 95% confidence interval, the paired difference from the baseline, per case type, per team and the
accounting of every case (``summary.json`` is its JSON form). Writing files is the presentation layer's
job (``cxsim.outputs``; ``cxsim.Result.write``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from cxsim.catalogue import CASE_TYPE_METRICS, METRICS
from cxsim.estimates import mean_ci, paired_difference
from cxsim.journeys import route_facts
from cxsim.metrics import case_type_metrics, replication_metrics, team_service, team_utilization
from cxsim.records import ReplicationOutput
from cxsim.scenario import Scenario
from cxsim.stability import assess, planned_load
from cxsim.summary import Accounting, DesignSummary, RunInfo, Summary
from cxsim.survival import SurvivalSketch
from cxsim.version import __version__

CASE_COLUMNS = (
    "design", "replication", "case_id", "customer_id", "case_type", "opened_at_hours", "status",
    "resolution_days", "effort_hours", "effort_contact_hours", "effort_waiting_hours",
    "effort_reexplain_hours", "effort_reopen_hours", "tickets", "transfers", "reopens", "sessions",
    "first_contact_resolution", "churned", "days_open", "ended_at_hours",
    "handoffs", "teams", "ping_pong",
)
# journeys.csv: a row per step of each kept case (see ``CaseRecord.steps`` and ``cxsim.journeys``).
STEP_COLUMNS = ("design", "replication", "case_id", "step", "at_hours", "team", "activity")
STATUSES = ("resolved", "abandoned", "open")


@dataclass
class Result:
    """A run: every design's replication outputs in job order, with what produced them."""

    scenario: Scenario
    seed: int
    replications: int
    designs: list[str]
    outputs: list[ReplicationOutput]
    horizon: float
    cases: str = "sample"
    wall_seconds: float = 0.0
    workers: str = "1 worker (inline)"
    precision: dict[str, Any] | None = None
    _summary: Summary | None = field(default=None, repr=False)
    _details: dict[str, Any] | None = field(default=None, repr=False)

    def outputs_for(self, design: str) -> list[ReplicationOutput]:
        return [o for o in self.outputs if o.design == design]

    @property
    def baseline(self) -> str:
        base = self.scenario.baseline
        return base if base in self.designs else self.designs[0]

    @property
    def summary(self) -> Summary:
        """The typed summary (computed once)."""
        if self._summary is None:
            self._summary = self._summarise()
        return self._summary

    def metric(self, design: str, name: str) -> float | None:
        """The mean of one metric for one design."""
        return self.summary.metric(design, name)

    def _summarise(self) -> Summary:
        ctype_names = list(self.scenario.case_types)
        baseline = self.baseline
        base_reps = [replication_metrics(o) for o in self.outputs_for(baseline)]
        designs = {}
        warnings = []
        for design in self.designs:
            outs = self.outputs_for(design)
            per_rep = [replication_metrics(o) for o in outs]
            per_type = [case_type_metrics(o, ctype_names) for o in outs]
            util = [team_utilization(o) for o in outs]
            counts = {s: sum(getattr(o.stats, s) for o in outs) for s in STATUSES}
            service = [team_service(o) for o in outs]
            team_ops = {t: {k: mean_ci([s[t][k] for s in service]) for k in service[0][t]}
                        for t in service[0]} if service else {}
            planned = planned_load(self.scenario, self.scenario.designs[design])
            utilisation = {t: mean_ci([u[t] for u in util]).mean for t in util[0]}
            offered = {t: m["offered_load"].mean for t, m in team_ops.items()}
            stability, found = assess(self.scenario, design, planned, utilisation, offered,
                                      [o.service.backlog for o in outs])
            warnings.extend(found)
            designs[design] = DesignSummary(
                name=design,
                metrics={m: mean_ci([r[m] for r in per_rep]) for m in METRICS},
                vs_baseline=None if design == baseline else {
                    m: paired_difference([r[m] for r in per_rep], [b[m] for b in base_reps])
                    for m in METRICS},
                case_types={t: {m: mean_ci([r[t][m] for r in per_type]) for m in CASE_TYPE_METRICS}
                            for t in ctype_names},
                team_utilization={t: mean_ci([u[t] for u in util]) for t in util[0]},
                accounting=Accounting(**counts, counted=sum(o.stats.n for o in outs),
                                      simulated=sum(o.cases_simulated for o in outs)),
                team_service=team_ops, planned_load=planned, stability=stability,
            )
        scenario = self.scenario
        return Summary(
            scenario=scenario.name, scenario_hash=scenario.content_hash, scenario_file=scenario.origin,
            seed=self.seed, replications=self.replications, cxsim_version=__version__,
            horizon_hours=self.horizon, warmup_hours=scenario.warmup, cases_output=self.cases,
            baseline=baseline, run=RunInfo(workers=self.workers, wall_seconds=round(self.wall_seconds, 3)),
            precision=self.precision, designs=designs, scenario_content=scenario.content,
            warnings=tuple(warnings),
        )

    @property
    def details(self) -> dict[str, Any]:
        """What the charts need beyond the summary, per design: the worst journey, the hand-off flows
        (mean per replication), the customer base over time (mean and 95% CI over replications) and the
        cumulative incidence of resolution and abandonment (all replications' cases pooled)."""
        if self._details is None:
            self._details = {d: self._design_details(d) for d in self.designs}
        return self._details

    def _design_details(self, design: str) -> dict[str, Any]:
        outs = self.outputs_for(design)
        worst = max((o for o in outs if o.worst_case is not None),
                    key=lambda o: o.worst_case.effort_hours, default=None)  # type: ignore[union-attr]
        journey = None
        if worst is not None:
            case = worst.worst_case
            journey = {"replication": worst.replication, **{k: v for k, v in asdict(case).items()
                                                             if k not in ("visits", "steps")},
                       "effort_hours": case.effort_hours,
                       "visits": [v._asdict() for v in case.visits]}
        flows: dict[tuple[str, str], float] = {}
        for o in outs:
            for key, n in o.flows.items():
                flows[key] = flows.get(key, 0.0) + n / len(outs)
        timeline = []
        if outs and outs[0].timeline:
            for i, (hours, _, _) in enumerate(outs[0].timeline):
                active = mean_ci([o.timeline[i][1] for o in outs]).to_json()
                lost = mean_ci([o.timeline[i][2] for o in outs]).to_json()
                timeline.append({"hours": hours, "customers": active, "lost_revenue": lost})
        backlog = []
        days = min((len(o.service.backlog) for o in outs), default=0)
        for day in range(days):
            backlog.append({"day": day, "open": mean_ci([o.service.backlog[day] for o in outs]).to_json()})
        return {"worst_journey": journey, "backlog": backlog,
                "flows": [{"from": a, "to": b, "mean": n} for (a, b), n in sorted(flows.items())],
                "timeline": timeline,
                "incidence": incidence(outs, list(self.scenario.case_types))}

    # ------------------------------------------------------------ per-case rows

    def case_rows(self, design: str | None = None):
        """One dict per counted case (all designs, or one), in replication and case order."""
        for out in self.outputs:
            if design is not None and out.design != design:
                continue
            for c in out.cases:
                yield {
                    "design": out.design, "replication": out.replication, "case_id": c.case_id,
                    "customer_id": c.customer_id, "case_type": c.case_type,
                    "opened_at_hours": c.opened_at_hours, "status": c.status,
                    "resolution_days": c.resolution_days, "effort_hours": c.effort_hours,
                    "effort_contact_hours": c.effort_contact_hours,
                    "effort_waiting_hours": c.effort_waiting_hours,
                    "effort_reexplain_hours": c.effort_reexplain_hours,
                    "effort_reopen_hours": c.effort_reopen_hours, "tickets": c.tickets,
                    "transfers": c.transfers, "reopens": c.reopens, "sessions": c.sessions,
                    "first_contact_resolution": c.first_contact_resolution, "churned": c.churned,
                    "days_open": c.days_open, "ended_at_hours": c.ended_at_hours,
                    **dict(zip(("handoffs", "teams", "ping_pong"), route_facts(c.steps), strict=True)),
                }

    def step_rows(self, design: str | None = None):
        """One dict per step of each kept case (``STEP_COLUMNS``), in replication, case and step order: its
        ``steps``, then (resolved or abandoned) its end, named by its status, at the last team."""
        for out in self.outputs:
            if design is not None and out.design != design:
                continue
            for c in out.cases:
                steps = list(c.steps)
                if steps and c.status != "open":  # its end, at the last team: the route does not change
                    steps.append((c.ended_at_hours, steps[-1][1], c.status))
                for i, (hours, team, activity) in enumerate(steps):
                    yield {"design": out.design, "replication": out.replication, "case_id": c.case_id,
                           "step": i, "at_hours": hours, "team": team, "activity": activity}


INCIDENCE_POINTS = 60  # days at which the cumulative incidence is given, log-spaced from ~15 minutes
INCIDENCE_FIRST_DAY = 0.01


def incidence(outs: list[ReplicationOutput], case_types: list[str]) -> dict[str, Any]:
    """Competing risks over days since a case opened, all replications' counted cases pooled: the
    Aalen–Johansen share resolved, abandoned and still open (open cases censored at the horizon), for all
    cases and per case type, with each one's Kaplan–Meier median (None when beyond the follow-up)."""
    pooled = SurvivalSketch.combine(o.stats.survival for o in outs)
    longest = pooled.longest
    if not outs or not pooled.n or not longest > INCIDENCE_FIRST_DAY:
        return {}
    days = [0.0, *np.geomspace(INCIDENCE_FIRST_DAY, longest, INCIDENCE_POINTS - 1).tolist()]

    def curves(sketch: SurvivalSketch) -> dict[str, Any]:
        median = sketch.quantile(0.5)
        return {"cases": sketch.n, "km_median_days": median if median < float("inf") else None,
                **sketch.incidence(days)}

    types = {t: curves(SurvivalSketch.combine(o.type_stats[t].survival for o in outs)) for t in case_types}
    return {"days": days, "all": curves(pooled), "case_types": types}
