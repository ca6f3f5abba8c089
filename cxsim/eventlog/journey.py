"""What a ticket event log holds once read: per case, its events in time order and when it opened and ended.

Plain frozen data, nothing of the file it came from: calibration and back-tests read these, whatever the
log's format was.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime

__all__ = ["CSV_DEFAULTS", "Columns", "Event", "EventLog", "Journey", "MISSING", "XES_DEFAULTS"]

MISSING = frozenset({"", "?"})  # values that mean "not recorded" (after stripping blanks)


@dataclass(frozen=True)
class Columns:
    """Which column (CSV) or attribute key (XES) holds each field; None = not mapped.

    ``case`` and ``time`` are required (XES: ``case`` is a trace attribute). ``activity`` may join several
    columns with ``+`` (``concept:name+lifecycle:transition``), their values joined by a space. ``opened``,
    ``resolved`` and ``closed`` hold timestamps of the case (XES: a trace attribute, else an event's).
    """

    case: str | None = None
    time: str | None = None
    team: str | None = None
    activity: str | None = None
    resource: str | None = None
    opened: str | None = None
    resolved: str | None = None
    closed: str | None = None

    def over(self, defaults: Columns) -> Columns:
        """These columns, with ``defaults`` filling the fields left unmapped."""
        return replace(defaults, **{f.name: v for f in fields(self) if (v := getattr(self, f.name))})

    def mapped(self) -> dict[str, str]:
        """{field: column} of the mapped fields, in field order."""
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name))}


# XES's standard extensions (concept, time, org, lifecycle). A CSV exported from XES tools flattens them
# with the trace attributes prefixed by "case:"; those are the CSV defaults, used when such columns exist.
XES_DEFAULTS = Columns(case="concept:name", time="time:timestamp", team="org:group",
                       activity="concept:name+lifecycle:transition", resource="org:resource")
CSV_DEFAULTS = Columns(case="case:concept:name", time="time:timestamp", team="org:group",
                       activity="concept:name+lifecycle:transition", resource="org:resource")


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the log: when, which team and person held the case, what happened (None = not recorded)."""

    time: datetime
    team: str | None = None
    resource: str | None = None
    activity: str | None = None


@dataclass(frozen=True, slots=True)
class Journey:
    """One case: its events in time order (ties keep the log's order) and its own timestamps, if mapped.

    ``opened`` is the first recorded value of the opened column, ``resolved``/``closed`` the last ones.
    """

    case: str
    events: tuple[Event, ...]
    opened: datetime | None = None
    resolved: datetime | None = None
    closed: datetime | None = None

    @property
    def start(self) -> datetime:
        """When the case opened: the opened column, else its first event."""
        return self.opened if self.opened is not None else self.events[0].time

    @property
    def end(self) -> datetime | None:
        """When it ended: resolved, else closed, else None (still open, as far as the log says)."""
        return self.resolved if self.resolved is not None else self.closed

    @property
    def teams(self) -> tuple[str, ...]:
        """The team of each event, events without a team skipped."""
        return tuple(e.team for e in self.events if e.team is not None)

    @property
    def route(self) -> tuple[str, ...]:
        """The teams that held the case in turn: ``teams`` with consecutive repeats collapsed."""
        route: list[str] = []
        for team in self.teams:
            if not route or route[-1] != team:
                route.append(team)
        return tuple(route)

    @property
    def stints(self) -> tuple[tuple[str, datetime, datetime], ...]:
        """Each turn of a team holding the case: (team, its first event, the next team's first event).

        The last turn ends at the case's ``end`` (resolved, else closed) when that is no earlier, else at
        the last event (a case still open: its last turn is cut at its last event)."""
        turns: list[list] = []
        for e in self.events:
            if e.team is None:
                continue
            if turns and turns[-1][0] == e.team:
                continue
            if turns:
                turns[-1][2] = e.time
            turns.append([e.team, e.time, None])
        if turns:
            end, last = self.end, self.events[-1].time
            turns[-1][2] = end if end is not None and end >= turns[-1][1] else max(last, turns[-1][1])
        return tuple((team, start, stop) for team, start, stop in turns)

    @property
    def handoffs(self) -> int:
        """Changes of team between consecutive events (events without a team skipped)."""
        return max(len(self.route) - 1, 0)

    @property
    def ping_pong(self) -> bool:
        """True when the case came back to a team it had left."""
        route = self.route
        return len(set(route)) < len(route)


@dataclass(frozen=True)
class EventLog:
    """A log read: its journeys (in order of first appearance), the mapping used and what was skipped.

    ``start``/``end`` span every timestamp read (events and case timestamps); ``end`` is where cases still
    open are censored. ``skipped`` counts rows left out, by reason. ``missing_columns`` lists default
    columns (not asked for) that the log does not have.
    """

    source: str
    format: str
    columns: Columns
    journeys: tuple[Journey, ...]
    events: int
    start: datetime
    end: datetime
    time_format: str
    skipped: dict[str, int] = field(default_factory=dict)
    missing_columns: tuple[str, ...] = ()

    @property
    def cases(self) -> int:
        return len(self.journeys)

    @property
    def has_end_times(self) -> bool:
        """True when the log maps a resolved or closed timestamp (else a case ends at its last event)."""
        return bool(self.columns.resolved or self.columns.closed)

    def describe(self) -> dict:
        """The log's facts (not its journeys) as JSON-ready data."""
        return {"source": self.source, "format": self.format, "columns": self.columns.mapped(),
                "cases": self.cases, "events": self.events, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "time_format": self.time_format, "skipped": dict(self.skipped),
                "missing_columns": list(self.missing_columns)}
