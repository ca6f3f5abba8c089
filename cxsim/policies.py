"""Transfer policies and incentive schemes, each defined once, as data: its meaning, switches and defaults.

A transfer policy says what happens to a case, and to the customer, when an agent cannot fix it: whether
the hand-off opens a new ticket (cold), keeps the case's place in line (warm, owner), pulls an expert in
ahead of the queue (swarm), whether the customer deals with the next team directly, who remembers the
teams already tried (``memory``), and how much re-explaining and chasing the customer does (seeds 000 and
002).
An incentive scheme says what agents are measured on and the behaviour that causes (seeds 000 and 003).

These tables are the single source: the scenario schema takes its choices and defaults from them (a design
may override each number; the values actually used are resolved when the scenario is validated), the
engine reads the switches, and the reference page, ``summary.json`` and the report show them. A new policy
is one entry here (and engine code only if it needs a switch that does not exist yet).
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class TransferPolicy:
    """What a hand-off does, under one policy. The first four are switches; the rest defaults a design may
    override (``designs.<name>.transfer``)."""

    name: str
    meaning: str
    new_ticket: bool
    """Close the ticket and open a new one at the next team (dashboards count the closed one)."""
    keep_place: bool
    """The case keeps its original place in line at the next team (else it joins at the back)."""
    jump_queue: bool
    """Help is pulled in ahead of the next team's queue (swarming)."""
    customer_follows: bool
    """The customer deals with the next team directly (attends its sessions, re-explains)."""
    memory: str
    """Who remembers the teams already tried, so the next guess avoids them (``MEMORY``)."""
    reexplain: float
    """Share of ``effort.reexplain`` the customer spends per transfer."""
    chasing: float
    """Share of ``effort.chasing`` once the case has been handed on."""
    handoff_time: float
    """Agent hours to write up, brief or coordinate one hand-off."""
    briefing: float
    """Share of the usual diagnosis time the next agent needs thanks to context passed on."""
    pickup: str
    """When the next team first takes up a handed-on case (``PICKUP``)."""


#: The numbers (and the memory and pickup) of a transfer policy a design may override.
TRANSFER_TUNABLES = ("reexplain", "chasing", "handoff_time", "briefing", "memory", "pickup")

#: When the next team first takes up a case handed on to it (``transfer.pickup``).
PICKUP: dict[str, str] = {
    "now": "the case joins the next team's queue at once",
    "next_day": "'someone else will get back to you tomorrow' (seed 000): the case joins the next team's "
                "queue at its first opening on a later calendar day, in that team's daily intake",
}

#: Who remembers the teams a case has already been at (``transfer.memory``). A guess of the next team
#: avoids every team remembered as tried; it goes back to one only when every other candidate was tried.
MEMORY: dict[str, str] = {
    "customer": "the customer remembers the teams they dealt with ('I already talked to X'): every team "
                "when the customer follows the case, only the first when the company works it internally",
    "company": "the case's history travels with it: every team it has been at",
    "none": "nobody remembers: a guess may send the case back to a team that already said 'not mine'",
}

#: Where a case goes after a session at a team (``transfer.routing``).
ROUTING: dict[str, str] = {
    "guess": "agents recognise the cases their skills fix; triage and agents guess the next team (accuracy, "
             "difficulty, memory)",
    "matrix": "the next step is drawn from the observed routing matrix (another team, or resolved): the "
              "as-is organisation as a ticket log shows it, with no guess of who 'should' have had it",
}

TRANSFER_POLICIES: dict[str, TransferPolicy] = {
    policy.name: policy for policy in (
        TransferPolicy(
            "cold", "close the ticket, open a new one at the back of the guessed team's queue, taken up "
            "the next day; the customer re-explains to every new team ('not in my lane'); the ticket "
            "carries no history, but the customer remembers whom they already talked to",
            new_ticket=True, keep_place=False, jump_queue=False, customer_follows=True,
            memory="customer", reexplain=1.0, chasing=1.0, handoff_time=5 / 60, briefing=1.0,
            pickup="next_day"),
        TransferPolicy(
            "warm", "hand the same ticket over with context, keeping its place in line; the customer "
            "re-explains a little",
            new_ticket=False, keep_place=True, jump_queue=False, customer_follows=True,
            memory="company", reexplain=0.25, chasing=1.0, handoff_time=10 / 60, briefing=0.7, pickup="now"),
        TransferPolicy(
            "owner", "the agent stays the customer's contact and chases the case through the teams "
            "internally; the customer is kept informed",
            new_ticket=False, keep_place=True, jump_queue=False, customer_follows=False,
            memory="company", reexplain=0.0, chasing=0.3, handoff_time=15 / 60, briefing=0.5, pickup="now"),
        TransferPolicy(
            "swarm", "the agent keeps the case and pulls in an expert of the guessed skill ahead of the "
            "queue (intelligent swarming)",
            new_ticket=False, keep_place=True, jump_queue=True, customer_follows=False,
            memory="company", reexplain=0.0, chasing=0.3, handoff_time=10 / 60, briefing=0.5, pickup="now"),
    )
}


