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
    "backlog_over_time": "Open cases at each day of the run (warm-up included), 95% CI bands.",
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
    if len(designs) > 2:  # the designs in between: every design ranked, so none goes unmentioned
        ranked = sorted(designs, key=lambda x: mean(x, "effort_hours_mean"))
        out.append("Ranked by customer effort per case: " + ", ".join(
            f"{x} {num(mean(x, 'effort_hours_mean'))} h (annual churn "
            f"{num(est(x, 'annual_churn_rate').mean, 'annual_churn_rate')})" for x in ranked) + ".")
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
    churner = max(designs, key=lambda x: mean(x, "annual_churn_rate") or 0.0)
    keeper = min(designs, key=lambda x: mean(x, "annual_churn_rate") or 0.0)
    if (mean(churner, "annual_churn_rate") or 0.0) > 0:
        cash = fmt.currency(s)
        out.append(f"{churner} loses {num(mean(churner, 'annual_churn_rate'), 'annual_churn_rate')} of its "
                   f"customers a year {_ci(est(churner, 'annual_churn_rate'), 'annual_churn_rate')}: "
                   f"{num(mean(churner, 'customers_lost'))} lost in the measured window, "
                   f"{fmt.money(mean(churner, 'lost_mrr'), cash)} of monthly recurring revenue and "
                   f"{fmt.money(mean(churner, 'revenue_at_risk'), cash)} of revenue at risk a year; "
                   f"{keeper} loses {num(mean(keeper, 'annual_churn_rate'), 'annual_churn_rate')} "
                   f"({num(mean(keeper, 'customers_lost'))} customers, "
                   f"{fmt.money(mean(keeper, 'lost_mrr'), cash)} MRR).")
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
        warnings=[w.message for w in summary.warnings], teams=team_rows(summary, view.designs),
        demand=[(d, fmt.number(summary.designs[d].metrics["cases_per_month"].mean))
                for d in view.designs if "cases_per_month" in summary.designs[d].metrics],
        provenance=_provenance(
            scenario=summary.scenario, scenario_file=summary.scenario_file,
            scenario_hash=summary.scenario_hash, seed=summary.seed, replications=summary.replications,
            cxsim_version=summary.cxsim_version, workers=summary.run.workers,
            wall_seconds=summary.run.wall_seconds, horizon_hours=summary.horizon_hours,
            warmup_hours=summary.warmup_hours))


def team_rows(summary, designs: list[str]) -> list[list[str]]:
    """Rows of the 'load and stability' table: per team, utilisation, offered load planned (from the
    scenario) and measured (failure demand included), the failure-demand share and queue waits."""
    rows = []
    for design in designs:
        d = summary.designs[design]
        for team, util in d.team_utilization.items():
            ops = d.team_service.get(team, {})

            def show(key: str, metric: str = "", ops: Any = ops) -> str:
                e = ops.get(key)
                return fmt.number(e.mean if e else None, metric)

            rows.append([design, team, fmt.number(util.mean, "utilization"),
                         fmt.number(d.planned_load.get(team), "utilization"),
                         show("offered_load", "utilization"), show("failure_share", "utilization"),
                         show("wait_hours_mean"), show("wait_hours_p90")])
    return rows


