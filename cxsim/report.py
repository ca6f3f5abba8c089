"""The HTML report a leader reads in two minutes: findings in plain sentences computed from the results,
the comparison table, every chart (inline SVG), then the scenario's parameters and provenance.

One self-contained file (no network), built with jinja2 (autoescaped: scenario and design names are user
text) from a live ``Result`` or from a results folder read back by ``cxsim.saved``. The same result gives
the same bytes: SVG element ids are renumbered per chart in order of appearance (unique across the page)
and no date is embedded. Numbers are written by ``cxsim.formatting``, as in the CLI.
"""

from __future__ import annotations

import io
import re
from typing import Any

import jinja2

from cxsim import formatting as fmt
from cxsim.catalogue import METRICS
from cxsim.charts import applicable_charts, sweep_chart
from cxsim.policies import TRANSFER_POLICIES
from cxsim.version import __version__

CAPTIONS = {
    "effort_distribution": "Customer effort per case (log scale): median solid, 90th percentile dashed.",
    "effort_by_cause": "Where the customer's hours go: mean effort per case by cause.",
    "dashboard_vs_truth": "Top: the company's ticket metrics. Bottom: what customers live. 95% CIs.",
    "worst_journey": "The single highest-effort case of each design, ticket by ticket.",
    "transfer_matrix": "Hand-offs between teams per replication (first row: where intake sent new cases).",
    "customers_over_time": "Customers remaining and monthly revenue lost over the horizon, 95% CI bands.",
    "resolution_over_time": "Competing risks: share of cases resolved, abandoned and still open by each day "
                            "since opening (Aalen–Johansen cumulative incidence, cases open at the horizon "
                            "censored); dashed: Kaplan–Meier median; dotted: the slowest case type resolved.",
}


def _ci(estimate, metric: str = "") -> str:
    return fmt.interval(estimate, metric, prefix="95% CI ")


def findings(view) -> list[str]:
    """One plain sentence per headline finding, computed from the results."""
    s = view.summary
    designs = view.designs
    out: list[str] = []

    def est(design: str, metric: str):
        return s.designs[design].metrics[metric]

    def mean(design: str, metric: str) -> float:
        return est(design, metric).mean or 0.0

    def num(value: float | None, metric: str = "") -> str:
        return fmt.number(value, metric)

    if len(designs) == 1:
        only = designs[0]
        return [f"Customers spent a mean of {num(mean(only, 'effort_hours_mean'))} h per case "
                f"{_ci(est(only, 'effort_hours_mean'))} in {only}."]
    worst = max(designs, key=lambda x: mean(x, "effort_hours_mean"))
    best = min(designs, key=lambda x: mean(x, "effort_hours_mean"))
    out.append(f"Customers spent a mean of {num(mean(worst, 'effort_hours_mean'))} h of their own time per "
               f"case in {worst} {_ci(est(worst, 'effort_hours_mean'))}, against "
               f"{num(mean(best, 'effort_hours_mean'))} h in {best} {_ci(est(best, 'effort_hours_mean'))}.")
    types_worst, types_best = s.designs[worst].case_types, s.designs[best].case_types
    if types_worst:
        def ratio(t: str) -> float:
            a = types_worst[t]["effort_hours_p50"].mean or 0.0
            b = types_best[t]["effort_hours_p50"].mean or 0.0
            return a / b if b > 0 else 0.0

        t = max(types_worst, key=ratio)
        tw, tb = types_worst[t], types_best[t]
        sentence = (f"In {worst}, customers spent a median of {num(tw['effort_hours_p50'].mean)} h "
                    f"{_ci(tw['effort_hours_p50'])} per {t} case; in {best}, "
                    f"{num(tb['effort_hours_p50'].mean)} h")
        def km(e) -> str:  # a Kaplan–Meier median, or that it lies beyond the follow-up
            return "beyond the horizon" if e.note else f"{num(e.mean)} days"

        kw, kb = tw["resolution_days_p50"], tb["resolution_days_p50"]
        if (kw.mean is not None or kw.note) and (kb.mean is not None or kb.note):
            sentence += (f", and waited a median of {km(kw)} for a real resolution against {km(kb)} "
                         "(Kaplan–Meier: abandoned and still-open cases count as not yet resolved")
            resolved_only = tw["resolution_days_resolved_p50"].mean
            if resolved_only is not None:
                sentence += f"; the resolved {t} cases alone suggest {num(resolved_only)} days"
            sentence += ")"
        out.append(sentence + ".")
    busiest = max(designs, key=lambda x: mean(x, "tickets_closed"))
    if busiest != best:
        out.append(f"On the dashboard {busiest} looks busiest: {num(mean(busiest, 'tickets_closed'))} "
                   f"tickets closed a month against {num(mean(best, 'tickets_closed'))} in {best}, but only "
                   f"{num(mean(busiest, 'closed_resolved_share'), 'closed_resolved_share')} of its closed "
                   "tickets were resolved.")
    churner = max(designs, key=lambda x: mean(x, "churn_rate"))
    keeper = min(designs, key=lambda x: mean(x, "churn_rate"))
    if mean(churner, "churn_rate") > 0:
        out.append(f"{churner} lost {num(mean(churner, 'churn_rate'), 'churn_rate')} of its customers at "
                   f"renewal {_ci(est(churner, 'churn_rate'), 'churn_rate')} and "
                   f"{num(mean(churner, 'lost_revenue'))} of monthly revenue; "
                   f"{keeper} lost {num(mean(keeper, 'churn_rate'), 'churn_rate')} and "
                   f"{num(mean(keeper, 'lost_revenue'))}.")
    costs = {x: mean(x, "staff_cost") for x in designs}
    spread = (max(costs.values()) - min(costs.values())) / max(max(costs.values()), 1e-9)
    if spread <= 0.1:
        out.append(f"Staffing costs about the same in every design ({num(min(costs.values()))} to "
                   f"{num(max(costs.values()))} a month).")
    base = s.baseline
    unclear = [x for x in designs if x != base
               and not s.designs[x].vs_baseline["effort_hours_mean"].significant]
    if unclear:
        out.append("The difference in effort from " + base + " is not significant for "
                   + ", ".join(unclear) + ": run more replications (--precision) before deciding.")
    else:
        out.append(f"Every design's difference in effort from {base} is significant (paired 95% CI "
                   "excludes zero).")
    return out


