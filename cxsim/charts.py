"""Charts: functions that take a ``Result`` (or saved results) and return a matplotlib Figure (researchers
restyle them; ``cxsim.outputs`` saves the same figures as PNG, the report inlines them as SVG). Titles
state the finding; colours are distinguishable in greyscale.

Figures are built with matplotlib's object API (``Figure``, ``fig.subplots``), never pyplot: importing or
using this module changes no backend, no rcParams and no pyplot state of the process that imports it.
"""

from __future__ import annotations

import string
import textwrap

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cxsim.catalogue import GROUPS, METRICS
from cxsim.formatting import plural
from cxsim.results import Result
from cxsim.sweep import ON_CASES, counted_nothing

NAME_ROOM = 24  # design names longer than this are shown as letters on axes, with a key below the chart
CHAR_EM = 0.62  # a wide character of DejaVu Sans as a share of the font size (for wrapping titles)


def design_labels(designs: list[str], room: int = NAME_ROOM) -> dict[str, str]:
    """How each design is named on a chart: its name when every name fits in ``room`` characters, else a
    letter (A, B, ...; the key is drawn by ``name_key``), so tick labels never overlap or run off."""
    if all(len(d) <= room for d in designs):
        return {d: d for d in designs}
    letters = string.ascii_uppercase
    return {d: letters[i] if i < 26 else f"D{i + 1}" for i, d in enumerate(designs)}


def name_key(fig: Figure, labels: dict[str, str]) -> None:
    """Under the chart, which design each letter stands for (nothing when names are shown in full)."""
    if all(k == v for k, v in labels.items()):
        return
    width = fig.get_figwidth()
    lines = [wrap(f"{short} = {name}", width, 7) for name, short in labels.items()]
    fig.supxlabel("\n".join(lines), fontsize=7, ha="left", x=0.01, multialignment="left")


def wrap(text: str, width_in: float, fontsize: float) -> str:
    """``text`` broken into lines that fit ``width_in`` inches at ``fontsize`` points (long design names
    would otherwise run off the figure)."""
    chars = max(16, int(width_in * 72 / (fontsize * CHAR_EM)))
    return "\n".join("\n".join(textwrap.wrap(part, chars, break_long_words=True)) or part
                     for part in text.split("\n"))


def no_data(ax, message: str = "No counted cases: nothing to draw") -> None:
    """An empty panel that says why it is empty (a run where no case was counted)."""
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=10, color="#555555",
            transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def counted_cases(result) -> int:
    """Cases counted after the warm-up, every design and replication."""
    return sum(result.summary.designs[d].accounting.counted for d in result.designs)

CAUSES = (
    ("effort_contact_hours_mean", "contact", "#1b3a5c"),
    ("effort_waiting_hours_mean", "waiting / chasing", "#6f8fb0"),
    ("effort_reexplain_hours_mean", "re-explaining", "#c7d3e0"),
    ("effort_reopen_hours_mean", "reopening", "#e8a33c"),
)


def effort_distribution(result: Result) -> Figure:
    """Customer effort per case, one row per design, log scale, with the median and p90 marked.

    The violin's shape comes from the per-case rows (kept cases: a sample unless ``--cases all``); the
    median and p90 marked are the summary's estimates (the table's and summary.csv's numbers), not a
    quantile recomputed from the sample, so the chart and the table never disagree."""
    designs = result.designs
    names = design_labels(designs)
    fig = Figure(figsize=(8, 1.2 + 0.9 * len(designs)), layout="constrained")
    ax = fig.subplots()
    medians = {}
    shown = []
    for i, design in enumerate(designs):
        effort = np.array([row["effort_hours"] for row in result.case_rows(design)], dtype=float)
        effort = np.clip(effort[np.isfinite(effort)], 0.01, None)
        metrics = result.summary.designs[design].metrics
        p50, p90 = (metrics[m].mean if m in metrics else None
                    for m in ("effort_hours_p50", "effort_hours_p90"))
        if len(effort) == 0 or p50 is None or p90 is None:
            continue
        parts = ax.violinplot([np.log10(effort)], positions=[i], orientation="horizontal",
                              showextrema=False, widths=0.8)
        for body in parts["bodies"]:
            body.set_facecolor("#6f8fb0")
            body.set_edgecolor("#1b3a5c")
            body.set_alpha(0.8)
        medians[names[design]] = p50
        lo50, lo90 = np.log10(max(p50, 0.01)), np.log10(max(p90, 0.01))
        ax.plot([lo50] * 2, [i - 0.35, i + 0.35], color="black", lw=2.5)
        ax.plot([lo90] * 2, [i - 0.35, i + 0.35], color="black", lw=1.2, ls="--")
        ax.annotate(f"median {p50:.1f} h, p90 {p90:.1f} h", (lo90, i + 0.38), fontsize=8,
                    ha="left", va="bottom")
        shown.append(effort)
    ax.set_yticks(range(len(designs)), [names[d] for d in designs])
    if shown:  # the log axis starts at the decade below the smallest effort drawn, ends above the largest
        every = np.concatenate(shown)
        low, high = int(np.floor(np.log10(every.min()))), int(np.ceil(np.log10(every.max())))
        ticks = np.arange(low, max(high, low + 1) + 1)
        ax.set_xticks(ticks, [f"{10.0 ** t:g}" for t in ticks])
        ax.set_xlim(ticks[0], ticks[-1])
    else:
        no_data(ax)
    ax.set_xlabel(wrap("customer effort per case (hours, log scale; every counted case, open ones' effort so "
                       "far); solid: median, dashed: p90 (the summary's estimates)", 8, 10))
    ax.set_ylim(-0.6, len(designs) - 0.2)
    ax.grid(axis="x", color="#dddddd")
    ax.set_title(wrap(_effort_title(medians), 8, 12))
    name_key(fig, names)
    return fig


