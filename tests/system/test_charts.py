"""Charts show what the results say: checked from the figure's own artists, not just that a file exists."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import cxsim  # noqa: E402
from cxsim import formatting as fmt  # noqa: E402
from cxsim.charts import (  # noqa: E402
    customers_over_time,
    dashboard_vs_truth,
    effort_by_cause,
    effort_distribution,
    resolution_over_time,
    transfer_matrix,
    worst_journey,
)


@pytest.fixture(scope="module")
def result(minimal_short):
    return minimal_short


def test_stacked_bars_sum_to_mean_effort(result):
    fig = effort_by_cause(result)
    ax = fig.axes[0]
    tops = {}
    for patch in ax.patches:
        x = round(patch.get_x() + patch.get_width() / 2)
        tops[x] = tops.get(x, 0.0) + patch.get_height()
    for i, design in enumerate(result.designs):
        assert tops[i] == pytest.approx(result.metric(design, "effort_hours_mean"), rel=1e-9)
    assert design in ax.get_title() or result.designs[0] in ax.get_title()


def test_effort_distribution_marks_the_tables_median_and_p90(result):
    """The median and p90 drawn are the summary's estimates, the numbers the CLI table and summary.csv
    print, not a quantile recomputed from the sampled cases (which differed from the table's p90)."""
    fig = effort_distribution(result)
    ax = fig.axes[0]
    solid = [line for line in ax.lines if line.get_linestyle() == "-"]
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(solid) == len(dashed) == len(result.designs)
    for line, p90, design in zip(solid, dashed, result.designs, strict=True):
        metrics = result.summary.designs[design].metrics
        assert 10 ** line.get_xdata()[0] == pytest.approx(metrics["effort_hours_p50"].mean, rel=1e-9)
        assert 10 ** p90.get_xdata()[0] == pytest.approx(metrics["effort_hours_p90"].mean, rel=1e-9)
        shown = fmt.number(metrics["effort_hours_p90"].mean)
        annotations = [t.get_text() for t in ax.texts]
        assert any(f"p90 {float(shown):.1f} h" in text for text in annotations), annotations
        row = [r for section in fmt.comparison_table(result.summary) for r in section.rows
               if r.metric == "effort_hours_p90"][0]
        assert row.cells[result.designs.index(design)].value == shown  # the CLI table's and the report's


def test_resolution_over_time_stacks_resolved_abandoned_open_to_one_and_marks_the_km_median(result):
    fig = resolution_over_time(result)
    assert len(fig.axes) == len(result.designs)
    for ax, design in zip(fig.axes, result.designs, strict=True):
        inc = result.details[design]["incidence"]
        layers = [c for c in ax.collections if hasattr(c, "get_paths") and len(c.get_paths())][:3]
        assert len(layers) == 3, design
        top = np.add(np.add(inc["all"]["resolved"], inc["all"]["abandoned"]), inc["all"]["open"])
        np.testing.assert_allclose(top, 1.0, atol=1e-9)
        median = result.summary.designs[design].metrics["resolution_days_p50"]
        vertical = [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"]
        if inc["all"]["km_median_days"] is not None:
            assert vertical == [pytest.approx(inc["all"]["km_median_days"])], design
            assert median.mean is not None
    assert "Kaplan–Meier" in fig.axes[0].get_title()


# ------------------------------------------------------------------ content checked against the data
# The charts below are checked on both shipped two-design scenarios: minimal (short runs) and
# one_lane_tech (long journeys, many teams, swarming: several visits on one ticket).

DARK = matplotlib.colors.to_rgba("#1b3a5c")


@pytest.fixture(scope="module")
def runs(result, story_short):
    small = cxsim.run("scenarios/minimal.yaml", replications=2, seed=1, horizon="40 days")
    return {"minimal-30": result, "minimal-40": small, "one_lane_tech": story_short}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.slow
def test_worst_journey_one_row_per_ticket_and_one_dark_bar_per_visit(runs):
    for name, result in runs.items():
        designs = [d for d in result.designs if result.details[d]["worst_journey"]]
        assert designs, name
        fig = worst_journey(result)
        assert len(fig.axes) == len(designs), name
        for ax, design in zip(fig.axes, designs, strict=True):
            journey = result.details[design]["worst_journey"]
            labels = [t.get_text() for t in ax.get_yticklabels()]
            assert len(ax.get_yticks()) == journey["tickets"], (name, design)
            assert [label.split(":")[0] for label in labels] == [
                f"ticket {t}" for t in range(1, journey["tickets"] + 1)], (name, design)
            for visit in journey["visits"]:  # every ticket row names the team that handled it
                assert f"ticket {visit['ticket']}: " in labels[visit["ticket"] - 1]
            dark = [c for c in ax.collections
                    if len(c.get_facecolors()) and np.allclose(c.get_facecolors()[0], DARK)]
            assert sum(len(c.get_paths()) for c in dark) == len(journey["visits"]), (name, design)
            assert design in ax.get_title() and fmt.plural(journey["tickets"], "ticket") in ax.get_title()
    # some worst journey has a multi-visit ticket, so "one bar per visit" is not "per ticket"
    assert any(len(r.details[d]["worst_journey"]["visits"]) > r.details[d]["worst_journey"]["tickets"]
               for r in runs.values() for d in r.details if r.details[d]["worst_journey"])


@pytest.mark.slow
def test_transfer_matrix_cells_equal_the_flows(runs):
    for name, result in runs.items():
        fig = transfer_matrix(result)
        axes = [ax for ax in fig.axes if ax.images]
        assert len(axes) == len(result.designs), name
        for ax, design in zip(axes, result.designs, strict=True):
            flows = result.details[design]["flows"]
            # intake's row and the hand-offs are two images, each on its own colour scale
            grid = np.vstack([np.asarray(image.get_array()) for image in ax.images])
            teams = [t.get_text() for t in ax.get_xticklabels()]
            sources = [t.get_text() for t in ax.get_yticklabels()]
            assert sources[0] == "intake" and grid.shape == (len(sources), len(teams)), (name, design)
            for flow in flows:
                cell = grid[sources.index(flow["from"]), teams.index(flow["to"])]
                assert cell == pytest.approx(flow["mean"], rel=1e-12), (name, design, flow)
            assert grid.sum() == pytest.approx(sum(f["mean"] for f in flows), rel=1e-12)  # nothing else
            hand_offs = sum(f["mean"] for f in flows if f["from"] != "intake")
            assert fmt.plural(hand_offs, "hand-off") in ax.get_title().replace("\n", " "), (name, design)
            intake, moves = ax.images
            assert intake.norm.vmax == pytest.approx(grid[0].max())
            assert moves.norm.vmax == pytest.approx(grid[1:].max() or 1.0)  # not drowned by intake's row


PANELS = (  # dashboard_vs_truth, in reading order: (metric, shown in percent)
    ("tickets_closed", False), ("ticket_close_hours", False), ("closed_resolved_share", True),
    ("resolution_days_mean", False), ("effort_hours_mean", False), ("annual_churn_rate", True),
)


@pytest.mark.slow
def test_dashboard_vs_truth_bars_equal_the_summary_means(runs):
    for name, result in runs.items():
        fig = dashboard_vs_truth(result)
        assert len(fig.axes) == len(PANELS), name
        for ax, (metric, percent) in zip(fig.axes, PANELS, strict=True):
            heights = [p.get_height() for p in ax.patches]
            expected = [(result.metric(d, metric) or 0.0) * (100.0 if percent else 1.0)
                        for d in result.designs]
            assert heights == pytest.approx(expected, rel=1e-12), (name, metric)
            assert [t.get_text() for t in ax.get_xticklabels()] == result.designs
            assert ax.get_title().endswith("(%)") == percent, (name, metric)


@pytest.mark.slow
def test_customers_over_time_lines_end_at_the_last_mean(runs):
    for name, result in runs.items():
        fig = customers_over_time(result)
        top, bottom = fig.axes[:2]
        for ax, key in ((top, "customers"), (bottom, "lost_revenue")):
            lines = {line.get_label(): line for line in ax.lines}
            assert set(lines) == set(result.designs), (name, key)
            for design in result.designs:
                timeline = result.details[design]["timeline"]
                line = lines[design]
                assert len(line.get_ydata()) == len(timeline)
                assert line.get_xdata()[-1] == pytest.approx(timeline[-1]["hours"] / 24)
                assert line.get_ydata()[-1] == pytest.approx(timeline[-1][key]["mean"], rel=1e-12)
        assert "has lost" in top.get_title()


@pytest.mark.slow
def test_effort_by_cause_stacks_sum_to_mean_effort_on_every_run(runs):
    for name, result in runs.items():
        ax = effort_by_cause(result).axes[0]
        tops: dict[int, float] = {}
        for patch in ax.patches:
            x = round(patch.get_x() + patch.get_width() / 2)
            tops[x] = tops.get(x, 0.0) + patch.get_height()
        assert sorted(tops) == list(range(len(result.designs))), name
        for i, design in enumerate(result.designs):
            assert tops[i] == pytest.approx(result.metric(design, "effort_hours_mean"), rel=1e-9), name


def test_log_axes_start_where_the_data_does(result):
    ax = effort_distribution(result).axes[0]
    effort = np.clip([r["effort_hours"] for r in result.case_rows()], 0.01, None)
    low = np.log10(min(effort))
    assert low - 1 < ax.get_xlim()[0] <= low  # the decade below the smallest case, no empty decades
    assert ax.get_xlim()[1] >= np.log10(max(effort))
    for ax, design in zip(resolution_over_time(result).axes, result.designs, strict=True):
        days = np.array(result.details[design]["incidence"]["days"], dtype=float)
        assert ax.get_xlim()[0] == pytest.approx(days[days > 0][0])
