"""The as-is scenario file ``cxsim calibrate`` writes: a ``Calibration`` as YAML, every estimated number
with a comment saying how it was estimated and from how many cases (ruamel.yaml keeps comments).

Two designs share the calibrated demand: ``as_is`` (the observed routing, warm hand-offs taken up at
once, because the log's stint times already hold every delay between teams) and ``swarm`` (the same
teams, matrix and times, but the first team keeps the case and the matrix's onward steps become swarm
requests: experts work internally, ahead of their queue, and the customer no longer follows the case).
"""

from __future__ import annotations

import io

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import SingleQuotedScalarString

from cxsim.calibration import OTHER, Calibration, Fit, Options, TeamEstimate

__all__ = ["scenario_text"]


def _flow_map(data: dict) -> CommentedMap:
    m = CommentedMap(data)
    m.fa.set_flow_style()
    return m


def _flow_seq(data) -> CommentedSeq:
    s = CommentedSeq(data)
    s.fa.set_flow_style()
    return s


def _rounded(probs: dict[str, float], digits: int = 4) -> dict[str, float]:
    """Probabilities rounded to ``digits``, zeros dropped, the largest adjusted so they sum to 1."""
    kept = {k: round(p, digits) for k, p in probs.items() if round(p, digits) > 0}
    if not kept:
        return {max(probs, key=probs.get): 1.0}
    top = max(kept, key=kept.get)
    kept[top] = round(1.0 - sum(p for k, p in kept.items() if k != top), digits)
    return kept


def _fit_note(fit: Fit | None, what: str) -> str:
    if fit is None:
        return f"{what}: too few values to fit"
    return f"{what}: {fit.describe()}"


def _hours_note(team: TeamEstimate, share: float) -> str:
    return (f"the fewest weekly hours (one daily window, weekdays or every day) holding >= {share:.0%} of "
            f"its {team.events:,} events: {team.hours_held:.1%}")


def _team(team: TeamEstimate, options: Options, indent: int) -> CommentedMap:
    m = CommentedMap()
    m["agents"] = team.agents
    people = ("" if team.people_per_week is None
              else f"; distinct people active per week: {team.people_per_week:g} (quantile "
                   f"{options.people_quantile:g})")
    m.yaml_add_eol_comment(f"{team.agents_rule}{people}", "agents")
    m["skills"] = _flow_seq(["any"])
    m["hours"] = team.hours if isinstance(team.hours, str) else CommentedSeq(
        [_flow_map({k: SingleQuotedScalarString(v) if k in ("open", "close") else v for k, v in h.items()})
         for h in team.hours])  # times quoted: an unquoted 09:00 is a number in YAML 1.1
    m.yaml_add_eol_comment(_hours_note(team, options.hours_share), "hours")
    if team.work_time is not None:
        m["work_time"] = _flow_map(team.work_time.spec())
        m.yaml_set_comment_before_after_key(
            "work_time", before=_fit_note(team.work_time, f"one session at the team ({team.sessions:,} "
                                          f"sessions of {team.stints:,} stints in {team.cases:,} cases; a "
                                          "stint less customer waits and reopen gaps, in its open hours)"),
            indent=indent)
    else:
        m["work_time"] = "1 h"
        m.yaml_add_eol_comment("not estimated (too few sessions): a placeholder", "work_time")
    m["ask_customer"] = round(team.ask_customer, 4)
    m.yaml_add_eol_comment(f"customer waits / sessions here: {team.waits:,} / {team.sessions:,}",
                           "ask_customer")
    return m


