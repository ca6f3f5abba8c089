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


def counted(summary, designs: list[str]) -> int:
    """Cases counted after the warm-up, every design and replication."""
    return sum(summary.designs[d].accounting.counted for d in designs)


def no_cases_note(summary, designs: list[str]) -> str:
    """Why a run has nothing to compare: no case was opened in the measured window."""
    simulated = sum(summary.designs[d].accounting.simulated for d in designs)
    window = ""
    if summary.horizon_hours is not None:
        window = (f" (from day {(summary.warmup_hours or 0) / 24:g}, the end of the warm-up, to day "
                  f"{summary.horizon_hours / 24:g})")
    before = ("no case was simulated at all" if simulated == 0 else
              f"the {fmt.plural(simulated, 'case')} simulated all opened during the warm-up")
    return (f"No case was counted: no case opened in the measured window{window}, so there is no effort, "
            f"resolution or churn to compare ({before}). Lengthen the horizon, shorten the warm-up, or raise "
            "customers.case_rate or customers.count.")


DECIDES = "effort_hours_mean"  # the customer outcome the verdict ranks designs on


def _versus(summary, a: str, b: str, metric: str):
    """``a`` minus ``b`` over paired replications (one of them the baseline), or None."""
    from cxsim.estimates import Difference

    base = summary.baseline
    if b == base and summary.designs[a].vs_baseline is not None:
        return summary.designs[a].vs_baseline.get(metric)
    if a == base and summary.designs[b].vs_baseline is not None:
        d = summary.designs[b].vs_baseline.get(metric)
        if d is None or d.mean is None:
            return d
        return Difference(-d.mean, None if d.high is None else -d.high, None if d.low is None else -d.low,
                          significant=d.significant)
    return None


def _signed(value: float, metric: str, cash: str | None = None) -> str:
    """A difference as written: ``+1.2 h``, ``-3.4 pts``, ``+1,200 EUR``."""
    info = METRICS[metric]
    if info.is_share:
        shown = value * 100
        return f"{shown:+,.{fmt.decimals(shown)}f} pts"
    if info.unit == fmt.MONEY:
        return ("+" if value >= 0 else "-") + fmt.money(abs(value), cash)
    return f"{value:+,.{fmt.decimals(value)}f}" + (f" {info.unit}" if info.unit else "")


def _ci_text(diff, metric: str, cash: str | None = None) -> str:
    if diff is None or diff.low is None or diff.high is None:
        return "no interval"
    return f"95% CI {_signed(diff.low, metric, cash)} to {_signed(diff.high, metric, cash)}"


def _value(summary, design: str, metric: str, cash: str | None = None) -> str:
    e = summary.designs[design].metrics.get(metric)
    if e is None:
        return fmt.MISSING
    if e.note:
        return e.note
    if METRICS[metric].unit == fmt.MONEY:
        return fmt.money(e.mean, cash)
    unit = METRICS[metric].unit
    return fmt.number(e.mean, metric) + (f" {unit}" if unit and not METRICS[metric].is_share else "")


