"""The hand-off profile (cxsim.handoffs) on journeys built by hand: counting rules, buckets, and days to
resolution as Kaplan–Meier with censoring (checked against scipy.stats.ecdf)."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import numpy as np
import pytest
from scipy import stats

from cxsim.eventlog import Columns, Event, EventLog, Journey
from cxsim.handoffs import HANDOFF_BUCKETS, CaseOutcome, case_outcome, handoff_profile, log_profile

T0 = datetime(2020, 1, 6, 9)
WITH_END_TIMES = Columns(case="c", time="t", resolved="r")


def journey(case: str, teams, *, days: float | None = None, closed: float | None = None) -> Journey:
    events = tuple(Event(T0 + timedelta(hours=i), team) for i, team in enumerate(teams))
    return Journey(case, events, opened=T0,
                   resolved=T0 + timedelta(days=days) if days is not None else None,
                   closed=T0 + timedelta(days=closed) if closed is not None else None)


def event_log(journeys, *, end: datetime, columns=WITH_END_TIMES) -> EventLog:
    return EventLog(source="test", format="csv", columns=columns, journeys=tuple(journeys),
                    events=sum(len(j.events) for j in journeys), start=T0, end=end, time_format="test")


def test_handoffs_teams_and_ping_pong_per_case():
    end = T0 + timedelta(days=10)
    cases = {
        "none": (["A", "A", None, "A"], 0, 1, False),
        "one": (["A", None, "B", "B"], 1, 2, False),  # a missing team between A and B is skipped
        "back": (["A", "B", "A"], 2, 2, True),
        "three": (["A", "B", "C", "B", "D"], 4, 4, True),
        "no team": ([None, None], 0, 0, False),
    }
    for name, (teams, handoffs, distinct, ping_pong) in cases.items():
        outcome = case_outcome(journey(name, teams, days=1), end)
        assert (outcome.handoffs, outcome.teams, outcome.ping_pong) == (handoffs, distinct, ping_pong), name
        assert outcome.days == 1 and outcome.resolved


def test_end_rules():
    end = T0 + timedelta(days=30)
    assert case_outcome(journey("r", ["A"], days=2, closed=5), end).days == 2  # resolved first
    assert case_outcome(journey("c", ["A"], closed=5), end).days == 5  # else closed
    still_open = case_outcome(journey("o", ["A"]), end)
    assert still_open.days == 30 and not still_open.resolved  # censored at the log's end
    last = case_outcome(journey("l", ["A", "B", "C"]), end, ends_at_last_event=True)
    assert last.days == pytest.approx(2 / 24) and last.resolved
    assert case_outcome(journey("early", ["A"], days=-1), end).days == 0


def test_profile_shares_buckets_and_distribution():
    end = T0 + timedelta(days=100)
    routes = [["A"]] * 6 + [["A", "B"]] * 2 + [["A", "B", "C"]] + [["A", "B", "A", "B", "A", "B"]]
    journeys = [journey(str(i), r, days=i + 1) for i, r in enumerate(routes)]
    p = log_profile(event_log(journeys, end=end))
    assert p.cases == 10 and p.handoff_counts == (6, 2, 1, 0, 0, 1)
    assert p.handoffs_mean == pytest.approx((2 + 2 + 5) / 10) and p.handoffs_max == 5
    assert p.share_handoff == pytest.approx(0.4) and p.share_3_teams == pytest.approx(0.1)
    assert p.share_5_teams == 0 and p.share_ping_pong == pytest.approx(0.1)
    assert [(b.label, b.cases) for b in p.buckets] == [("0", 6), ("1", 2), ("2", 1), ("3–4", 0), ("5+", 1)]
    assert [b.label for b in p.buckets] == [label for label, _, _ in HANDOFF_BUCKETS]
    assert p.buckets[0].share == pytest.approx(0.6)
    assert p.buckets[0].days.median == 3  # days 1..6: the first time the curve reaches 1/2
    assert p.buckets[1].days.median == 7 and p.buckets[4].days.median == 10
    assert math.isnan(p.buckets[3].days.median)  # no cases
    assert p.days.median == 5 and p.days.p90 == 9 and p.notes == ()


def test_days_are_kaplan_meier_with_censoring_as_scipy():
    rng = np.random.default_rng(9)
    n = 2000
    resolve = rng.lognormal(0.5, 1.2, n)
    horizon = rng.uniform(1, 20, n)  # each case's follow-up to the log's end
    resolved = resolve <= horizon
    days = np.where(resolved, resolve, horizon)
    p = handoff_profile(CaseOutcome(0, 1, False, float(d), bool(r))
                        for d, r in zip(days, resolved, strict=True))
    km = stats.ecdf(stats.CensoredData(uncensored=days[resolved], right=days[~resolved])).sf
    for q, got in ((0.5, p.days.median), (0.9, p.days.p90)):
        hit = np.flatnonzero(km.probabilities <= 1 - q + 1e-12)
        assert got == pytest.approx(km.quantiles[hit[0]]) if len(hit) else math.isinf(got)
    assert p.days.censored == int((~resolved).sum()) > 0
    naive = float(np.median(days[resolved]))
    assert p.days.median > naive * 1.05  # ignoring the censored cases would understate it
    assert any("censored" in note for note in p.notes)


def test_json_ready_and_notes():
    end = T0 + timedelta(days=2)
    p = log_profile(event_log([journey("a", ["A", "B"]), journey("b", ["A"], days=1)], end=end))
    data = json.loads(json.dumps(p.to_dict(), allow_nan=False))
    assert data["days"]["p90"] is None  # half the cases open at the log's end: p90 beyond it
    assert data["buckets"][1]["days"]["median"] is None
    bare = log_profile(event_log([journey("a", ["A", "B", "C"])], end=end,
                                 columns=Columns(case="c", time="t")))
    assert bare.days.median == pytest.approx(2 / 24) and "last event" in bare.notes[0]
    empty = handoff_profile([])
    assert empty.cases == 0 and math.isnan(empty.share_handoff) and empty.handoff_counts == ()