def _effort_title(medians: dict[str, float]) -> str:
    if len(medians) < 2:
        return "Customer effort per case"
    worst = max(medians, key=medians.get)
    best = min(medians, key=medians.get)
    if f"{medians[worst]:.1f}" == f"{medians[best]:.1f}":
        return f"Median customer effort is about the same in every design ({medians[best]:.1f} h)"
    if medians[best] <= 0:
        return f"Median customer effort: {medians[worst]:.1f} h in {worst}, none in {best}"
    return f"Median customer effort is {medians[worst] / medians[best]:.1f}x higher in {worst} than in {best}"


def effort_by_cause(result: Result) -> Figure:
    """Where the customer's hours go: mean effort per case by cause, stacked, one bar per design."""
    designs = result.designs
    names = design_labels(designs)
    width = max(6.5, 3.5 + 1.3 * len(designs))
    fig = Figure(figsize=(width, 4.5), layout="constrained")
    ax = fig.subplots()
    bottom = np.zeros(len(designs))
    hatches = ("", "//", "..", "xx")
    for (metric, label, colour), hatch in zip(CAUSES, hatches, strict=True):
        values = np.array([result.metric(d, metric) or 0.0 for d in designs])
        ax.bar(range(len(designs)), values, bottom=bottom, label=label, color=colour, edgecolor="black",
               hatch=hatch)
        bottom += values
    ax.set_xticks(range(len(designs)), [names[d] for d in designs])
    for i, total in enumerate(bottom):
        ax.annotate(f"{total:.1f} h", (i, total), ha="center", va="bottom", fontsize=9)
    ax.set_ylabel("mean customer hours per case")
    if len(designs) and bottom.max() > 0:
        worst = int(np.argmax(bottom))
        causes = {label: result.metric(designs[worst], metric) or 0.0 for metric, label, _ in CAUSES}
        top = max(causes, key=causes.get)
        ax.set_title(wrap(f"{names[designs[worst]]} costs customers {bottom[worst]:.1f} h per case; "
                          f"{causes[top] / bottom[worst]:.0%} of it is {top}", width - 1.5, 11), fontsize=11)
    elif counted_cases(result) == 0:
        ax.set_title("No counted cases: no customer effort to break down", fontsize=11)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    name_key(fig, names)
    return fig


def metric_axis_label(metric: str, currency: str | None = None) -> str:
    """A metric's axis label with its unit and period: shares in %, money in the scenario's currency (or
    none), e.g. 'annual churn rate (%, per year)'."""
    info = METRICS[metric]
    unit = (currency or "") if info.unit == "$" else info.unit
    return f"{info.label.strip()} ({unit + ', ' if unit else ''}{info.period})"


