"""Charts stay readable with 80-character design names and 3 to 6 designs: no tick label overlaps another,
no text runs off the figure (measured with the renderer), long names become letters with a key; the worst
journey stays readable at 75 tickets."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import cxsim  # noqa: E402
from cxsim.charts import RUN_CHARTS, worst_journey  # noqa: E402

WORDS = "support design with narrow specialist lanes cold transfers and a close-fast incentive scheme for"


def _name(i: int) -> str:
    name = f"{i + 1} {WORDS} every case of every customer of ours"
    return name[:80]


def _scenario(n: int) -> dict:
    designs = {}
    for i in range(n):
        lanes = {"product": {"agents": 2, "skills": ["product"]},
                 "engineering": {"agents": 1, "skills": ["engineering"]}}
        teams = lanes if i % 2 == 0 else {"support": {"agents": 3, "skills": ["product", "engineering"]}}
        designs[_name(i)] = {"teams": teams, **({"transfer": {"policy": "cold"}} if i % 2 == 0 else {})}
    return {"name": f"long names {n}", "horizon": "25 days", "warmup": "5 days",
            "customers": {"count": 80, "case_rate": "1 per month"},
            "case_types": {"how_to": {"share": 0.7, "skills": ["product"], "fix_time": "10 min"},
                           "bug": {"share": 0.3, "skills": ["engineering"], "fix_time": "1 h",
                                   "difficulty": 0.3}},
            "designs": designs}


@pytest.fixture(scope="module", params=[3, 6])
def long_run(request):
    result = cxsim.run(_scenario(request.param), replications=2, seed=1)
    assert all(len(d) == 80 for d in result.designs)
    return result


def layout_problems(fig) -> list[str]:
    """Texts that leave the figure and tick labels that overlap one another, as drawn."""
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    problems = []
    hidden = set()  # tick labels of ticks outside the axis limits: they exist but are not drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for minor in (False, True):
                for tick in axis.get_minor_ticks() if minor else axis.get_major_ticks():
                    if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                        hidden |= {id(tick.label1), id(tick.label2)}
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip() or id(text) in hidden:
            continue
        ext = text.get_window_extent(renderer)
        if ext.x0 < box.x0 - 1 or ext.x1 > box.x1 + 1 or ext.y0 < box.y0 - 1 or ext.y1 > box.y1 + 1:
            problems.append(f"off the figure: {text.get_text()[:50]!r}")
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            labels = [t for t, loc in zip(axis.get_ticklabels(), axis.get_ticklocs(), strict=False)
                      if t.get_visible() and t.get_text() and lo - 1e-9 <= loc <= hi + 1e-9]
            extents = [t.get_window_extent(renderer) for t in labels]
            for (a, ea), (b, eb) in itertools.combinations(zip(labels, extents, strict=True), 2):
                if ea.overlaps(eb):
                    problems.append(f"overlap: {a.get_text()[:30]!r} / {b.get_text()[:30]!r}")
    return problems


@pytest.mark.parametrize("chart", list(RUN_CHARTS))
def test_no_text_overlaps_or_leaves_the_figure_with_long_names(long_run, chart):
    fig = RUN_CHARTS[chart](long_run)
    assert layout_problems(fig) == []


def test_long_names_become_letters_with_a_key(long_run):
    fig = RUN_CHARTS["effort_by_cause"](long_run)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == [chr(ord("A") + i) for i in range(len(long_run.designs))]
    key = fig.get_supxlabel()
    for letter, design in zip(ticks, long_run.designs, strict=True):
        assert f"{letter} = {design[:30]}" in key.replace("\n", " ")


def _journey(tickets: int) -> dict:
    visits = [{"ticket": t, "team": f"team {t % 7}", "queued_at": 10.0 * t, "started_at": 10.0 * t + 3,
               "ended_at": 10.0 * t + 4} for t in range(1, tickets + 1)]
    return {"opened_at_hours": 0.0, "ended_at_hours": 10.0 * tickets + 5, "tickets": tickets,
            "visits": visits,
            "case_type": "bug", "effort_hours": 300.0, "transfers": tickets - 1, "reopens": 2,
            "status": "resolved"}


def test_the_worst_journey_is_readable_at_75_tickets():
    view = SimpleNamespace(designs=["lanes", "one_team"],
                           details={"lanes": {"worst_journey": _journey(75)},
                                    "one_team": {"worst_journey": _journey(3)}})
    fig = worst_journey(view)
    assert layout_problems(fig) == []
    labels = fig.axes[0].get_yticklabels()
    assert len(labels) == 75
    assert min(t.get_fontsize() for t in labels) >= 6
