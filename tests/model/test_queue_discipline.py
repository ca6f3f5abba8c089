"""The ticket system's queue discipline: priority that ages with the wait, and tickets owned by an agent.

Priority aging (``tickets.aging_period``): a queue serves the lowest severity - (hours since place in line)
/ aging_period, then the earliest place; so a low severity cannot starve behind a stream of urgent cases.
Ownership (``tickets.owned``, ``tickets.resume``): the agent who asks the customer for more owns the ticket;
the reply goes back to them ahead of their new work (after the session under way, or at the next opening),
and they redo only ``resume`` of the diagnosis.
"""

from __future__ import annotations

import heapq

import numpy as np
import pytest

import cxsim
from cxsim.engine import Replication
from cxsim.engine.cases import CUSTOMER, Case, EffortLedger
from cxsim.engine.work import Work
from cxsim.loader import load_scenario
from cxsim.metrics import case_type_metrics, replication_metrics
from cxsim.runner import run_replication

# ---------------------------------------------------------------- 5. priority aging


def busy_team(aging: str | None) -> dict:
    """One agent, overloaded: urgent cases (severity 1) alone need 1.05 of its time, severity 4 0.2 more."""
    return {
        "name": "aging", "horizon": "40 days", "warmup": "5 days",
        "arrivals": {"process": "poisson", "rate": "42 per day"},
        "tickets": {"aging_period": aging},
        "case_types": {
            "urgent": {"share": 0.8, "skills": ["s"], "severity": 1, "diagnosis_time": "0 min",
                       "fix_time": {"dist": "exponential", "mean": "45 min"}},
            "minor": {"share": 0.2, "skills": ["s"], "severity": 4, "diagnosis_time": "0 min",
                      "fix_time": {"dist": "exponential", "mean": "40 min"}},
        },
        "designs": {"d": {"teams": {"t": {"agents": 1, "skills": ["s"], "hours": "24/7"}},
                          "incentive": {"scheme": "resolution"}}},
    }


def test_severity_four_starves_under_strict_priority_and_is_served_with_aging():
    names = ["urgent", "minor"]
    for seed in (1, 2, 3):
        strict = run_replication(load_scenario(busy_team(None)), "d", seed, 0)
        aged = run_replication(load_scenario(busy_team("1 day")), "d", seed, 0)
        strict_minor = case_type_metrics(strict, names)["minor"]["unresolved_share"]
        aged_minor = case_type_metrics(aged, names)["minor"]["unresolved_share"]
        assert strict_minor > 0.99  # the old rule: severity 4 is never served at an overloaded team
        assert aged_minor < 0.6
        # ... and the per-severity waits say so.
        strict_m, aged_m = replication_metrics(strict), replication_metrics(aged)
        assert aged_m["queue_wait_hours_sev4"] < strict_m["queue_wait_hours_sev4"]
        assert aged_m["queue_wait_hours_sev1"] > strict_m["queue_wait_hours_sev1"]
        assert np.isnan(aged_m["queue_wait_hours_sev2"])  # no severity-2 cases: no number


def test_default_aging_period_is_one_day():
    scenario = load_scenario(busy_team("1 day"))
    scenario_default = busy_team(None)
    del scenario_default["tickets"]
    assert load_scenario(scenario_default).tickets.aging_period == scenario.tickets.aging_period == 24.0


@pytest.mark.parametrize("aging", ["6 h", "1 day", "3 days"])
def test_queue_order_is_exactly_the_documented_rule(aging):
    """Cases of every severity join at random places; at any later moment the agent takes them in the order
    of severity - (now - place) / aging_period, then place."""
    scenario = load_scenario(busy_team(aging))
    period = scenario.tickets.aging_period
    rep = Replication(scenario, "d", 1, 0)
    rng = np.random.default_rng(7)
    rep.env.run(until=500.0)  # agents never started: the queue only fills
    team = rep.work.teams["t"]
    joined = []
    for i in range(300):
        severity, place = int(rng.integers(1, 5)), float(rng.uniform(0.0, 500.0))
        case = Case(i, None, 0, place, 1.0, True, EffortLedger(0.0, place, rep.cases.chasing))
        rep.work.enqueue(team, case, severity, place, CUSTOMER)
        joined.append((severity, place, case))
    served = []
    while team.queue:
        served.append(heapq.heappop(team.queue)[3])
    for now in (500.0, 900.0, 5000.0):
        rule = sorted(joined, key=lambda j: (j[0] - (now - j[1]) / period, j[1]))
        assert [c for _, _, c in rule] == served


def test_a_queue_jump_goes_ahead_of_every_aged_case():
    """A swarm request (priority 0) is served before cases that have waited long enough to age past it."""
    scenario = load_scenario(busy_team("6 h"))
    rep = Replication(scenario, "d", 1, 0)
    rep.env.run(until=500.0)
    team = rep.work.teams["t"]
    old = Case(0, None, 0, 0.0, 1.0, True, EffortLedger(0.0, 0.0, rep.cases.chasing))
    swarm = Case(1, None, 0, 499.0, 1.0, True, EffortLedger(0.0, 499.0, rep.cases.chasing))
    rep.work.enqueue(team, old, 4, 0.0, CUSTOMER)  # aged by 500 h / 6 h: far below severity 1
    rep.work.enqueue(team, swarm, 0, 499.0, CUSTOMER)
    assert heapq.heappop(team.queue)[3] is swarm


