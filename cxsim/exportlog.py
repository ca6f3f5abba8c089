"""A finished run's tickets as an event log (CSV) that ``cxsim logstats``, the back-test and calibration read.

One design and one replication of a results folder (a log is one history): a row per step of each kept
case from ``journeys.csv`` (intake sent it to a team: ``opened``; a hand-off sent it on: ``assigned``; an
agent session began: ``session``; it ended: ``resolved`` or ``abandoned``), and for a case still open at
the horizon a last row ``open at horizon`` there, so the log ends where the run did and open cases are
censored at the same time as in the run. Simulated hours become timestamps from ``EPOCH`` (a Monday 00:00,
as the simulation's time 0), to the microsecond. The engine does not record which agent served a session,
so ``resource`` is left empty.

Columns: ``case, time, team, resource, activity, opened_at, resolved_at, closed_at`` (the case's own
timestamps on every row; ``closed_at`` is when an abandoned case ended). Read it back with
``--case case --time time --team team --resource resource --activity activity --opened opened_at
--resolved resolved_at`` (abandoned cases then count as open until the log's end; add ``--closed closed_at``
to end them when the customer gave up; the run censors them there).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cxsim.atomic import replacing
from cxsim.errors import ResultsFolderError
from cxsim.saved import load_results, load_steps

__all__ = ["EPOCH", "LOG_COLUMNS", "READ_BACK", "Exported", "export_log", "timestamp"]

EPOCH = datetime(2024, 1, 1)  # a Monday: simulated hour 0 (Monday 00:00 of week 0)
LOG_COLUMNS = ("case", "time", "team", "resource", "activity", "opened_at", "resolved_at", "closed_at")
READ_BACK = ("--case case --time time --team team --resource resource --activity activity "
             "--opened opened_at --resolved resolved_at")  # the flags that read an exported log
OPEN_AT_HORIZON = "open at horizon"


def timestamp(hours: float) -> str:
    """Simulated hours as a timestamp text from ``EPOCH``, to the microsecond."""
    return (EPOCH + timedelta(microseconds=round(hours * 3.6e9))).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True)
class Exported:
    """What was written: the design and replication, how many cases and events, whether cases were a
    sample of the run's."""

    design: str
    replication: int
    cases: int
    events: int
    sampled: bool


def export_log(folder: str | Path, out: str | Path, *, design: str | None = None,
               replication: int | None = None) -> Exported:
    """Write the event log of one design (default: the baseline) and replication (default: the first) of a
    results folder to ``out``. Raises ``ResultsFolderError`` (nothing written) if the folder has no
    journeys.csv, or no such design or replication."""
    folder = Path(folder)
    saved = load_results(folder)
    summary = saved.summary
    steps = load_steps(folder, summary)
    name = design if design is not None else summary.baseline
    if name not in summary.designs:
        raise ResultsFolderError(f"--design: no design {name!r} in {folder}; designs: "
                                 f"{', '.join(summary.designs)}")
    cases = [r for r in saved.rows if r["design"] == name]
    reps = sorted({r["replication"] for r in cases})
    if not reps:
        raise ResultsFolderError(f"{folder}: no cases of design {name!r} were kept (cases.csv)")
    rep = reps[0] if replication is None else replication
    if rep not in reps:
        raise ResultsFolderError(f"--replication: no replication {rep} of {name!r} in {folder}; "
                                 f"replications: {', '.join(map(str, reps))}")
    horizon = summary.horizon_hours
    by_case: dict[int, list[dict]] = {}
    for s in steps:
        if s["design"] == name and s["replication"] == rep:
            by_case.setdefault(s["case_id"], []).append(s)
    rows = []
    kept = [r for r in cases if r["replication"] == rep]
    for case in kept:
        path = sorted(by_case.get(case["case_id"], ()), key=lambda s: s["step"])
        if not path:
            raise ResultsFolderError(f"{folder}/journeys.csv: no steps for case {case['case_id']} of "
                                     f"{name!r}, replication {rep}")
        opened = timestamp(path[0]["at_hours"])
        ended = case["ended_at_hours"]
        end = "" if ended is None or math.isnan(ended) else timestamp(path[-1]["at_hours"])
        resolved = end if case["status"] == "resolved" else ""
        closed = end if case["status"] == "abandoned" else ""
        events = [(s["at_hours"], s["team"], s["activity"]) for s in path]
        if case["status"] == "open" and horizon is not None:
            events.append((horizon, path[-1]["team"], OPEN_AT_HORIZON))
        for hours, team, activity in events:
            rows.append((hours, [case["case_id"], timestamp(hours), team, "", activity, opened, resolved,
                                 closed]))
    rows.sort(key=lambda row: row[0])  # stable: a case's steps at the same time keep their order
    out = Path(out)
    if out.parent != Path(""):
        out.parent.mkdir(parents=True, exist_ok=True)
    with replacing(out) as tmp, tmp.open("w", newline="") as fh:  # the whole log or none of it
        writer = csv.writer(fh)
        writer.writerow(LOG_COLUMNS)
        writer.writerows(row for _, row in rows)
    return Exported(name, rep, len(kept), len(rows), summary.cases_output != "all")
