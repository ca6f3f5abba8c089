"""Which of a log's columns (CSV) or attribute keys (XES) each field reads, checked against what the log has.

A column the user named must exist (else one line naming it, a close match and the columns there are); a
default one that does not exist is dropped and reported in ``EventLog.missing_columns``.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence

from cxsim.errors import EventLogError
from cxsim.eventlog.journey import Columns

__all__ = ["check_columns"]

_REQUIRED = ("case", "time")


def _suggest(name: str, available: Sequence[str]) -> str:
    lower = {a.lower(): a for a in available}
    match = lower.get(name.lower()) or next(iter(difflib.get_close_matches(name, available, n=1, cutoff=0.6)),
                                            None)
    return f" (did you mean {match!r}?)" if match else ""


def _listing(available: Sequence[str], limit: int = 60) -> str:
    shown = ", ".join(available[:limit])
    return shown + (f", ... ({len(available) - limit} more)" if len(available) > limit else "")


def _names(where: Collection[str]) -> list[str]:
    return list(where) if isinstance(where, Sequence) else sorted(where)


def check_columns(given: Columns, defaults: Columns, available: Sequence[str], file: str, *,
                  kind: str = "column", case_available: Collection[str] | None = None
                  ) -> tuple[Columns, tuple[str, ...]]:
    """(the columns to read, the default columns the log lacks); ``EventLogError`` for a named column the
    log lacks or no case/time column at all. ``activity`` may join columns with ``+``; ``case_available``
    (XES: the trace attributes) is where the case is looked up, if given."""
    chosen: dict[str, str] = {}
    lacking: list[str] = []
    for field, spec in given.over(defaults).mapped().items():
        where = case_available if field == "case" and case_available is not None else available
        parts = [spec] if spec in where or "+" not in spec else [p.strip() for p in spec.split("+")]
        absent = [p for p in parts if p not in where]
        if absent and getattr(given, field):
            names = _names(where)
            raise EventLogError(f"no {kind} {absent[0]!r} for --{field}{_suggest(absent[0], names)}; the "
                                f"{kind}s are: {_listing(names) or 'none'}", file=file)
        lacking.extend(absent)
        present = [p for p in parts if p in where]
        if present:
            chosen[field] = "+".join(present)
    for field in _REQUIRED:
        if field not in chosen:
            names = _names(case_available if field == "case" and case_available is not None else available)
            raise EventLogError(f"no {field} {kind}: name it with --{field}; the {kind}s are: "
                                f"{_listing(names) or 'none'}", file=file)
    return Columns(**chosen), tuple(lacking)