# ---------------------------------------------------------------- 7. ticket owners


def exchanges_scenario(hours: str = "24/7", agents: int = 2, owned: bool = True, rate: str = "30 per day",
                       resume: float = 0.25) -> dict:
    return {
        "name": "owners", "horizon": "30 days", "warmup": "2 days",
        "arrivals": {"process": "poisson", "rate": rate} | ({"hours": "business"} if hours != "24/7" else {}),
        "effort": {"reply_time": {"dist": "exponential", "mean": "4 h"}},
        "tickets": {"owned": owned, "resume": resume},
        "case_types": {"q": {"share": 1.0, "skills": ["s"], "diagnosis_time": "1 h", "fix_time": "30 min",
                             "exchanges": 3}},
        "designs": {"d": {"teams": {"t": {"agents": agents, "skills": ["s"], "hours": hours}},
                          "incentive": {"scheme": "resolution"}}},
    }


def test_the_owner_redoes_only_the_resume_share_of_the_diagnosis():
    out = run_replication(load_scenario(exchanges_scenario()), "d", 3, 0, cases="all")
    checked = 0
    for c in out.cases:
        for before, visit in zip(c.visits, c.visits[1:], strict=False):
            if before.outcome == "asked_customer" and visit.outcome in ("fixed", "asked_customer"):
                fix = 0.5 if visit.outcome == "fixed" else 0.0
                assert visit.work_hours == pytest.approx(0.25 * 1.0 + fix)  # resume x diagnosis (+ the fix)
                checked += 1
        if c.visits and c.visits[0].outcome != "interrupted":
            assert c.visits[0].work_hours == pytest.approx(1.0)  # a new ticket: the full diagnosis
    assert checked > 500


def reply_waits(out) -> tuple[float, float]:
    """Mean wait in the queue of replies (sessions after the customer answered) and of new cases."""
    replies, new = [], []
    for c in out.cases:
        for i, v in enumerate(c.visits):
            (replies if i and c.visits[i - 1].outcome == "asked_customer" else new).append(v.started_at
                                                                                           - v.queued_at)
    return float(np.mean(replies)), float(np.mean(new))


def test_replies_come_back_ahead_of_new_work():
    """At a busy team (about 90% utilised; resume 1, so both rules need the same work) a reply waits only
    for its owner's sessions, a new case for the whole queue; without owners (the old rule) a reply waits
    as long as a new case."""
    for seed in (1, 2, 3):
        owned = run_replication(load_scenario(exchanges_scenario(rate="12 per day", resume=1.0)), "d", seed,
                                0, cases="all")
        pooled = run_replication(load_scenario(exchanges_scenario(rate="12 per day", resume=1.0,
                                                                  owned=False)), "d", seed, 0, cases="all")
        reply, new = reply_waits(owned)
        pooled_reply, pooled_new = reply_waits(pooled)
        assert reply < 0.5 * new
        assert pooled_reply > 0.8 * pooled_new
        assert reply < pooled_reply


@pytest.mark.parametrize("hours", ["24/7", "business"])
def test_the_reply_goes_to_its_owner_and_waits_for_them(monkeypatch, hours):
    """Exact: each reply is worked by the agent who asked; it starts when the reply arrives if that agent is
    idle, when their session under way ends if busy, at the team's next opening if off shift
    (``next_open(max(reply, owner's last session end))``), even if another agent is idle; an agent never
    takes new work while a reply to one of their tickets waits."""
    sessions = []
    last_end: dict[int, float] = {}
    begin = Work._begin

    def spy(self, team, case, mode, now, agent, resumed):
        end = begin(self, team, case, mode, now, agent, resumed)
        owner = case.owner
        sessions.append((resumed, owner is agent, case.queued_at, now, last_end.get(id(agent), 0.0),
                         len(agent.replies), team.hours))
        last_end[id(agent)] = end
        return end

    monkeypatch.setattr(Work, "_begin", spy)
    scenario = load_scenario(exchanges_scenario(hours=hours, agents=3, rate="12 per day"))
    Replication(scenario, "d", 4, 0).run()
    resumed = [s for s in sessions if s[0]]
    assert len(resumed) > 200
    waited_for_owner = off_shift = 0
    for _, is_owner, replied_at, start, owner_free, _, team_hours in resumed:
        assert is_owner
        assert start == pytest.approx(team_hours.next_open(max(replied_at, owner_free)))
        waited_for_owner += owner_free > replied_at
        off_shift += team_hours.next_open(replied_at) > replied_at
    assert waited_for_owner > 10
    if hours == "business":
        assert off_shift > 50
    assert all(pending == 0 for was_resumed, *_, pending, _ in sessions if not was_resumed)


def test_owned_false_is_the_pooled_queue():
    """With ``owned: false`` every reply rejoins the team's queue and is diagnosed in full."""
    out = run_replication(load_scenario(exchanges_scenario(owned=False)), "d", 3, 0, cases="all")
    works = [v.work_hours for c in out.cases for v in c.visits
             if v.outcome == "asked_customer"]
    assert works and works == pytest.approx([1.0] * len(works))


def test_summary_reports_per_severity_waits():
    metrics = cxsim.run(busy_team("1 day"), replications=2, seed=1).summary.designs["d"].metrics
    assert metrics["queue_wait_hours_sev4"].mean > metrics["queue_wait_hours_sev1"].mean > 0
    assert metrics["queue_wait_hours_sev2"].mean is None  # no severity-2 cases