# ------------------------------------------------------------------ charts as inline SVG

_ID = re.compile(r'(\s)id="([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)([^")]+)')


def renumber_ids(svg: str, prefix: str) -> str:
    """Every element id of one SVG renamed ``prefix-1``, ``prefix-2``... in order of appearance, and every
    internal reference (``href="#..."``, ``url(#...)``) with it: ids unique across a page of several
    charts, and the same figure gives the same text (matplotlib's ids are random unless a process-wide
    salt is set)."""
    names: dict[str, str] = {}
    for match in _ID.finditer(svg):
        names.setdefault(match.group(2), f"{prefix}-{len(names) + 1}")
    svg = _ID.sub(lambda m: f'{m.group(1)}id="{names[m.group(2)]}"', svg)
    return _REF.sub(lambda m: m.group(1) + names.get(m.group(2), m.group(2)), svg)


def _svg(fig) -> str:
    buf = io.StringIO()
    # No metadata: no rdf:resource URL in the page, and no date (the same result, the same bytes).
    fig.savefig(buf, format="svg", metadata={"Type": None, "Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and doctype: inline SVG in HTML


def _inline_charts(figures: dict) -> list[dict[str, str]]:
    """Figures as inline SVG whose element ids are unique across the page."""
    return [{"name": name, "svg": renumber_ids(_svg(make()), name), "caption": CAPTIONS.get(name, "")}
            for name, make in figures.items()]


# ------------------------------------------------------------------ pages


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("cxsim", "templates"),
                              autoescape=jinja2.select_autoescape(default=True, default_for_string=True))


def _provenance(*, scenario: str, scenario_file: str | None, scenario_hash: str | None, seed: int,
                replications: int, cxsim_version: str, workers: str | None, wall_seconds: float,
                horizon_hours: float | None = None,
                warmup_hours: float | None = None) -> list[tuple[str, Any]]:
    rows = [
        ("scenario", scenario),
        ("scenario file", scenario_file),
        ("content hash", scenario_hash),
        ("seed", seed),
        ("replications", replications),
    ]
    if horizon_hours is not None:
        rows += [("horizon", f"{horizon_hours / 24:g} days"),
                 ("warm-up", f"{(warmup_hours or 0) / 24:g} days")]
    return rows + [("cxsim version", cxsim_version), ("ran on", workers),
                   ("wall time", f"{wall_seconds:.1f} s")]


def render_report(view) -> str:
    """The report's HTML for a live Result or a SavedResult."""
    summary = view.summary
    charts = _inline_charts({name: (lambda make=make: make(view))
                             for name, make in applicable_charts(view).items()})
    content = summary.scenario_content or {}
    base = summary.baseline
    return _environment().get_template("report.html.j2").render(
        scenario=summary.scenario, description=content.get("description", ""), findings=findings(view),
        designs=view.designs, others=[x for x in view.designs if x != base], baseline=base,
        replications=summary.replications, sections=fmt.comparison_table(summary, view.designs),
        charts=charts, parameters=_yaml(content), scenario_file=summary.scenario_file,
        rules=design_rules(content, view.designs),
        provenance=_provenance(
            scenario=summary.scenario, scenario_file=summary.scenario_file,
            scenario_hash=summary.scenario_hash, seed=summary.seed, replications=summary.replications,
            cxsim_version=summary.cxsim_version, workers=summary.run.workers,
            wall_seconds=summary.run.wall_seconds, horizon_hours=summary.horizon_hours,
            warmup_hours=summary.warmup_hours))


# What each design ran with, from the scenario as run (defaults resolved) and the policy tables' switches.
RULES = (
    ("transfer", "policy", "transfer policy", str),
    ("transfer", "new_ticket", "a hand-off closes the ticket and opens a new one", None),
    ("transfer", "keep_place", "the case keeps its place in line", None),
    ("transfer", "jump_queue", "help is pulled in ahead of the queue", None),
    ("transfer", "customer_follows", "the customer deals with each new team", None),
    ("transfer", "remembers_visited", "the next guess avoids teams already tried", None),
    ("transfer", "accuracy", "a guess of the next team is right (x (1 - difficulty))", "share"),
    ("transfer", "reexplain", "re-explaining per transfer (share of effort.reexplain)", "share"),
    ("transfer", "chasing", "chasing once handed on (share of effort.chasing)", "share"),
    ("transfer", "handoff_time", "agent time per hand-off", str),
    ("transfer", "briefing", "diagnosis the next agent needs (share)", "share"),
    ("incentive", "scheme", "incentive scheme", str),
    ("incentive", "premature_closure", "in-skill tickets closed before the fix works", "share"),
    ("incentive", "deflection", "long in-skill cases sent away ('not in my lane')", "share"),
    ("incentive", "rush", "diagnosis time cut by rushing", "share"),
    ("incentive", "rush_penalty", "drop in recognising a case when rushing", "share"),
)


def design_rules(content: dict, designs: list[str]) -> list[dict[str, Any]]:
    """Rows of the 'how each design works' table (empty without the scenario's content)."""
    blocks = (content or {}).get("designs") or {}
    if not all(isinstance(blocks.get(d), dict) for d in designs):
        return []
    rows = []
    for part, key, label, kind in RULES:
        values = []
        for design in designs:
            spec = blocks[design].get(part) or {}
            if kind is None:  # a switch of the policy, from the table
                policy = TRANSFER_POLICIES.get(spec.get("policy"))
                value = None if policy is None else getattr(policy, key)
                values.append("–" if value is None else ("yes" if value else "no"))
            else:
                value = spec.get(key)
                values.append("–" if value is None else f"{value:.0%}" if kind == "share" else str(value))
        rows.append({"label": label, "cells": values})
    return rows


def _yaml(data: dict) -> str:
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.default_flow_style = False
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def _point_estimate(point, design: str, metric: str):
    """A sweep point's estimate of one metric for one design; None when the point failed."""
    if point.summary is None or design not in point.summary.designs:
        return None
    return point.summary.designs[design].metrics.get(metric)


def sweep_findings(sweep) -> list[str]:
    """Per headline metric and design: where it starts and ends along the first swept parameter."""
    first = sweep.parameters[0]
    ok = [p for p in sweep.points if p.summary]
    out = []
    failed = len(sweep.points) - len(ok)
    if len(ok) >= 2:
        a, b = ok[0], ok[-1]
        for metric in sweep.metrics:
            parts = []
            for design in sweep.designs:
                va, vb = _point_estimate(a, design, metric), _point_estimate(b, design, metric)
                if va is not None and vb is not None and va.mean is not None and vb.mean is not None:
                    parts.append(f"{fmt.number(va.mean, metric)} to {fmt.number(vb.mean, metric)} "
                                 f"in {design}")
            if parts:
                out.append(f"As {first} goes from {a.values[first]} to {b.values[first]}, "
                           f"{METRICS[metric].label} goes from " + "; ".join(parts) + ".")
    if failed:
        out.append(f"{failed} of {len(sweep.points)} points failed; their errors are in sweep.csv.")
    return out or ["Fewer than two points ran: nothing to compare."]


def sweep_tables(sweep) -> list[dict[str, Any]]:
    """A table per headline metric: a row per point, a cell per design (mean and interval, or failed)."""
    tables = []
    for metric in sweep.metrics:
        rows = []
        for p in sweep.points:
            cells = [fmt.cell(_point_estimate(p, d, metric), metric) if p.summary else fmt.Cell("failed", "")
                     for d in sweep.designs]
            rows.append({"params": [p.values[k] for k in sweep.parameters], "cells": cells})
        tables.append({"title": fmt.label(metric), "rows": rows})
    return tables


def render_sweep_report(sweep) -> str:
    """The report of a sweep: findings, a table per headline metric, the sweep charts, provenance."""
    charts = _inline_charts({f"sweep_{m}": (lambda m=m: sweep_chart(sweep, m)) for m in sweep.metrics})
    scenario = sweep.scenario
    content = scenario.content or {}
    return _environment().get_template("sweep_report.html.j2").render(
        scenario=scenario.name, description=content.get("description", ""),
        parameters_swept=sweep.parameters, findings=sweep_findings(sweep), tables=sweep_tables(sweep),
        designs=sweep.designs, replications=sweep.replications, charts=charts, parameters=_yaml(content),
        scenario_file=scenario.origin,
        provenance=_provenance(
            scenario=scenario.name, scenario_file=scenario.origin, scenario_hash=scenario.content_hash,
            seed=sweep.seed, replications=sweep.replications, cxsim_version=__version__,
            workers=sweep.workers, wall_seconds=sweep.wall_seconds))