def scenario_text(cal: Calibration, options: Options, *, name: str, command: str, horizon: str = "180 days",
                  warmup: str = "30 days", replications: int = 3, seed: int = 1) -> str:
    """The scenario file's text (YAML with comments)."""
    doc = CommentedMap()
    doc["name"] = name
    doc["description"] = (f"As-is organisation calibrated from {cal.source} ({cal.cases:,} cases), and a "
                          "to-be design where an owner swarms instead of reassigning.")
    doc["horizon"] = horizon
    doc["warmup"] = warmup
    doc["replications"] = replications
    doc["seed"] = seed
    if options.staffing == "no-queue" and not options.agents:
        doc.yaml_add_eol_comment(
            "teams do not queue, so cases hardly interact and per-case results need little warm-up (open "
            "cases keep rising for months while long sessions fill the teams: MSER may ask for more)",
            "warmup")

    lo, hi = cal.window
    days = (hi - lo).total_seconds() / 86400
    arrivals = CommentedMap()
    arrivals["process"] = "poisson"
    arrivals.yaml_add_eol_comment("no customer base in a log: each case a one-off customer", "process")
    arrivals["rate"] = f"{cal.rate_per_hour * 24:.4g} per day"
    arrivals.yaml_add_eol_comment(
        f"{cal.window_cases - 1:,} arrivals after the first of the {cal.window_cases:,} cases opened between "
        f"the 2.5% and 97.5% quantiles of open times ({lo:%Y-%m-%d %H:%M} to {hi:%Y-%m-%d %H:%M}, "
        f"{days:.1f} days), over that time; of {cal.cases:,} cases", "rate")
    profile = CommentedMap()
    for i, day in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun")):
        profile[day] = _flow_seq(list(cal.profile[24 * i: 24 * i + 24]))
    arrivals["profile"] = profile
    arrivals.yaml_set_comment_before_after_key(
        "profile", before=f"cases opened in each hour of the week (the log's local time), "
        f"{sum(cal.profile):,} cases in the rate's window", indent=2)
    doc["arrivals"] = arrivals

    doc["case_types"] = CommentedMap({"incident": _flow_map(
        {"share": 1.0, "skills": _flow_seq(["any"]), "fix_time": "0 min"})})
    doc.yaml_set_comment_before_after_key(
        "case_types", before="under matrix routing only severity and exchanges of a case type matter",
        indent=0)

    effort = CommentedMap()
    _fitted_or_default(effort, "reply_time", cal.reply_time,
                       f"customer waits (calendar time from a customer-wait status to the next status; "
                       f"{cal.waits:,} waits)", "8 h",
                       "not estimated: " + ("no customer-wait activity in the log" if cal.has_activity
                                            else "no --activity column given") + "; the default")
    _fitted_or_default(effort, "discovery_time", cal.discovery_time,
                       "reopen gaps (calendar time from resolution to the reopening; "
                       f"{cal.reopens:,} reopens)",
                       "2 days", "not estimated (no reopens seen): the default")
    doc["effort"] = effort

    doc["tickets"] = CommentedMap({"owned": False})
    doc["tickets"].yaml_add_eol_comment(
        "a reply rejoins the team's queue: an 'agent' here is a slot holding a session, not a person",
        "owned")

    teams = CommentedMap()
    for team in cal.teams.values():
        teams[team.name] = _team(team, options, indent=8)
        if team.name == OTHER:
            teams.yaml_set_comment_before_after_key(
                OTHER, before=f"'other' groups {len(team.members)} rare teams ({_grouping(options)}); "
                f"{cal.internal_other:,} of {cal.handoffs:,} hand-offs were between two of them and are "
                "repeat visits here, not transfers", indent=6)
    teams.yaml_set_anchor("teams", always_dump=True)
    intake = CommentedMap({"shares": _flow_map(_rounded(cal.intake))})
    intake.yaml_set_comment_before_after_key(
        "shares", before=f"the first team of each case ({cal.cases_routed:,} cases with a team)", indent=6)
    intake.yaml_set_anchor("intake", always_dump=True)
    matrix = CommentedMap()
    for team in cal.teams:
        if team in cal.matrix:
            matrix[team] = _flow_map(_rounded(cal.matrix[team]))
            matrix.yaml_add_eol_comment(f"{cal.steps[team]:,} visits", team)
    matrix.yaml_set_anchor("matrix", always_dump=True)

    as_is = CommentedMap()
    as_is["description"] = "The organisation as the log shows it: observed intake, routing and times."
    as_is["teams"] = teams
    as_is["intake"] = intake
    transfer = CommentedMap()
    transfer["policy"] = "warm"
    transfer["pickup"] = "now"
    transfer["handoff_time"] = "0 min"
    transfer["routing"] = "matrix"
    transfer.yaml_set_comment_before_after_key(
        "policy", before="a reassignment keeps the same incident (warm), taken up at once with no hand-off "
        "time of its own: a stint runs from the team's first event to the next team's, so it already holds "
        "any wait for pickup, overnight delay and write-up", indent=6)
    transfer["matrix"] = matrix
    transfer.yaml_set_comment_before_after_key(
        "matrix", before=f"the step after each stint: the next team, or resolved after the last stint of "
        f"{cal.finished:,} ended cases (cases still open at the log's end give no last step); implied mean "
        f"hand-offs {cal.matrix_handoffs:.3f} (fundamental matrix) vs {cal.log_handoffs:.3f} in the log",
        indent=6)
    as_is["transfer"] = transfer
    incentive = CommentedMap({"scheme": "resolution"})
    if cal.reopen_rate is not None:
        incentive["premature_closure"] = round(cal.reopen_rate, 4)
        incentive.yaml_add_eol_comment(
            f"reopen rate: {cal.reopens:,} reopens / {cal.resolutions:,} resolutions (a resolve or close "
            "status followed by work again)", "premature_closure")
    else:
        incentive["premature_closure"] = 0.0
        incentive.yaml_add_eol_comment("reopen rate not estimated: no --activity column", "premature_closure")
    incentive.yaml_set_anchor("incentive", always_dump=True)
    as_is["incentive"] = incentive

    swarm = CommentedMap()
    swarm["description"] = ("To-be: the first team owns every case; the observed onward steps become swarm "
                            "requests (experts work internally, ahead of their queue) on the same demand.")
    swarm["teams"] = teams
    swarm["intake"] = intake
    swarm["transfer"] = CommentedMap({"policy": "swarm", "routing": "matrix", "matrix": matrix})
    swarm["incentive"] = incentive
    swarm.yaml_set_comment_before_after_key(
        "teams", before="the same teams, intake, routing and times as as_is (YAML aliases)", indent=4)
    doc["designs"] = CommentedMap({"as_is": as_is, "swarm": swarm})
    doc["baseline"] = "as_is"

    notes = [f"An as-is scenario estimated by `cxsim calibrate` from {cal.source}, with:", f"  {command}"]
    if cal.grouped:
        notes.append(f"Rare teams grouped into '{OTHER}' ({_grouping(options)}): {', '.join(cal.grouped)}.")
    if not cal.has_activity:
        notes.append("No activity column: customer waits and reopens not estimated.")
    if not cal.has_resource:
        notes.append("No resource column: people per team not estimated.")
    notes.extend(cal.notes)
    notes.append("Every number below says beside it how it was estimated (docs/event-logs.md, "
                 "'Calibrating').")
    doc.yaml_set_start_comment("\n".join(_wrap(n) for n in notes))

    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _grouping(options: Options) -> str:
    rules = []
    if options.min_cases is not None:
        rules.append(f"visited by fewer than {options.min_cases} cases")
    if options.other_below is not None:
        rules.append(f"holding less than {options.other_below:.2%} of stints")
    return " or ".join(rules) or "no rule"


def _wrap(text: str, width: int = 110) -> str:
    if len(text) <= width or text.startswith("  "):
        return text
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width - 2:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def _fitted_or_default(block: CommentedMap, key: str, fit, what: str, default: str, why_not: str) -> None:
    """``block[key]``: the fitted distribution with a note on what it was fitted to, or the default and
    why there is no fit."""
    if fit is not None:
        block[key] = _flow_map(fit.spec())
        block.yaml_set_comment_before_after_key(key, before=_fit_note(fit, what), indent=2)
    else:
        block[key] = default
        block.yaml_add_eol_comment(why_not, key)
