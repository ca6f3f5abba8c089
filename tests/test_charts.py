"""Charts show what the results say: checked from the figure's own artists, not just that a file exists."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import cxsim  # noqa: E402
from cxsim.charts import effort_by_cause, effort_distribution  # noqa: E402


@pytest.fixture(scope="module")
def result():
    return cxsim.run("scenarios/minimal.yaml", replications=2, seed=1, horizon="30 days")


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


def test_effort_distribution_marks_the_median(result):
    fig = effort_distribution(result)
    ax = fig.axes[0]
    solid = [line for line in ax.lines if line.get_linestyle() == "-"]
    assert len(solid) == len(result.designs)
    for line, design in zip(solid, result.designs, strict=True):
        effort = np.array([r["effort_hours"] for r in result.case_rows(design)])
        assert 10 ** line.get_xdata()[0] == pytest.approx(np.percentile(effort, 50))