def sweep_chart(sweep, metric: str) -> Figure:
    """One headline metric against the (first) swept parameter: a line per design (and per value of a
    second parameter), with its 95% confidence band; failed points are left as gaps, and so are points where a
    design counted no case (for a metric measured on cases), named under the chart. Shares are drawn in
    percent, money in the scenario's currency."""
    label, meaning = METRICS[metric].label, METRICS[metric].meaning
    scale = 100.0 if METRICS[metric].is_share else 1.0
    currency = getattr(sweep.scenario, "currency", None)
    names = design_labels(sweep.designs)
    first = sweep.parameters[0]
    second = sweep.parameters[1] if len(sweep.parameters) > 1 else None
    xs_all = list(dict.fromkeys(p.labels()[first] for p in sweep.points))  # a distribution as its text
    numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs_all)
    position = {x: (x if numeric else i) for i, x in enumerate(xs_all)}
    fig = Figure(figsize=(7.5, 4.5), layout="constrained")
    ax = fig.subplots()
    styles = ["-", "--", ":", "-."]
    markers = ["o", "s", "^", "D", "v", "P"]
    lines = []
    groups = list(dict.fromkeys(p.labels()[second] for p in sweep.points)) if second else [None]
    for d_i, design in enumerate(sweep.designs):
        for g_i, group in enumerate(groups):
            pts = [p for p in sweep.points if second is None or p.labels()[second] == group]
            xs, ys, los, his = [], [], [], []
            for p in pts:
                value = p.estimate(design, metric)
                mean = value.mean if value else None
                xs.append(position[p.labels()[first]])
                ys.append(np.nan if mean is None else mean * scale)
                clip = METRICS[metric].clip  # a share's band within 0-100%, others' above 0
                lo, hi = (clip(value.low), clip(value.high)) if value else (None, None)
                los.append(np.nan if lo is None else lo * scale)
                his.append(np.nan if hi is None else hi * scale)
            name = names[design] if second is None else f"{names[design]}, {second.split('.')[-1]}={group}"
            colour = ["#1b3a5c", "#e8a33c", "#6f8fb0", "#8c2d04", "#555555"][(d_i + g_i) % 5]
            (line,) = ax.plot(xs, ys, ls=styles[d_i % 4], marker=markers[g_i % 6], color=colour, label=name)
            ax.fill_between(xs, los, his, color=colour, alpha=0.18, linewidth=0)
            lines.append((name, ys))
    if not numeric:
        ax.set_xticks(range(len(xs_all)), [str(x) for x in xs_all])
    empty = _no_case_points(sweep, metric, names)
    ax.set_xlabel(first + (f"\n{wrap(empty, 6.5, 10)}" if empty else ""))
    ax.set_ylim(bottom=0)  # every catalogue metric is >= 0 (a share from 0%)
    ax.set_ylabel(wrap(metric_axis_label(metric, currency), 4, 10))
    ax.grid(color="#dddddd")
    if any(np.isfinite(ys).any() for _, ys in lines):
        ax.legend(fontsize=8)
    else:
        no_data(ax, "No counted cases at any point: nothing to draw"
                if counted_nothing(sweep.points, sweep.designs)
                else "No point has a value: nothing to draw")
    finite = [(n, ys) for n, ys in lines if np.isfinite(ys[0]) and np.isfinite(ys[-1])]
    unit = "%" if scale == 100.0 else ""
    if finite:
        name, ys = finite[0]
        a, b = f"{ys[0]:.3g}{unit}", f"{ys[-1]:.3g}{unit}"
        moves = f"stays at {a}" if a == b else f"goes from {a} to {b}"
        ax.set_title(wrap(f"{label.strip()} {moves} ({name}) as {first.split('.')[-1]} goes from "
                          f"{xs_all[0]} to {xs_all[-1]}", 7, 11), fontsize=11)
    else:
        ax.set_title(wrap(f"{label.strip()}: {meaning}", 7, 11), fontsize=11)
    name_key(fig, names)
    return fig


def _no_case_points(sweep, metric: str, names: dict[str, str]) -> str:
    """Which points are not drawn because a design counted no case there ('' when none, or when no point
    counted a case at all: the chart says so itself)."""
    points = [p for p in sweep.points if p.counted_no_case()]
    if metric not in ON_CASES or not points or counted_nothing(sweep.points, sweep.designs):
        return ""
    shown = []
    for p in points:
        at = ", ".join(f"{path.split('.')[-1]}={v}" for path, v in p.labels().items())
        empty = p.counted_no_case()
        which = "" if len(empty) == len(sweep.designs) else f" ({', '.join(names.get(d, d) for d in empty)})"
        shown.append(at + which)
    return "no counted cases, not drawn: " + "; ".join(shown)


PANELS = {  # dashboard_vs_truth: a row of panels per metric group, (metric, panel title)
    "dashboard": (("tickets_closed", "tickets closed / month"),
                  ("ticket_close_hours", "hours to close a ticket"),
                  ("closed_resolved_share", "tickets closed 'resolved'")),
    "customer": (("resolution_days_mean", "days to real resolution"),
                 ("effort_hours_mean", "customer hours per case"),
                 ("annual_churn_rate", "customers lost a year")),
}
GREYS = ("#1b3a5c", "#e8a33c", "#6f8fb0", "#8c2d04", "#555555", "#b5c7d8")
HATCHES = ("", "//", "..", "xx", "\\\\", "oo")