def guess_right(accuracy: float, difficulty: float, right: int, candidates: int) -> float:
    """Probability that a guess (triage's, or an agent's of the next team) picks one of ``right`` right
    teams among ``candidates`` teams it may pick (those not remembered as tried).

    With probability 1 - difficulty the guesser knows what they are doing and is right with ``accuracy``;
    otherwise they pick blind among the candidates (right with ``blind`` = right / candidates). An informed
    guess is never worse than a blind one, so P(right) = blind + (max(accuracy, blind) - blind) x
    (1 - difficulty): difficulty 0 gives the accuracy, difficulty 1 a blind pick, never less. Within the
    right (or the wrong) teams the pick is uniform.
    """
    if candidates <= 0 or right <= 0:
        return 0.0
    blind = right / candidates
    return blind + (max(accuracy, blind) - blind) * (1.0 - difficulty)


@dataclass(frozen=True)
class IncentiveScheme:
    """What agents are measured on, and the default rates of the behaviour it causes. No published rates
    exist (FACTS.md): the defaults are stated assumptions to sweep, and a design may override each."""

    name: str
    meaning: str
    premature_closure: float
    """Probability that an agent closes an in-skill ticket as resolved without the fix."""
    deflection: float
    """Probability that an agent sends away an in-skill case whose fix takes longer than ``deflect_over``."""
    rush: float
    """Share of diagnosis time cut by rushing."""
    rush_penalty: float
    """Drop in the probability of recognising an in-skill case when rushing."""


#: The numbers of an incentive scheme a design may override.
INCENTIVE_TUNABLES = ("premature_closure", "deflection", "rush", "rush_penalty")

INCENTIVE_SCHEMES: dict[str, IncentiveScheme] = {
    scheme.name: scheme for scheme in (
        IncentiveScheme(
            "close_fast", "tickets closed and handle time (seeds 000, 003): premature closure, deflection of "
            "long in-skill cases, rushed diagnosis",
            premature_closure=0.15, deflection=0.5, rush=0.3, rush_penalty=0.15),
        IncentiveScheme(
            "resolution", "case resolution and customer effort: none of the above",
            premature_closure=0.0, deflection=0.0, rush=0.0, rush_penalty=0.0),
    )
}


def defaults(table: dict, tunables: tuple[str, ...]) -> dict[str, dict[str, float | str]]:
    """Choice -> {number: default} for a policy table (for the schema and the reference page)."""
    return {name: {k: getattr(entry, k) for k in tunables} for name, entry in table.items()}


def switches(policy: TransferPolicy) -> dict[str, bool]:
    """The behaviour switches of a transfer policy, by name."""
    return {f.name: getattr(policy, f.name) for f in fields(policy) if f.type == "bool"}


@dataclass(frozen=True)
class Behaviour:
    """What agents do under a design's incentive, every number resolved (what the engine reads)."""

    premature_closure: float
    partial_fix: float
    deflection: float
    deflect_over: float
    rush: float
    rush_penalty: float


def transfer_policy(spec) -> TransferPolicy:
    """A design's transfer policy: the table's switches with the design's (resolved) numbers."""
    base = TRANSFER_POLICIES[spec.policy]
    numbers = {name: getattr(spec, name) for name in TRANSFER_TUNABLES}
    return TransferPolicy(**{**{f.name: getattr(base, f.name) for f in fields(base)}, **numbers})


def behaviour(spec) -> Behaviour:
    """Agent behaviour under a design's incentive (its numbers resolved by the schema)."""
    return Behaviour(premature_closure=spec.premature_closure, partial_fix=spec.partial_fix,
                     deflection=spec.deflection, deflect_over=spec.deflect_over, rush=spec.rush,
                     rush_penalty=spec.rush_penalty)