# What each design ran with, from the scenario as run (defaults resolved) and the policy tables' switches.
RULES = (
    ("transfer", "policy", "transfer policy", str),
    ("transfer", "routing", "where a case goes next: guessed, or drawn from the observed matrix", str),
    ("transfer", "new_ticket", "a hand-off closes the ticket and opens a new one", None),
    ("transfer", "keep_place", "the case keeps its place in line", None),
    ("transfer", "jump_queue", "help is pulled in ahead of the queue", None),
    ("transfer", "customer_follows", "the customer deals with each new team", None),
    ("transfer", "memory", "who remembers the teams already tried (the next guess avoids them)", str),
    ("transfer", "accuracy", "a guess of the next team is right (difficulty 0; blind at 1, never below)",
     "share"),
    ("transfer", "reexplain", "re-explaining per transfer (share of effort.reexplain)", "share"),
    ("transfer", "chasing", "chasing once handed on (share of effort.chasing)", "share"),
    ("transfer", "handoff_time", "agent time per hand-off", str),
    ("transfer", "briefing", "diagnosis the next agent needs (share)", "share"),
    ("transfer", "pickup", "when the next team takes a handed-on case up", str),
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
                out.append(f"As {first} goes from {a.labels()[first]} to {b.labels()[first]}, "
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
            rows.append({"params": [p.labels()[k] for k in sweep.parameters], "cells": cells})
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


# ------------------------------------------------------------------ sensitivity


def _range_text(values: list[float], metric: str) -> str:
    return f"{fmt.number(min(values), metric)} and {fmt.number(max(values), metric)}"


def sensitivity_findings(sens) -> list[str]:
    """Plain sentences: whether the designs' order holds on each headline metric, which parameter moves
    the comparison most, how far each design's value moves, and the Morris ranking if it ran."""
    pct = f"{sens.vary:.0%}"
    out = [f"Each of {len(sens.parameters)} parameters was moved to -{pct} and +{pct} of its value, one at a "
           f"time, every variant on the same customers and cases ({sens.replications} replications, "
           f"seed {sens.seed}, common random numbers)."]
    rows = sens.rows()
    for metric in sens.metrics:
        label = METRICS[metric].label.strip()
        flips = [(o["parameter"], side) for o in sens.ordering() if o["metric"] == metric
                 for side, ok in (("-" + pct, o["low"]), ("+" + pct, o["high"])) if not ok]
        order = _order_text(sens, metric)
        if len(sens.designs) >= 2 and not flips:
            out.append(f"The order of the designs on {label} ({order}) holds under every variation.")
        elif len(sens.designs) >= 2:
            out.append(f"The order of the designs on {label} ({order}) flips at "
                       + ", ".join(f"{p} {side}" for p, side in flips) + ".")
        for q in sens.quantities()[len(sens.designs):]:
            mine = [r for r in rows
                    if r["metric"] == metric and r["quantity"] == q and r["swing"] is not None]
            if not mine:
                continue
            top = max(mine, key=lambda r: r["swing"])
            if top["swing"] > 0:
                lo, hi = fmt.number(top["at_low"], metric), fmt.number(top["at_high"], metric)
                out.append(f"Difference {q} in {label}: {fmt.number(top['base'], metric)} at base; the "
                           f"largest swing comes from {top['parameter']} ({lo} at -{pct}, {hi} at +{pct}).")
    first = sens.metrics[0] if sens.metrics else None
    if first is not None:
        for design in sens.designs:
            mine = [r for r in rows if r["metric"] == first and r["quantity"] == design]
            values = [v for r in mine for v in (r["at_low"], r["at_high"]) if v is not None]
            ratios = [v for r in mine for v in (r["ratio_low"], r["ratio_high"]) if v is not None]
            if values and ratios:
                out.append(f"In {design}, {METRICS[first].label.strip()} stays between "
                           f"{_range_text(values, first)} ({min(ratios):.2f}x to {max(ratios):.2f}x its base "
                           f"value of {fmt.number(mine[0]['base'], first)}).")
    if sens.morris:
        m = sens.morris
        q = sens.quantities()[-1]
        effects = m["effects"][first][q] if first else []
        ranked = sorted(effects, key=lambda e: e["rank"])[:3]
        if ranked:
            out.append(f"Morris screening ({m['trajectories']} trajectories, {m['levels']} levels) ranks "
                       + ", ".join(e["parameter"] for e in ranked)
                       + f" highest by mu* for {METRICS[first].label.strip()} ({q}).")
    return out


def _order_text(sens, metric: str) -> str:
    """The designs from lowest to highest at base, ties joined by '='."""
    ranked = sens.ranking(sens.base, metric)
    means = [sens.estimate(sens.base, metric, d).mean for d in ranked]
    text = ranked[0]
    for prev, (design, mean) in zip(means, zip(ranked[1:], means[1:], strict=True), strict=False):
        text += (" = " if mean == prev else " < ") + design
    return text


def sensitivity_tables(sens) -> list[dict[str, Any]]:
    """A table per headline metric: a row per parameter (largest swing of the last quantity first) with
    its values at -vary and +vary, each quantity at -vary and +vary, and whether the order holds."""
    rows = sens.rows()
    quantities = sens.quantities()
    tables = []
    for metric in sens.metrics:
        mine = [r for r in rows if r["metric"] == metric]
        last = quantities[-1]
        swing = {r["parameter"]: r["swing"] or 0.0 for r in mine if r["quantity"] == last}
        out_rows = []
        for p in sorted((p.path for p in sens.parameters), key=lambda p: -swing.get(p, 0.0)):
            by_q = {r["quantity"]: r for r in mine if r["parameter"] == p}
            first = by_q[quantities[0]]
            out_rows.append({
                "parameter": p, "low": first["value_low"], "high": first["value_high"],
                "cells": [(fmt.number(by_q[q]["at_low"], metric), fmt.number(by_q[q]["at_high"], metric))
                          for q in quantities],
                "holds": "yes" if first["ordering_holds_low"] and first["ordering_holds_high"] else "NO",
            })
        base = [fmt.number(sens.estimate(sens.base, metric, q).mean, metric) for q in quantities]
        morris = None
        if sens.morris:
            effects = sens.morris["effects"][metric][last]
            morris = [{"parameter": e["parameter"], "mu_star": fmt.number(e["mu_star"], metric),
                       "mu": fmt.number(e["mu"], metric), "sigma": fmt.number(e["sigma"], metric),
                       "rank": e["rank"]} for e in sorted(effects, key=lambda e: e["rank"])]
        tables.append({"metric": metric, "title": fmt.label(metric), "base": base, "rows": out_rows,
                       "morris": morris, "morris_quantity": last})
    return tables


def render_sensitivity_report(sens) -> str:
    """The report of a sensitivity analysis: findings, a table and a tornado chart per headline metric,
    the Morris screening if it ran, the parameters and provenance."""
    from cxsim.charts import tornado_chart

    charts = _inline_charts({f"tornado_{m}": (lambda m=m: tornado_chart(sens, m)) for m in sens.metrics})
    scenario = sens.scenario
    content = scenario.content or {}
    return _environment().get_template("sensitivity_report.html.j2").render(
        scenario=scenario.name, description=content.get("description", ""),
        findings=sensitivity_findings(sens), tables=sensitivity_tables(sens), quantities=sens.quantities(),
        vary=f"{sens.vary:.0%}", varied=[p.to_json() for p in sens.parameters], morris=sens.morris,
        replications=sens.replications, charts=charts, parameters=_yaml(content),
        scenario_file=scenario.origin,
        provenance=_provenance(
            scenario=scenario.name, scenario_file=scenario.origin, scenario_hash=scenario.content_hash,
            seed=sens.seed, replications=sens.replications, cxsim_version=__version__,
            workers=sens.workers, wall_seconds=sens.wall_seconds))


CAPTIONS.update({f"tornado_{name}": (
    f"Sensitivity of {metric.label.strip()}: each parameter at -vary (plain) and +vary (hatched), one at a "
    "time with common random numbers; largest swing on top; the dashed line is where the designs would "
    "swap order.") for name, metric in METRICS.items()})


# ------------------------------------------------------------------ back-test


def _backtest_value(key: str, value: float | None) -> str:
    """A back-test statistic as text: shares in %, days to two decimals, counts whole."""
    if value is None or value != value:
        return "—"
    if value == float("inf"):
        return "beyond the follow-up"
    if key == "cases":
        return f"{value:,.0f}"
    if "share" in key:
        return f"{100 * value:.1f}%"
    return f"{value:.2f}" if "days" in key else f"{value:.3f}"


def backtest_findings(bt) -> list[str]:
    """One sentence for the verdict, then one per missed target with its gap."""
    missed = bt.missed()
    out = [f"The simulation of {bt.design} meets {len(bt.targets) - len(missed)} of {len(bt.targets)} "
           f"back-test targets against the log ({bt.log['cases']:,} cases)."]
    out += [f"Missed — {t.rule}: {t.reason}." for t in missed]
    return out


def render_backtest_report(bt) -> str:
    """The back-test's report: the targets (met or missed, with the gap), observed against simulated
    statistics with 95% CIs, the chart, the scenario and provenance."""
    from cxsim.backtest import statistic_labels
    from cxsim.charts import backtest_chart

    charts = _inline_charts({"backtest": lambda: backtest_chart(bt)})
    rows = []
    for key, label in statistic_labels().items():
        est = bt.simulated[key]
        interval = "" if est.low is None else \
            f"95% CI {_backtest_value(key, est.low)} – {_backtest_value(key, est.high)}"
        simulated = _backtest_value(key, est.mean) if est.mean is not None or not est.note else \
            "beyond the follow-up"
        rows.append({"key": key, "label": label, "observed": _backtest_value(key, bt.observed[key]),
                     "simulated": simulated, "interval": interval})
    targets = [{"name": t.name, "rule": t.rule, "passed": t.passed, "reason": t.reason,
                "observed": _backtest_value(t.name, t.observed),
                "simulated": _backtest_value(t.name, t.simulated)}
               for t in bt.targets]
    scenario = bt.scenario
    content = scenario.content or {}
    return _environment().get_template("backtest_report.html.j2").render(
        scenario=scenario.name, description=content.get("description", ""), findings=backtest_findings(bt),
        design=bt.design, log_source=bt.log["source"], log_cases=f"{bt.log['cases']:,}",
        replications=bt.replications, targets=targets, rows=rows, notes=list(bt.observed_profile.notes),
        charts=charts, parameters=_yaml(content), scenario_file=scenario.origin,
        provenance=_provenance(
            scenario=scenario.name, scenario_file=scenario.origin, scenario_hash=scenario.content_hash,
            seed=bt.seed, replications=bt.replications, cxsim_version=__version__, workers=bt.workers,
            wall_seconds=bt.wall_seconds, horizon_hours=bt.horizon_hours, warmup_hours=scenario.warmup))


CAPTIONS["backtest"] = ("Left: median days to resolution by hand-offs per case, the log against the "
                        "simulation (bars: the simulation's 95% CI over replications). Right: the share of "
                        "cases in each hand-off bucket.")