def dashboard_vs_truth(result: Result) -> Figure:
    """What the company's ticket metrics say (top) beside what customers live (bottom), per design,
    with 95% CIs: a design can look best on the dashboard and be worst for customers."""
    designs = result.designs
    names = design_labels(designs, room=max(6, 36 // max(1, len(designs))))
    fig = Figure(figsize=(10, 6), layout="constrained")
    axes = fig.subplots(len(PANELS), 3)
    for row, (group, panel) in enumerate(PANELS.items()):
        for col, (metric, label) in enumerate(panel):
            ax = axes[row][col]
            values = [result.summary.designs[d].metrics[metric] for d in designs]
            means = np.array([v.mean or 0.0 for v in values])
            clip = METRICS[metric].clip  # a share's interval within 0-100%, others' above 0
            lows = np.array([clip(v.low) for v in values], dtype=float)
            highs = np.array([clip(v.high) for v in values], dtype=float)
            scale = 100.0 if METRICS[metric].is_share else 1.0
            err = np.clip(np.vstack([np.nan_to_num(means - lows), np.nan_to_num(highs - means)]), 0, None)
            ax.bar(range(len(designs)), means * scale, yerr=err * scale, capsize=3,
                   color=[GREYS[i % len(GREYS)] for i in range(len(designs))], edgecolor="black",
                   hatch=None)
            for bar, hatch in zip(ax.patches, HATCHES, strict=False):
                bar.set_hatch(hatch)
            ax.set_xticks(range(len(designs)), [names[d] for d in designs], fontsize=8)
            ax.set_title(label + (" (%)" if scale == 100.0 else ""), fontsize=9)
            ax.grid(axis="y", color="#dddddd")
        axes[row][0].set_ylabel(GROUPS[group], fontsize=10, fontweight="bold")
    fig.suptitle(wrap(_dashboard_title(result, names), 10, 11), fontsize=11)
    name_key(fig, names)
    return fig


def _dashboard_title(result: Result, names: dict[str, str] | None = None) -> str:
    designs = result.designs
    names = names or {d: d for d in designs}
    if len(designs) < 2:
        return "The dashboard and the customer's truth"
    if counted_cases(result) == 0:
        return "No counted cases: the dashboard and the customer's truth are empty"
    busiest = max(designs, key=lambda d: result.metric(d, "tickets_closed") or 0.0)
    easiest = min(designs, key=lambda d: result.metric(d, "effort_hours_mean") or 0.0)
    if busiest == easiest:
        return f"{names[busiest]} leads on the dashboard and for customers"
    busy, easy = (result.metric(d, "effort_hours_mean") or 0.0 for d in (busiest, easiest))
    if easy <= 0:
        return (f"{names[busiest]} closes the most tickets, yet its customers spend {busy:.1f} h per case "
                f"against none in {names[easiest]}")
    return (f"{names[busiest]} closes the most tickets, yet its customers spend {busy / easy:.1f}x the hours "
            f"of {names[easiest]}'s")


def worst_journey(result: Result) -> Figure:
    """The single highest-effort case of each design, ticket by ticket over calendar days: every team it
    visited, its waits in queues (light), agents' sessions (dark) and the gaps between tickets."""
    designs = [d for d in result.designs if result.details[d]["worst_journey"]]
    heights = [max(2, result.details[d]["worst_journey"]["tickets"]) for d in designs]
    # A row per ticket, never thinner than a 6-point label needs (a 75-ticket journey stays readable:
    # the figure grows instead).
    rows = sum(heights)
    row_in = 0.28 if rows <= 40 else 0.13
    height = min(1.4 + row_in * rows + 1.1 * len(designs), 60.0)
    fig = Figure(figsize=(10, height), layout="constrained")
    axes = fig.subplots(len(designs) or 1, 1, squeeze=False, gridspec_kw={"height_ratios": heights or [1]})
    if not designs:
        no_data(axes[0, 0], "No counted cases: no journey to draw")
    for ax, design in zip(axes[:, 0], designs, strict=False):
        j = result.details[design]["worst_journey"]
        start = j["opened_at_hours"]
        tickets = sorted({v["ticket"] for v in j["visits"]} | set(range(1, j["tickets"] + 1)))
        row = {t: i for i, t in enumerate(tickets)}
        labels = {t: f"ticket {t}" for t in tickets}
        for v in j["visits"]:
            y = row[v["ticket"]]
            wait = ((v["queued_at"] - start) / 24, (v["started_at"] - v["queued_at"]) / 24)
            work = ((v["started_at"] - start) / 24, max((v["ended_at"] - v["started_at"]) / 24, 0.02))
            ax.broken_barh([wait], (y - 0.3, 0.6), facecolors="#c7d3e0", edgecolor="#6f8fb0", hatch="//")
            ax.broken_barh([work], (y - 0.3, 0.6), facecolors="#1b3a5c")
            labels[v["ticket"]] = f"ticket {v['ticket']}: {v['team']}"
        ax.set_yticks(range(len(tickets)), [labels[t] for t in tickets], fontsize=7 if rows <= 40 else 6)
        ax.set_ylim(len(tickets) - 0.5, -0.5)
        end = j["ended_at_hours"] if j["ended_at_hours"] == j["ended_at_hours"] else None
        if end is not None:
            ax.axvline((end - start) / 24, color="#8c2d04", ls="--", lw=1)
        ax.set_xlabel("calendar days since the customer opened the case", fontsize=8)
        days = (end - start) / 24 if end is not None else None
        ax.set_title(wrap(f"{design}: a {j['case_type']} case, {j['effort_hours']:.0f} customer-hours, "
                          + ("still open, " if days is None else
                             f"{plural(round(days) if days >= 10 else round(days, 1), 'day')}, ")
                          + f"{plural(j['tickets'], 'ticket')}, {plural(j['transfers'], 'transfer')}, "
                          f"{plural(j['reopens'], 'reopen')} ({j['status']})", 9.5, 9), fontsize=9)
        ax.grid(axis="x", color="#eeeeee")
    if designs:
        axes[0, 0].legend(handles=[Rectangle((0, 0), 1, 1, fc="#c7d3e0", ec="#6f8fb0", hatch="//"),
                                   Rectangle((0, 0), 1, 1, fc="#1b3a5c")],
                          labels=["waiting in a queue", "with an agent"], fontsize=7, loc="lower right")
    fig.suptitle("The worst journey in each design", fontsize=11)
    return fig


def transfer_matrix(result: Result) -> Figure:
    """Hand-offs between teams (from -> to, mean per replication), intake's first routing included.

    Intake's row has its own colour scale: it routes every case, so on a shared scale it would be the only
    dark row and the hand-offs between teams (what the chart is about) would all look white."""
    designs = result.designs
    columns = min(3, len(designs))  # at most three panels a row: six designs stay legible in a page
    rows = -(-len(designs) // columns)
    width = max(4.6 * columns, 6.0)
    fig = Figure(figsize=(width, 4.6 * rows), layout="constrained")
    grid_axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in grid_axes[len(designs):]:
        ax.set_visible(False)
    for ax, design in zip(grid_axes, designs, strict=False):
        flows = result.details[design]["flows"]
        teams = sorted({f["to"] for f in flows} | {f["from"] for f in flows if f["from"] != "intake"})
        sources = ["intake", *teams]
        grid = np.zeros((len(sources), len(teams)))
        for f in flows:
            grid[sources.index(f["from"]), teams.index(f["to"])] = f["mean"]
        title = wrap(f"{design}: {plural(grid[1:].sum(), 'hand-off')} per replication", width / columns, 9)
        if not teams:
            no_data(ax, "No counted cases:\nno routing or hand-off")
            ax.set_title(title, fontsize=9)
            continue
        # intake (row 0) and the hand-offs (rows 1..) drawn as two images, each on its own scale
        extent_top = (-0.5, len(teams) - 0.5, 0.5, -0.5)
        extent_rest = (-0.5, len(teams) - 0.5, len(sources) - 0.5, 0.5)
        scales = (Normalize(0, grid[0].max() or 1.0), Normalize(0, grid[1:].max() if len(teams) and
                                                               grid[1:].max() else 1.0))
        ax.imshow(grid[:1], cmap="Blues", aspect="auto", extent=extent_top, norm=scales[0])
        ax.imshow(grid[1:], cmap="Greys", aspect="auto", extent=extent_rest, norm=scales[1])
        ax.axhline(0.5, color="black", lw=1.5)
        for (i, k), value in np.ndenumerate(grid):
            if value:
                top = scales[0 if i == 0 else 1].vmax
                ax.text(k, i, f"{value:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if value > top / 2 else "black")
        ax.set_xlim(-0.5, len(teams) - 0.5)
        ax.set_ylim(len(sources) - 0.5, -0.5)
        ax.set_xticks(range(len(teams)), teams, rotation=45, ha="right", fontsize=7)
        ax.set_yticks(range(len(sources)), sources, fontsize=7)
        ax.set_xlabel("to")
        ax.set_ylabel("from")
        ax.set_title(title, fontsize=9)
    fig.suptitle("Where cases go: intake's routing (top row, blue, its own scale) and every hand-off between "
                 "teams (grey)" if width >= 9 else "Where cases go: intake's routing (blue, own scale)\nand "
                 "hand-offs between teams (grey)", fontsize=10)
    return fig


def customers_over_time(result: Result) -> Figure:
    """Customers remaining and monthly revenue lost, per design over the horizon, with 95% CI bands."""
    names = design_labels(result.designs)
    currency = (result.summary.scenario_content or {}).get("currency")
    fig = Figure(figsize=(8, 5.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    ends = {}
    for i, design in enumerate(result.designs):
        timeline = result.details[design]["timeline"]
        if not timeline:
            continue
        days = np.array([p["hours"] / 24 for p in timeline])
        for ax, key in ((top, "customers"), (bottom, "lost_revenue")):
            mean = np.array([p[key]["mean"] for p in timeline], dtype=float)
            lo = np.array([p[key]["ci95"][0] if p[key]["ci95"][0] is not None else np.nan for p in timeline],
                          dtype=float)
            hi = np.array([p[key]["ci95"][1] if p[key]["ci95"][1] is not None else np.nan for p in timeline],
                          dtype=float)
            colour = GREYS[i % len(GREYS)]
            ax.plot(days, mean, color=colour, ls=("-", "--", ":", "-.")[i % 4], label=names[design])
            ax.fill_between(days, lo, hi, color=colour, alpha=0.18, linewidth=0)
        ends[names[design]] = timeline[-1]["lost_revenue"]["mean"]
    top.set_ylabel("customers remaining")
    bottom.set_ylabel(f"revenue lost per month{f' ({currency})' if currency else ''}")
    bottom.set_xlabel("days")
    for ax in (top, bottom):
        ax.grid(color="#dddddd")
    top.legend(fontsize=8)
    if len(ends) >= 2:
        worst = max(ends, key=ends.get)
        best = min(ends, key=ends.get)
        money = (lambda v: f"{v:,.0f} {currency}") if currency else (lambda v: f"{v:,.0f}")
        if f"{ends[worst]:,.0f}" == f"{ends[best]:,.0f}":
            text = f"By the end, every design has lost {money(ends[worst])} of revenue per month"
        else:
            text = (f"By the end, {worst} has lost {money(ends[worst])} of revenue per month; {best} "
                    f"{money(ends[best])}")
        top.set_title(wrap(text, 7.5, 11), fontsize=11)
    elif not ends:
        top.set_title("No customer population in this scenario", fontsize=11)
    name_key(fig, names)
    return fig


def backlog_over_time(result: Result) -> Figure:
    """Open cases at each day of the run (every case, warm-up included), per design, with 95% CI bands:
    a backlog still rising at the end means the results depend on the horizon."""
    names = design_labels(result.designs)
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.subplots()
    warmup = (result.summary.warmup_hours or 0) / 24
    ends = {}
    for i, design in enumerate(result.designs):
        backlog = result.details[design].get("backlog") or []
        if not backlog:
            continue
        days = np.array([p["day"] for p in backlog], dtype=float)
        mean = np.array([p["open"]["mean"] for p in backlog], dtype=float)
        lo = np.array([p["open"]["ci95"][0] if p["open"]["ci95"][0] is not None else np.nan for p in backlog],
                      dtype=float)
        hi = np.array([p["open"]["ci95"][1] if p["open"]["ci95"][1] is not None else np.nan for p in backlog],
                      dtype=float)
        colour = GREYS[i % len(GREYS)]
        ax.plot(days, mean, color=colour, ls=("-", "--", ":", "-.")[i % 4], label=names[design])
        ax.fill_between(days, lo, hi, color=colour, alpha=0.18, linewidth=0)
        ends[names[design]] = mean[-1]
    if warmup:
        ax.axvline(warmup, color="#999999", lw=0.8, ls=":")
        ax.text(warmup, ax.get_ylim()[1], " end of warm-up", fontsize=7, va="top", color="#666666")
    ax.set_xlabel("days")
    ax.set_ylabel("open cases")
    ax.grid(color="#dddddd")
    ax.legend(fontsize=8)
    growing = [w.design for w in result.summary.warnings if w.code == "backlog_growing"]
    if growing:
        which = ", ".join(names.get(g, g) for g in growing)
        ax.set_title(wrap(f"Backlog still growing at the end for {which}: results depend on the horizon", 7.5,
                          11), fontsize=11)
    elif ends:
        ax.set_title(wrap("Backlog: open cases per day; " + ", ".join(f"{d} ends at {v:,.0f}"
                                                                      for d, v in ends.items()), 7.5, 11),
                     fontsize=11)
    name_key(fig, names)
    return fig


def resolution_over_time(result: Result) -> Figure:
    """Competing risks: the share of cases resolved, abandoned and still open by each day since they
    opened (Aalen–Johansen, open cases censored at the horizon), one panel per design, with the Kaplan–Meier
    median and the slowest case type's resolved share dashed."""
    designs = [d for d in result.designs if result.details[d].get("incidence")]
    names = design_labels(result.designs, room=16)
    fig = Figure(figsize=(8, 1.0 + 2.2 * max(1, len(designs))), layout="constrained")
    axes = fig.subplots(max(1, len(designs)), 1, sharex=True, squeeze=False)[:, 0]
    medians: dict[str, float | None] = {}
    for ax, design in zip(axes, designs, strict=False):
        inc = result.details[design]["incidence"]
        days = np.array(inc["days"], dtype=float)
        shown = days > 0  # a log axis
        curves = inc["all"]
        layers = [np.array(curves[k], dtype=float)[shown] for k in ("resolved", "abandoned", "open")]
        ax.stackplot(days[shown], *layers, labels=("resolved", "abandoned", "still open"),
                     colors=("#1b3a5c", "#e8a33c", "#dddddd"), edgecolor="black", linewidth=0.3)
        median = curves["km_median_days"]
        medians[names[design]] = median
        if median is not None:
            ax.axvline(median, color="white", ls="--", lw=1.2)
            ax.annotate(f"half resolved by day {median:.3g}", (median, 0.52), fontsize=8, ha="left",
                        va="bottom", xytext=(3, 0), textcoords="offset points",
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
        types = {t: c for t, c in inc["case_types"].items() if c["cases"]}
        if types:
            slowest = max(types, key=lambda t: types[t]["km_median_days"] or float("inf"))
            ax.plot(days[shown], np.array(types[slowest]["resolved"], dtype=float)[shown], color="black",
                    ls=":", lw=1.5, label=f"{slowest} cases resolved")
        ax.set_xscale("log")
        if shown.any():  # the log axis starts where the data does (no empty decades on the left)
            ax.set_xlim(days[shown][0], days[shown][-1])
        ax.set_ylim(0, 1)
        ax.set_ylabel(names[design])
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
        ax.grid(color="#bbbbbb", lw=0.4)
    if designs:
        axes[0].legend(fontsize=7, loc="upper left", ncol=2)
    else:
        no_data(axes[0])
    axes[-1].set_xlabel("days since the case opened (log scale)")
    axes[0].set_title(wrap(_incidence_title(medians), 7.5, 11), fontsize=11)
    name_key(fig, names)
    return fig


def _incidence_title(medians: dict[str, float | None]) -> str:
    if not medians:
        return "No counted cases"
    parts = [f"{d} {'beyond the horizon' if m is None else f'{m:.3g} d'}" for d, m in medians.items()]
    return "Half the cases are really resolved by: " + ", ".join(parts) + " (Kaplan–Meier)"


RUN_CHARTS = {
    "effort_distribution": effort_distribution,
    "effort_by_cause": effort_by_cause,
    "dashboard_vs_truth": dashboard_vs_truth,
    "worst_journey": worst_journey,
    "transfer_matrix": transfer_matrix,
    "customers_over_time": customers_over_time,
    "backlog_over_time": backlog_over_time,
    "resolution_over_time": resolution_over_time,
}


def applicable_charts(result: Result) -> dict:
    """The charts that apply to a result (no customer chart without customers, no distribution without
    per-case rows, no per-case chart when no case was counted)."""
    charts = dict(RUN_CHARTS)
    if not any(result.details[d]["timeline"] for d in result.designs):
        charts.pop("customers_over_time")
    if not any(result.details[d].get("backlog") for d in result.designs):
        charts.pop("backlog_over_time")
    if not any(True for _ in result.case_rows()):
        charts.pop("effort_distribution")
    if not any(result.details[d].get("incidence") for d in result.designs):
        charts.pop("resolution_over_time")  # a results folder saved before it existed
    if counted_cases(result) == 0:  # nothing to draw per case: the report says so in its verdict
        for name in CASE_CHARTS:
            charts.pop(name, None)
    return charts


# Charts drawn from counted cases (left out of a run where no case was counted; each still draws an
# empty panel saying so when called directly).
CASE_CHARTS = ("effort_distribution", "effort_by_cause", "dashboard_vs_truth", "worst_journey",
               "transfer_matrix", "resolution_over_time")


def tornado_chart(sensitivity, metric: str) -> Figure:
    """Sensitivity of one headline metric: per parameter (largest swing on top), a bar from the base value
    to its value at -vary and one to +vary, for each design's difference from the baseline (or, with one
    design, its value). A parameter whose change swaps the designs' order is marked; a dashed line at zero
    is where the designs would swap."""
    s = sensitivity
    info = METRICS[metric]
    scale = 100.0 if info.is_share else 1.0
    currency = getattr(s.scenario, "currency", None)
    unit = "percentage points" if info.is_share else (currency or "") if info.unit == "$" else info.unit
    quantities = s.quantities()[len(s.designs):] or list(s.designs)
    rows = [r for r in s.rows() if r["metric"] == metric]
    params = [p.path for p in s.parameters]
    params_by = {p.path: p for p in s.parameters}
    fig = Figure(figsize=(10, 1.6 + (0.5 * len(params) + 0.9) * len(quantities)), layout="constrained")
    axes = fig.subplots(len(quantities), 1, squeeze=False)[:, 0]
    pct = f"{s.vary:.0%}"
    flips = []
    for ax, q in zip(axes, quantities, strict=True):
        by_param = {r["parameter"]: r for r in rows if r["quantity"] == q}
        order = sorted(params, key=lambda p: by_param[p]["swing"] or 0.0)  # largest on top (last drawn)
        base = by_param[params[0]]["base"] if params else None
        base = 0.0 if base is None else base * scale
        labels = []
        for y, p in enumerate(order):
            r = by_param[p]
            lo = r["at_low"] * scale if r["at_low"] is not None else base
            hi = r["at_high"] * scale if r["at_high"] is not None else base
            ax.barh(y + 0.18, lo - base, left=base, height=0.36, color="#6f8fb0", edgecolor="black",
                    label=f"-{pct}" if y == 0 else None)
            ax.barh(y - 0.18, hi - base, left=base, height=0.36, color="#e8a33c", edgecolor="black",
                    hatch="//", label=f"+{pct}" if y == 0 else None)
            flipped = not (r["ordering_holds_low"] and r["ordering_holds_high"])
            if flipped:
                flips.append(p)
            labels.append(f"{p}{'  ORDER FLIPS' if flipped else ''}\n{_tornado_values(params_by[p], r)}")
        ax.set_yticks(range(len(order)), labels, fontsize=7)
        for tick, p in zip(ax.get_yticklabels(), order, strict=True):
            if p in flips:
                tick.set_fontweight("bold")
                tick.set_color("#8c2d04")
        ax.axvline(base, color="black", lw=1.2)
        if q not in s.designs:
            ax.axvline(0.0, color="#8c2d04", lw=1, ls="--")
        ax.set_xlabel(f"{q}: {info.label.strip()}" + (f" ({unit})" if unit else "")
                      + f"\nbase {base:,.3g}", fontsize=8)
        ax.grid(axis="x", color="#dddddd")
        ax.legend(fontsize=7, loc="lower right")
    if flips:
        title = (f"{info.label.strip()}: the designs' order flips under ±{pct} on "
                 + ", ".join(sorted(set(flips))))
    else:
        title = (f"{info.label.strip()}: the designs' order holds under ±{pct} on each of "
                 f"{len(params)} parameters, one at a time")
    fig.suptitle(title, fontsize=10)
    return fig


def _tornado_values(param, row) -> str:
    """A parameter's values at -vary / +vary as a tick label: the values, or the factor for a
    distribution (scaled as a whole)."""
    if any(isinstance(v, dict) for v in param.base):
        return f"(distribution x{1 - param.vary:g} / x{1 + param.vary:g})"
    return f"({row['value_low']} / {row['value_high']})"


# ------------------------------------------------------------------ back-test


def backtest_chart(backtest) -> Figure:
    """The log against the simulation: median days to resolution by hand-off bucket (log scale; the
    simulation's 95% CI as bars) and the share of cases in each bucket."""
    from cxsim.handoffs import HANDOFF_BUCKETS

    labels = [label for label, _, _ in HANDOFF_BUCKETS]
    obs, sim = backtest.observed, backtest.simulated
    x = np.arange(len(labels))
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)

    def finite(value) -> float:
        return value if value is not None and np.isfinite(value) else np.nan

    for ax, key, unit in ((left, "median_days", "days"), (right, "share", "share")):
        o = np.array([finite(obs[f"bucket_{b}_{key}"]) for b in labels])
        est = [sim[f"bucket_{b}_{key}"] for b in labels]
        m = np.array([finite(e.mean) for e in est])
        lo = np.array([finite(e.low) if e.low is not None else finite(e.mean) for e in est])
        hi = np.array([finite(e.high) if e.high is not None else finite(e.mean) for e in est])
        scale = 100.0 if unit == "share" else 1.0
        ax.bar(x - 0.2, o * scale, 0.4, color="#1b3a5c", label="log (observed)")
        ax.bar(x + 0.2, m * scale, 0.4, color="#c7d3e0", edgecolor="#6f8fb0", hatch="//",
               label=f"simulation ({backtest.design}, {backtest.replications} replications)")
        ax.errorbar(x + 0.2, m * scale, yerr=[np.clip(m - lo, 0, None) * scale,
                                              np.clip(hi - m, 0, None) * scale],
                    fmt="none", ecolor="black", capsize=3, lw=1)
        ax.set_xticks(x, labels)
        ax.set_xlabel("hand-offs per case")
        ax.grid(axis="y", color="#dddddd")
    left.set_yscale("log")
    left.set_ylabel("median days to resolution (Kaplan–Meier, log scale)")
    left.set_title("Time to resolution by hand-offs", fontsize=10)
    right.set_ylabel("% of cases")
    right.set_title("Hand-offs per case", fontsize=10)
    right.legend(fontsize=8)
    missed = len(backtest.missed())
    fig.suptitle(f"Back-test: {len(backtest.targets) - missed} of {len(backtest.targets)} targets met "
                 f"({backtest.scenario.name}, design {backtest.design}); bars on the simulation: 95% CI",
                 fontsize=11)
    return fig
