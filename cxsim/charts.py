"""Charts: functions that take a ``Result`` and return a matplotlib Figure (researchers restyle them; the
CLI saves the same figures as PNG). Titles state the finding; colours are distinguishable in greyscale.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cxsim.results import Result  # noqa: E402

CAUSES = (
    ("effort_contact_hours_mean", "contact", "#1b3a5c"),
    ("effort_waiting_hours_mean", "waiting / chasing", "#6f8fb0"),
    ("effort_reexplain_hours_mean", "re-explaining", "#c7d3e0"),
    ("effort_reopen_hours_mean", "reopening", "#e8a33c"),
)


def effort_distribution(result: Result) -> Figure:
    """Customer effort per case, one row per design, log scale, with the median and p90 marked."""
    designs = result.designs
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.9 * len(designs)), layout="constrained")
    medians = {}
    for i, design in enumerate(designs):
        effort = np.array([row["effort_hours"] for row in result.case_rows(design)])
        effort = np.clip(effort, 0.01, None)
        if len(effort) == 0:
            continue
        parts = ax.violinplot([np.log10(effort)], positions=[i], orientation="horizontal",
                              showextrema=False, widths=0.8)
        for body in parts["bodies"]:
            body.set_facecolor("#6f8fb0")
            body.set_edgecolor("#1b3a5c")
            body.set_alpha(0.8)
        p50, p90 = np.percentile(effort, [50, 90])
        medians[design] = p50
        ax.plot([np.log10(p50)] * 2, [i - 0.35, i + 0.35], color="black", lw=2.5)
        ax.plot([np.log10(p90)] * 2, [i - 0.35, i + 0.35], color="black", lw=1.2, ls="--")
        ax.annotate(f"median {p50:.1f} h, p90 {p90:.1f} h", (np.log10(p90), i + 0.38), fontsize=8,
                    ha="left", va="bottom")
    ax.set_yticks(range(len(designs)), designs)
    ticks = np.arange(-2, 4)
    ax.set_xticks(ticks, [f"{10.0 ** t:g}" for t in ticks])
    ax.set_xlabel("customer effort per case (hours, log scale); solid: median, dashed: p90")
    ax.set_ylim(-0.6, len(designs) - 0.2)
    ax.grid(axis="x", color="#dddddd")
    ax.set_title(_effort_title(medians))
    return fig


def _effort_title(medians: dict[str, float]) -> str:
    if len(medians) < 2:
        return "Customer effort per case"
    worst = max(medians, key=medians.get)
    best = min(medians, key=medians.get)
    ratio = medians[worst] / medians[best] if medians[best] > 0 else float("inf")
    return f"Median customer effort is {ratio:.1f}x higher in {worst} than in {best}"


def effort_by_cause(result: Result) -> Figure:
    """Where the customer's hours go: mean effort per case by cause, stacked, one bar per design."""
    designs = result.designs
    summary = result.summary["designs"]
    fig, ax = plt.subplots(figsize=(max(6.5, 3.5 + 1.3 * len(designs)), 4.5), layout="constrained")
    bottom = np.zeros(len(designs))
    hatches = ("", "//", "..", "xx")
    for (metric, label, colour), hatch in zip(CAUSES, hatches, strict=True):
        values = np.array([summary[d][metric]["mean"] or 0.0 for d in designs])
        ax.bar(designs, values, bottom=bottom, label=label, color=colour, edgecolor="black", hatch=hatch)
        bottom += values
    for i, total in enumerate(bottom):
        ax.annotate(f"{total:.1f} h", (i, total), ha="center", va="bottom", fontsize=9)
    ax.set_ylabel("mean customer hours per case")
    if len(designs) and bottom.max() > 0:
        worst = int(np.argmax(bottom))
        causes = {label: summary[designs[worst]][metric]["mean"] or 0.0 for metric, label, _ in CAUSES}
        top = max(causes, key=causes.get)
        ax.set_title(f"{designs[worst]} costs customers {bottom[worst]:.1f} h per case;\n"
                     f"{causes[top] / bottom[worst]:.0%} of it is {top}", fontsize=11)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return fig


def sweep_chart(sweep, metric: str) -> Figure:
    """One headline metric against the (first) swept parameter: a line per design (and per value of a
    second parameter), with its 95% confidence band; failed points are left as gaps."""
    from cxsim.metrics import METRICS

    label, unit, meaning = METRICS[metric]
    first = sweep.parameters[0]
    second = sweep.parameters[1] if len(sweep.parameters) > 1 else None
    xs_all = list(dict.fromkeys(p.values[first] for p in sweep.points))
    numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs_all)
    position = {x: (x if numeric else i) for i, x in enumerate(xs_all)}
    fig, ax = plt.subplots(figsize=(7.5, 4.5), layout="constrained")
    styles = ["-", "--", ":", "-."]
    markers = ["o", "s", "^", "D", "v", "P"]
    lines = []
    groups = list(dict.fromkeys(p.values[second] for p in sweep.points)) if second else [None]
    for d_i, design in enumerate(sweep.designs):
        for g_i, group in enumerate(groups):
            pts = [p for p in sweep.points if second is None or p.values[second] == group]
            xs, ys, los, his = [], [], [], []
            for p in pts:
                value = p.summary["designs"].get(design, {}).get(metric) if p.summary else None
                mean = value["mean"] if value else None
                xs.append(position[p.values[first]])
                ys.append(np.nan if mean is None else mean)
                lo, hi = value["ci95"] if value else (None, None)
                los.append(np.nan if lo is None else lo)
                his.append(np.nan if hi is None else hi)
            name = design if second is None else f"{design}, {second.split('.')[-1]}={group}"
            colour = ["#1b3a5c", "#e8a33c", "#6f8fb0", "#8c2d04", "#555555"][(d_i + g_i) % 5]
            (line,) = ax.plot(xs, ys, ls=styles[d_i % 4], marker=markers[g_i % 6], color=colour, label=name)
            ax.fill_between(xs, los, his, color=colour, alpha=0.18, linewidth=0)
            lines.append((name, ys))
    if not numeric:
        ax.set_xticks(range(len(xs_all)), [str(x) for x in xs_all])
    ax.set_xlabel(first)
    ax.set_ylabel(f"{label.strip()} ({unit})" if unit else label.strip())
    ax.grid(color="#dddddd")
    ax.legend(fontsize=8)
    finite = [(n, ys) for n, ys in lines if np.isfinite(ys[0]) and np.isfinite(ys[-1])]
    if finite:
        name, ys = finite[0]
        ax.set_title(f"{label.strip()} goes from {ys[0]:.3g} to {ys[-1]:.3g} ({name})\n"
                     f"as {first.split('.')[-1]} goes from {xs_all[0]} to {xs_all[-1]}", fontsize=11)
    else:
        ax.set_title(f"{label.strip()}: {meaning}", fontsize=11)
    return fig


def write_sweep_charts(sweep, out_dir: Path) -> list[Path]:
    written = []
    for metric in sweep.metrics:
        fig = sweep_chart(sweep, metric)
        path = out_dir / f"sweep_{metric}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def write_charts(result: Result, out_dir: Path) -> list[Path]:
    """Save every chart as PNG; returns the paths."""
    written = []
    for name, make in (("effort_distribution", effort_distribution), ("effort_by_cause", effort_by_cause)):
        fig = make(result)
        path = out_dir / f"{name}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written
