"""Rows as a reader finds them, gathered per case, then turned into journeys once the timestamps are read.

Readers (CSV, XES) only split text; every log goes through the same gathering: missing values dropped,
rows without a case or time counted and skipped, the whole log's timestamps parsed with one format, each
case's events put in time order (ties keep the log's order).
"""

from __future__ import annotations

from collections import Counter
from operator import attrgetter

from cxsim.errors import EventLogError
from cxsim.eventlog.journey import Columns, Event, EventLog, Journey
from cxsim.eventlog.timestamps import parse_timestamps

__all__ = ["Collector"]

class Collector:
    """Gathers a log's rows per case: ``add`` one row at a time, then ``log`` builds the ``EventLog``.

    ``where`` of a row is its 1-based line (CSV) or its 1-based event number in its trace (XES).
    """

    def __init__(self, file: str, fmt: str) -> None:
        self.file = file
        self.format = fmt
        self.rows = 0
        self.skipped: Counter = Counter()
        self._cases: dict[str, list[tuple]] = {}  # case -> [(time, where, team, resource, activity)]
        self._stamps: dict[str, list] = {}  # case -> [opened, resolved, closed] raw values or None
        self._stamp_seen: dict[str, tuple] = {}  # every raw case timestamp -> (case, where, field) first seen
        self._canonical: dict[str, str] = {}  # one string object per distinct team/resource/activity

    def add(self, case: str | None, time: str | None, where: int, team: str | None = None,
            resource: str | None = None, activity: str | None = None, opened: str | None = None,
            resolved: str | None = None, closed: str | None = None) -> None:
        """One row; values are stripped text, None when missing."""
        self.rows += 1
        if case is None:
            self.skipped["no case"] += 1
            return
        if time is None:
            self.skipped["no time"] += 1
            return
        canon = self._canonical.setdefault
        row = (time, where, team and canon(team, team), resource and canon(resource, resource),
               activity and canon(activity, activity))
        events = self._cases.get(case)
        if events is None:
            events = self._cases[case] = []
            self._stamps[case] = [None, None, None]
        events.append(row)
        if opened is not None or resolved is not None or closed is not None:
            stamps = self._stamps[case]
            seen = self._stamp_seen
            if opened is not None:
                seen.setdefault(opened, (case, where, "opened"))
                if stamps[0] is None:
                    stamps[0] = opened
            if resolved is not None:
                seen.setdefault(resolved, (case, where, "resolved"))
                stamps[1] = resolved
            if closed is not None:
                seen.setdefault(closed, (case, where, "closed"))
                stamps[2] = closed

    def _where(self, columns: Columns):
        """value -> (line, column, extra) of its first occurrence, for error messages (searched on error)."""
        def locate(raw: str):
            found = [(row[1], case, columns.time) for case, events in self._cases.items() for row in events
                     if row[0] == raw]
            if raw in self._stamp_seen:
                case, where, name = self._stamp_seen[raw]
                found.append((where, case, getattr(columns, name)))
            if not found:
                return None, None, ""
            where, case, column = min(found, key=lambda f: f[0]) if self.format == "csv" else found[0]
            return self._place(case, where, column)
        return locate

    def _place(self, case: str, where: int, column: str | None):
        if self.format == "xes":
            return None, column, f" (trace {case!r}, event {where})"
        return where, column, ""

    def log(self, columns: Columns, *, time_format: str | None = None,
            missing_columns: tuple[str, ...] = ()) -> EventLog:
        """The journeys, once every timestamp is parsed; ``EventLogError`` when the log has no events."""
        if not self._cases:
            skipped = ", ".join(f"{n} {why}" for why, n in self.skipped.items())
            raise EventLogError(f"no events in the log ({self.rows} rows read"
                                + (f"; skipped: {skipped}" if skipped else "") + ")", file=self.file)
        raw = {row[0]: None for events in self._cases.values() for row in events}
        raw.update(dict.fromkeys(self._stamp_seen))
        parsed, described = parse_timestamps(raw, self._where(columns), time_format=time_format,
                                             file=self.file)
        journeys = []
        by_time = attrgetter("time")
        for case, rows in self._cases.items():
            events = sorted((Event(parsed[t], team, resource, activity)
                             for t, _, team, resource, activity in rows), key=by_time)
            opened, resolved, closed = (parsed[s] if s is not None else None for s in self._stamps[case])
            journeys.append(Journey(case, tuple(events), opened, resolved, closed))
        return EventLog(source=self.file, format=self.format, columns=columns, journeys=tuple(journeys),
                        events=sum(len(rows) for rows in self._cases.values()), start=min(parsed.values()),
                        end=max(parsed.values()), time_format=described, skipped=dict(self.skipped),
                        missing_columns=missing_columns)