def verdict(view, assumptions: list[dict[str, Any]] | None = None,
            sensitivity: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """The report's opening: which design is best for customers (on ``DECIDES``), by how much against the
    baseline or the runner-up (the paired 95% CI), at what staffing cost, how sure, and on which
    assumptions it rests. Pairs of (question, answer)."""
    s = view.summary
    designs = list(view.designs)
    cash = fmt.currency(s)
    reps = fmt.plural(s.replications, "replication")
    if counted(s, designs) == 0:
        return [("Verdict", no_cases_note(s, designs))]
    means = {d: s.designs[d].metrics[DECIDES].mean for d in designs}
    ranked = sorted((d for d in designs if means[d] is not None), key=lambda d: means[d])
    if not ranked:
        return [("Verdict", "No design has a customer effort to compare.")]
    best = ranked[0]
    unmeasured = [d for d in designs if means[d] is None]
    left_out = [("Not compared", f"{', '.join(unmeasured)}: counted no case in the measured window (no "
                 f"customer opened one, or every customer had left), so there is no customer effort to "
                 f"compare.")] if unmeasured else []
    out = [("Best for customers", (
        f"{best}, on customer effort per case ({_value(s, best, DECIDES)} of the customer's own time, mean "
        f"over counted cases; this metric decides; annual churn {_value(s, best, 'annual_churn_rate')})."
        if len(designs) > 1 else
        f"Only one design ({best}): nothing to compare. Customers spend {_value(s, best, DECIDES)} per "
        f"case; annual churn {_value(s, best, 'annual_churn_rate')}."))]
    if len(designs) > 1:
        other = s.baseline if best != s.baseline and means[s.baseline] is not None else \
            ranked[1] if len(ranked) > 1 else None
        if other is None:
            return out + left_out
        role = "the baseline" if other == s.baseline else "the runner-up"
        diff = _versus(s, best, other, DECIDES)
        a, b = means[best], means[other]
        if fmt.number(a) == fmt.number(b):
            much = f"The same effort per case as {other} ({role}): {_value(s, best, DECIDES)}"
        else:
            pct = f", {(b - a) / b:.0%} less" if b else ""
            much = (f"{fmt.number(b - a)} h less effort per case than {other} ({role}){pct}: "
                    f"{_value(s, best, DECIDES)} against {_value(s, other, DECIDES)}")
        if diff is not None and diff.mean is not None:
            much += (f"; paired difference {_signed(diff.mean, DECIDES)} ({_ci_text(diff, DECIDES)}) over "
                     f"{reps} on the same customers and cases")
        churn = _versus(s, best, other, "annual_churn_rate")
        ra, rb = (_value(s, x, "annual_churn_rate") for x in (best, other))
        if ra == rb:
            much += f"; the same annual churn ({ra})"
        elif churn is not None and churn.mean is not None:
            much += (f"; annual churn {ra} against {rb} ({_signed(churn.mean, 'annual_churn_rate')}, "
                     f"{_ci_text(churn, 'annual_churn_rate')})")
        out.append(("By how much", much + "."))
        cost = _versus(s, best, other, "staff_cost")
        ca, cb = s.designs[best].metrics["staff_cost"].mean, s.designs[other].metrics["staff_cost"].mean
        if ca is not None and cb is not None:
            if fmt.number(ca) == fmt.number(cb):
                cost_text = f"The same staff cost as {other}: {fmt.money(ca, cash)} a month"
            else:
                cost_text = (f"Staff cost {fmt.money(ca, cash)} a month against {fmt.money(cb, cash)} in "
                             f"{other} ({_signed(ca - cb, 'staff_cost', cash)} a month)")
            cost_text += (f"; agent utilisation {_value(s, best, 'utilization')} against "
                          f"{_value(s, other, 'utilization')}")
            if cost is not None and cost.mean is not None and abs(cost.mean) > 0 and cost.low is not None:
                cost_text += f" (staff cost difference {_ci_text(cost, 'staff_cost', cash)})"
            out.append(("At what cost", cost_text + "."))
        if diff is None or diff.mean is None:
            sure = f"Cannot say: the difference from {other} has no estimate."
        elif diff.low is None:
            sure = ("Cannot say: one replication gives no interval; run at least 2 (e.g. --precision 5%) "
                    "before deciding.")
        elif diff.significant:
            sure = (f"Distinguishable: the paired 95% CI of the difference in effort from {other} "
                    f"({_ci_text(diff, DECIDES)[7:]}) excludes zero.")
        else:
            sure = (f"Not distinguishable from {other}: the paired 95% CI of the difference in effort "
                    f"({_ci_text(diff, DECIDES)[7:]}) includes zero; run more replications "
                    "(e.g. --precision 5%) before deciding.")
        out.append(("How sure", sure))
        if diff is not None and diff.mean is not None and not diff.significant:
            question, answer = out[0]
            out[0] = (question, answer[:-1] + f"; but not distinguishable from {other} yet (see How sure).")
    out += left_out
    out.append(("Rests on", _rests_on(assumptions or [], sensitivity, s)))
    return out


def _rests_on(assumptions: list[dict[str, Any]], sensitivity: dict[str, Any] | None, summary=None) -> str:
    from cxsim.sensitivity import RUN_CONTROL  # how a run is measured (horizon, seed...), not the world

    marked = [a for a in assumptions if a.get("assumption") and a["path"].split(".")[0] not in RUN_CONTROL]
    file = getattr(summary, "scenario_file", None)
    if marked:
        text = ("The scenario's assumptions (values marked '# [assumption]'): "
                + "; ".join(f"{a['path']} = {a['value']}" for a in marked) + ".")
    elif file and _written_source(file, summary.scenario_hash) is None:
        # the marks are comments in the file; the recorded content keeps values only
        text = (f"Not known here: the values {file} marks '# [assumption]' are comments in that file, which "
                "is not where the run read it or has changed since; rebuild the report where the file is, "
                "or run it again.")
    else:
        text = ("The scenario marks no value '# [assumption]': every input is taken as known. Mark the "
                "uncertain ones and run cxsim sensitivity to see which move the result.")
    if sensitivity:
        top = sensitivity_drivers(sensitivity)
        if top:
            text += " Sensitivity (±{:.0%}, one at a time): ".format(sensitivity.get("vary", 0)) + top + "."
    return text


def sensitivity_drivers(sens: dict[str, Any], metric: str = DECIDES, n: int = 3) -> str:
    """From sensitivity.json: the parameters that move the designs' difference on ``metric`` most, and
    any that flip the designs' order."""
    designs = sens.get("designs") or []
    rows = [r for r in sens.get("rows") or []
            if r.get("metric") == metric and r.get("quantity") not in designs and r.get("swing") is not None]
    if not rows:
        return ""
    top = sorted(rows, key=lambda r: -r["swing"])[:n]
    text = "largest swing of the difference from " + ", ".join(
        f"{r['parameter']} ({fmt.number(r['swing'])} {METRICS[metric].unit})" for r in top)
    flips = sorted({o["parameter"] for o in sens.get("ordering") or []
                    if o.get("metric") == metric and not (o.get("low") and o.get("high"))})
    text += ("; the order of the designs flips under " + ", ".join(flips)) if flips else \
        "; the order of the designs holds under every variation"
    return text


def findings(view) -> list[str]:
    """One plain sentence per headline finding, computed from the results."""
    s = view.summary
    designs = view.designs
    out: list[str] = []
    if counted(s, designs) == 0:
        return [no_cases_note(s, designs)]
    empty = [d for d in designs if counted(s, [d]) == 0]
    if empty:  # a design without cases has no effort, churn or tickets to set against the others
        designs = [d for d in designs if d not in empty]
        out.append(f"{', '.join(empty)} counted no case in the measured window (no customer opened one, or "
                   f"every customer had left): the findings below are about {', '.join(designs)} only.")

    def est(design: str, metric: str):
        return s.designs[design].metrics[metric]

    def mean(design: str, metric: str) -> float:
        return est(design, metric).mean or 0.0

    def num(value: float | None, metric: str = "") -> str:
        return fmt.number(value, metric)

    if len(designs) == 1:
        only = designs[0]
        return out + [f"Customers spent a mean of {num(mean(only, 'effort_hours_mean'))} h per case "
                      f"{_ci(est(only, 'effort_hours_mean'), 'effort_hours_mean')} in {only}."]
    worst = max(designs, key=lambda x: mean(x, "effort_hours_mean"))
    best = min(designs, key=lambda x: mean(x, "effort_hours_mean"))
    if num(mean(worst, "effort_hours_mean")) == num(mean(best, "effort_hours_mean")):
        out.append(f"Customers spent the same mean of {num(mean(best, 'effort_hours_mean'))} h of their own "
                   "time per case in every design.")
    else:
        out.append(f"Customers spent a mean of {num(mean(worst, 'effort_hours_mean'))} h of their own time "
                   f"per case in {worst} {_ci(est(worst, 'effort_hours_mean'), 'effort_hours_mean')}, "
                   f"against {num(mean(best, 'effort_hours_mean'))} h in {best} "
                   f"{_ci(est(best, 'effort_hours_mean'), 'effort_hours_mean')}.")
    if len(designs) > 2:  # the designs in between: every design ranked, so none goes unmentioned
        ranked = sorted(designs, key=lambda x: mean(x, "effort_hours_mean"))
        out.append("Ranked by customer effort per case: " + ", ".join(
            f"{x} {num(mean(x, 'effort_hours_mean'))} h (annual churn "
            f"{num(est(x, 'annual_churn_rate').mean, 'annual_churn_rate')})" for x in ranked) + ".")
    types_worst, types_best = s.designs[worst].case_types, s.designs[best].case_types
    if types_worst and worst != best:
        def ratio(t: str) -> float:
            a = types_worst[t]["effort_hours_p50"].mean or 0.0
            b = types_best[t]["effort_hours_p50"].mean or 0.0
            return a / b if b > 0 else 0.0

        t = max(types_worst, key=ratio)
        tw, tb = types_worst[t], types_best[t]
        if tw["effort_hours_p50"].mean is not None and tb["effort_hours_p50"].mean is not None:
            sentence = (f"In {worst}, customers spent a median of {num(tw['effort_hours_p50'].mean)} h "
                        f"{_ci(tw['effort_hours_p50'], 'effort_hours_p50')} per {t} case; in {best}, "
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
    if busiest != best and num(mean(busiest, "tickets_closed")) != num(mean(best, "tickets_closed")):
        share = mean(busiest, "closed_resolved_share")
        shown = num(share, "closed_resolved_share")
        marked = ("and marks every one of them resolved" if shown == "100%"
                  else f"but only {shown} of them were marked resolved")
        out.append(f"On the dashboard {busiest} looks busiest: "
                   f"{fmt.plural(mean(busiest, 'tickets_closed'), 'ticket')} closed a month against "
                   f"{num(mean(best, 'tickets_closed'))} in {best}, {marked}; yet its customers spend more "
                   "of their own time per case.")
    churner = max(designs, key=lambda x: mean(x, "annual_churn_rate") or 0.0)
    keeper = min(designs, key=lambda x: mean(x, "annual_churn_rate") or 0.0)
    if (mean(churner, "annual_churn_rate") or 0.0) > 0:
        cash = fmt.currency(s)
        lost = fmt.plural(mean(churner, 'customers_lost'), 'customer')
        kept = fmt.plural(mean(keeper, 'customers_lost'), 'customer')
        if churner == keeper:
            out.append(f"Every design loses {num(mean(churner, 'annual_churn_rate'), 'annual_churn_rate')} "
                       "of its customers a year.")
        else:
            out.append(f"{churner} loses {num(mean(churner, 'annual_churn_rate'), 'annual_churn_rate')} of "
                       f"its customers a year {_ci(est(churner, 'annual_churn_rate'), 'annual_churn_rate')}: "
                       f"{lost} lost in the measured window, "
                       f"{fmt.money(mean(churner, 'lost_mrr'), cash)} of monthly recurring revenue and "
                       f"{fmt.money(mean(churner, 'revenue_at_risk'), cash)} of revenue at risk a year; "
                       f"{keeper} loses {num(mean(keeper, 'annual_churn_rate'), 'annual_churn_rate')} a year "
                       f"({kept}, {fmt.money(mean(keeper, 'lost_mrr'), cash)} of monthly recurring revenue).")
    costs = {x: mean(x, "staff_cost") for x in designs}
    spread = (max(costs.values()) - min(costs.values())) / max(max(costs.values()), 1e-9)
    if spread <= 0.1:
        cash = fmt.currency(s)
        low, high = fmt.money(min(costs.values()), cash), fmt.money(max(costs.values()), cash)
        out.append(f"Staffing costs the same in every design ({low} a month)." if low == high else
                   f"Staffing costs about the same in every design ({low} to {high} a month).")
    base = s.baseline
    if base not in designs:  # the baseline counted no case: no paired difference to speak of
        return out
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
    env = jinja2.Environment(loader=jinja2.PackageLoader("cxsim", "templates"),
                             autoescape=jinja2.select_autoescape(default=True, default_for_string=True))
    env.filters["plural"] = fmt.plural  # "{{ n | plural('replication') }}": 1 replication, 2 replications
    return env


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


def render_report(view, sensitivity: dict[str, Any] | None = None) -> str:
    """The report's HTML for a live Result or a SavedResult (``sensitivity``: a sensitivity.json of the
    same scenario, whose strongest drivers the verdict names)."""
    summary = view.summary
    params = parameter_rows(summary.scenario_content, summary.scenario_file, summary.scenario_hash)
    charts = _inline_charts({name: (lambda make=make: make(view))
                             for name, make in applicable_charts(view).items()})
    content = summary.scenario_content or {}
    base = summary.baseline
    return _environment().get_template("report.html.j2").render(
        scenario=summary.scenario, description=content.get("description", ""), findings=findings(view),
        designs=view.designs, others=[x for x in view.designs if x != base], baseline=base,
        replications=summary.replications, sections=fmt.comparison_table(summary, view.designs),
        currency=fmt.currency(summary),
        charts=charts, parameters=params, scenario_file=summary.scenario_file,
        written=_written_source(summary.scenario_file, summary.scenario_hash) is not None,
        verdict=verdict(view, params, sensitivity), case_types=case_type_rows(summary, view.designs),
        no_cases=counted(summary, view.designs) == 0,
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


def case_type_rows(summary, designs: list[str]) -> list[list[str]]:
    """The per-case-type table (as the CLI prints it): per case type and design, the median effort, the
    Kaplan–Meier median days to resolution and, in brackets, the resolved cases' median."""
    return [[ctype, *cells] for ctype, cells in fmt.case_type_cells(summary, designs)]


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


def _written_source(scenario_file: str | None, scenario_hash: str | None):
    """The scenario file as written (with its comments), when it still says what ran (same content hash);
    else None (the file moved, changed, or the scenario was given as data)."""
    from pathlib import Path

    from cxsim.errors import ScenarioError
    from cxsim.scenario import Scenario
    from cxsim.yaml_source import load_source

    if not scenario_file or not scenario_hash or not Path(scenario_file).is_file():
        return None
    try:
        source = load_source(scenario_file)
        if Scenario.from_source(source).content_hash != scenario_hash:
            return None
    except (ScenarioError, OSError, ValueError):
        return None
    return source


def _inline(value: Any) -> str:
    """A value on one line: a distribution as ``lognormal(mean=1 h, sd=30 min)``, a list as ``a, b``."""
    if isinstance(value, dict):
        if "dist" in value:
            rest = ", ".join(f"{k}={_inline(v)}" for k, v in value.items() if k != "dist")
            return f"{value['dist']}({rest})"
        return "{" + ", ".join(f"{k}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return ", ".join(_inline(v) for v in value) if value else "(none)"
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _leaves(data: Any, path: tuple = ()):
    """(path, value) of every value to show on its own row; distributions and lists of plain values stay
    whole."""
    if isinstance(data, dict) and "dist" not in data and data:
        for key, value in data.items():
            yield from _leaves(value, (*path, str(key)))
    elif isinstance(data, list) and any(isinstance(v, (dict, list)) for v in data):
        for i, value in enumerate(data):
            yield from _leaves(value, (*path, i))
    else:
        yield path, data


def parameter_rows(content: dict | None, scenario_file: str | None = None,
                   scenario_hash: str | None = None) -> list[dict[str, Any]]:
    """The scenario as a table: a row per value (dotted path, value, the comment on its line in the file,
    whether it is marked ``# [assumption]``). From the file as written when it still matches what ran (its
    comments kept); else from the recorded content (every default resolved, no comments)."""
    from cxsim.sensitivity import ASSUMPTION_TAG, _comment

    source = _written_source(scenario_file, scenario_hash)
    data = source.data if source is not None else (content or {})
    lines = source.text.splitlines() if source is not None and source.text else []
    rows = []
    for path, value in _leaves(data):
        if not path or path[0] in ("description", "sweep"):
            continue
        line = source.lines.get(path) if source is not None else None
        comment = (_comment(lines[line - 1]) or "").strip() if line and line <= len(lines) else ""
        rows.append({"path": ".".join(str(p) for p in path), "value": _inline(value),
                     "comment": comment.replace(ASSUMPTION_TAG, "").strip(" -—:;"),
                     "assumption": ASSUMPTION_TAG in comment})
    return rows


def sweep_no_cases_note(sweep) -> str | None:
    """What the CLI and the report say when points counted no case: that no point did (nothing to compare),
    or which points (and designs) did not, and that their case metrics are left out rather than shown as 0;
    None when every point that ran counted cases."""
    from cxsim.sweep import counted_nothing

    if counted_nothing(sweep.points, sweep.designs):
        return ("No case was counted at any point of the sweep: no case opened in the measured window (after "
                "the warm-up, before the horizon), so there is no effort, resolution or churn to compare. "
                "Lengthen the horizon, shorten the warm-up, or raise customers.case_rate or customers.count.")
    points = [p for p in sweep.points if p.counted_no_case()]
    if not points:
        return None
    named = []
    for p in points:
        empty = p.counted_no_case()
        named.append(p.name() + ("" if len(empty) == len(sweep.designs) else f" (in {', '.join(empty)})"))
    return (f"No case was counted at {len(points)} of {len(sweep.points)} points: {'; '.join(named)}. Their "
            "effort, resolution, churn and ticket figures are left out of the tables and charts (shown as "
            "'no cases', not as 0).")


def sweep_findings(sweep) -> list[str]:
    """Per headline metric and design: where it starts and ends along the first swept parameter (over the
    points that counted cases); first, which points counted none."""
    from cxsim.sweep import counted_nothing

    note = sweep_no_cases_note(sweep)
    if counted_nothing(sweep.points, sweep.designs):
        return [note]
    first = sweep.parameters[0]
    ok = [p for p in sweep.points if p.summary]
    out = [note] if note else []
    failed = len(sweep.points) - len(ok)
    counting = [p for p in ok if len(p.counted_no_case()) < len(sweep.designs)]
    if len(counting) >= 2:
        a, b = counting[0], counting[-1]
        for metric in sweep.metrics:
            parts = []
            for design in sweep.designs:
                va, vb = a.estimate(design, metric), b.estimate(design, metric)
                if va is not None and vb is not None and va.mean is not None and vb.mean is not None:
                    unit = METRICS[metric].unit
                    unit = f" {unit}" if unit and not METRICS[metric].is_share and unit != fmt.MONEY else ""
                    start, end = fmt.number(va.mean, metric) + unit, fmt.number(vb.mean, metric) + unit
                    parts.append(f"stays at {start} in {design}" if start == end else
                                 f"goes from {start} to {end} in {design}")
            if parts:
                out.append(f"As {first} goes from {a.labels()[first]} to {b.labels()[first]}, "
                           f"{METRICS[metric].label} ({METRICS[metric].period}) " + "; ".join(parts) + ".")
    if failed:
        out.append(f"{failed} of {len(sweep.points)} points failed; their errors are in sweep.csv.")
    return out or ["Fewer than two points ran: nothing to compare."]


NO_CASES_CELL = "no cases"  # a sweep's table cell where the design counted no case (not a 0)


def sweep_tables(sweep) -> list[dict[str, Any]]:
    """A table per headline metric: a row per point, a cell per design (mean and interval, failed, or no
    cases)."""
    tables = []
    for metric in sweep.metrics:
        rows = []
        for p in sweep.points:
            cells = [fmt.Cell("failed", "") if not p.summary else
                     fmt.Cell(NO_CASES_CELL, "") if p.estimate(d, metric) is None and d in p.counted_no_case()
                     else fmt.cell(p.estimate(d, metric), metric) for d in sweep.designs]
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
        designs=sweep.designs, replications=sweep.replications, charts=charts,
        parameters=parameter_rows(content, scenario.origin, scenario.content_hash),
        written=_written_source(scenario.origin, scenario.content_hash) is not None,
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
    which = "The one parameter" if len(sens.parameters) == 1 else f"Each of {len(sens.parameters)} parameters"
    out = [f"{which} was moved to -{pct} and +{pct} of its value, one at a time, every variant on the same "
           f"customers and cases ({fmt.plural(sens.replications, 'replication')}, "
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
                low, high = fmt.number(min(values), first), fmt.number(max(values), first)
                base = fmt.number(mine[0]['base'], first)
                label = METRICS[first].label.strip()
                out.append(f"In {design}, {label} stays at {low} ({base} at base) under every variation."
                           if low == high else
                           f"In {design}, {label} stays between {_range_text(values, first)} "
                           f"({min(ratios):.2f}x to {max(ratios):.2f}x its base value of {base}).")
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
        replications=sens.replications, charts=charts,
        parameters=parameter_rows(content, scenario.origin, scenario.content_hash),
        written=_written_source(scenario.origin, scenario.content_hash) is not None,
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
           f"back-test targets against the log ({fmt.plural(bt.log['cases'], 'case')})."]
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
        charts=charts, parameters=parameter_rows(content, scenario.origin, scenario.content_hash),
        scenario_file=scenario.origin,
        provenance=_provenance(
            scenario=scenario.name, scenario_file=scenario.origin, scenario_hash=scenario.content_hash,
            seed=bt.seed, replications=bt.replications, cxsim_version=__version__, workers=bt.workers,
            wall_seconds=bt.wall_seconds, horizon_hours=bt.horizon_hours, warmup_hours=scenario.warmup))


CAPTIONS["backtest"] = ("Left: median days to resolution by hand-offs per case, the log against the "
                        "simulation (bars: the simulation's 95% CI over replications). Right: the share of "
                        "cases in each hand-off bucket.")
