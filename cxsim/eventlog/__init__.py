"""Reading ticket event logs (CSV or XES, plain, gzip or zip) into per-case journeys.

``read_log(path, Columns(case=..., time=..., team=...))`` returns an ``EventLog``: per case, its events in
time order (time, team, resource, activity) and its opened/resolved/closed times. XES keys default to the
standard extensions (case = trace ``concept:name``, time = ``time:timestamp``, team = ``org:group``, resource
= ``org:resource``, activity = ``concept:name`` + ``lifecycle:transition``); ``?`` and blank mean missing.
Anything unreadable raises ``EventLogError``: one line with the file, line and column.
Standard library only (csv, xml.etree iterparse), so ``import cxsim`` stays light.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from cxsim.errors import EventLogError
from cxsim.eventlog.csvlog import read_csv
from cxsim.eventlog.journey import CSV_DEFAULTS, MISSING, XES_DEFAULTS, Columns, Event, EventLog, Journey
from cxsim.eventlog.sources import FORMATS, log_format, open_log
from cxsim.eventlog.xeslog import read_xes

__all__ = ["CSV_DEFAULTS", "FORMATS", "MISSING", "XES_DEFAULTS", "Columns", "Event", "EventLog",
           "EventLogError", "Journey", "read_log"]


def read_log(path: str | Path, columns: Columns | None = None, *, format: str | None = None,
             time_format: str | None = None, missing: frozenset[str] = MISSING) -> EventLog:
    """The log at ``path`` read into journeys.

    ``columns``: the fields' columns (CSV) or attribute keys (XES), over the format's defaults.
    ``format``: 'csv' or 'xes' (default: from the name, else the content). ``time_format``: a ``strptime``
    format for every timestamp (default: detected; ambiguous day/month order is refused). ``missing``: the
    values meaning "not recorded". Raises ``EventLogError``.
    """
    path = Path(path)
    file = str(path)
    columns = columns or Columns()
    with open_log(path) as (stream, name):
        try:
            kind = log_format(stream, name, format, file)
            reader = read_xes if kind == "xes" else read_csv
            return reader(stream, columns, file, missing, time_format)
        except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as err:
            raise EventLogError(f"cannot read the file ({type(err).__name__}: {err})", file=file) from None
