"""Reading event logs (cxsim.eventlog) on tiny logs written here: CSV plain, gzip and zip; XES plain and gzip;
column mapping, missing values, event order, timestamp detection, and every error as one located line."""

from __future__ import annotations

import gzip
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cxsim.errors import EventLogError
from cxsim.eventlog import Columns, read_log

# Case A: teams A, -, B, A (a missing team between); case B: one row with no case, one with no time.
# Rows are out of time order on purpose (line 5 happens before line 4). Day-first dates (13/3 tells).
CSV = """\
number,state,stamp,group,person,opened,resolved,closed
INC1,New,13/3/2016 09:00,Team A,ann,13/3/2016 08:30,?,15/3/2016 10:00
INC1,Work,13/3/2016 10:00,?,bob,13/3/2016 08:30,14/3/2016 12:00,15/3/2016 10:00
INC1,Work,14/3/2016 11:00,Team A, ,13/3/2016 08:30,14/3/2016 12:00,15/3/2016 10:00
INC1,Work,13/3/2016 11:00,Team B,cy,13/3/2016 08:30,14/3/2016 12:00,15/3/2016 10:00
?,Work,13/3/2016 11:00,Team B,cy,?,?,?
INC2,New,,Team B,cy,?,?,?
INC2,New,1/4/2016 9:05,Team B,dee,?,?,?
"""
UCI_LIKE = Columns(case="number", time="stamp", team="group", activity="state", resource="person",
                   opened="opened", resolved="resolved", closed="closed")

XES = """\
<?xml version="1.0" encoding="UTF-8" ?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <global scope="event"><string key="org:group" value="UNKNOWN"/></global>
  <string key="concept:name" value="the log's own name"/>
  <trace>
    <string key="concept:name" value="T1"/>
    <date key="opened" value="2012-01-02T08:00:00+01:00"/>
    <event>
      <string key="concept:name" value="Accepted"/>
      <string key="lifecycle:transition" value="In Progress"/>
      <string key="org:group" value="G1"/>
      <string key="org:resource" value="Ann"/>
      <date key="time:timestamp" value="2012-01-02T09:00:00+01:00"/>
    </event>
    <event>
      <string key="concept:name" value="Queued"/>
      <string key="org:group" value="G2 2nd"><string key="nested" value="ignored"/></string>
      <date key="time:timestamp" value="2012-01-02T09:30:00.250+01:00"/>
    </event>
    <event>
      <string key="concept:name" value="Completed"/>
      <string key="lifecycle:transition" value="Closed"/>
      <string key="org:group" value="?"/>
      <date key="time:timestamp" value="2012-01-03T10:00:00Z"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="T2"/>
    <event>
      <string key="concept:name" value="Accepted"/>
      <date key="time:timestamp" value="2012-01-05T12:00:00+01:00"/>
    </event>
  </trace>
</log>
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def error(path, columns=None, **kwargs) -> EventLogError:
    with pytest.raises(EventLogError) as info:
        read_log(path, columns, **kwargs)
    text = str(info.value)
    assert "\n" not in text
    return info.value


# --- CSV ---

def check_csv_log(log, source: Path) -> None:
    assert log.format == "csv" and log.source == str(source)
    assert [j.case for j in log.journeys] == ["INC1", "INC2"]
    assert log.events == 5 and log.skipped == {"no case": 1, "no time": 1}
    inc1 = log.journeys[0]
    assert [e.time for e in inc1.events] == [datetime(2016, 3, 13, h) for h in (9, 10, 11)] + [
        datetime(2016, 3, 14, 11)]
    assert [e.team for e in inc1.events] == ["Team A", None, "Team B", "Team A"]  # time order, not file order
    assert [e.resource for e in inc1.events] == ["ann", "bob", "cy", None]  # blank is missing
    assert [e.activity for e in inc1.events] == ["New", "Work", "Work", "Work"]
    assert inc1.opened == datetime(2016, 3, 13, 8, 30)
    assert inc1.resolved == datetime(2016, 3, 14, 12) and inc1.closed == datetime(2016, 3, 15, 10)
    assert inc1.route == ("Team A", "Team B", "Team A") and inc1.handoffs == 2 and inc1.ping_pong
    day = datetime(2016, 3, 13)
    assert inc1.stints == (("Team A", day.replace(hour=9), day.replace(hour=11)),
                           ("Team B", day.replace(hour=11), day.replace(day=14, hour=11)),
                           ("Team A", day.replace(day=14, hour=11), day.replace(day=14, hour=12)))
    inc2 = log.journeys[1]
    assert inc2.opened is None and inc2.start == datetime(2016, 4, 1, 9, 5) and inc2.end is None
    assert inc2.handoffs == 0 and not inc2.ping_pong
    assert inc2.stints == (("Team B", inc2.start, inc2.start),)  # still open: cut at its last event
    assert log.start == datetime(2016, 3, 13, 8, 30) and log.end == datetime(2016, 4, 1, 9, 5)
    assert log.time_format.startswith("day/month/year")


def test_csv_with_a_column_mapping(tmp_path):
    path = write(tmp_path / "log.csv", CSV)
    check_csv_log(read_log(path, UCI_LIKE), path)


def test_csv_gzip_and_zip_read_the_same(tmp_path):
    gz = tmp_path / "log.csv.gz"
    gz.write_bytes(gzip.compress(CSV.encode()))
    check_csv_log(read_log(gz, UCI_LIKE), gz)
    zipped = tmp_path / "export.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("folder/", "")
        z.writestr("folder/log.csv", CSV)
        z.writestr("__MACOSX/folder/._log.csv", "resource fork")
        z.writestr("folder/notes.idp", "not a log")
    check_csv_log(read_log(zipped, UCI_LIKE), zipped)
    # compression is recognised by content, not name
    odd = tmp_path / "log.data"
    odd.write_bytes(gzip.compress(CSV.encode()))
    check_csv_log(read_log(odd, UCI_LIKE), odd)


def test_csv_separators_ragged_rows_and_joined_activity(tmp_path):
    path = write(tmp_path / "log.txt", "case;when;team;status;sub\nc1;2020-01-02 03:04:05;X;Queued;Wait\n"
                 "c1;2020-01-02 03:05:00;Y;Done\n\nc2;2020-01-03;X\n")
    log = read_log(path, Columns(case="case", time="when", team="team", activity="status+sub"))
    c1, c2 = log.journeys
    assert [e.activity for e in c1.events] == ["Queued Wait", "Done"]
    assert c1.route == ("X", "Y") and c2.events[0].time == datetime(2020, 1, 3)
    assert log.time_format.startswith("year-month-day")


def test_csv_defaults_are_the_xes_names_and_missing_defaults_are_reported(tmp_path):
    path = write(tmp_path / "flat.csv", "case:concept:name,time:timestamp,org:resource,concept:name\n"
                 "1,2020-05-01T10:00:00Z,ann,Open\n1,2020-05-01T11:00:00Z,bob,Close\n")
    log = read_log(path)
    assert log.columns == Columns(case="case:concept:name", time="time:timestamp", resource="org:resource",
                                  activity="concept:name")
    assert set(log.missing_columns) == {"org:group", "lifecycle:transition"}
    assert log.journeys[0].events[0].time == datetime(2020, 5, 1, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize(("rows", "expected", "order"), [
    (["3/13/2016 10:00", "3/4/2016 10:00"], [datetime(2016, 3, 13, 10), datetime(2016, 3, 4, 10)],
     "month/day/year"),
    (["13.3.2016", "3.4.2016"], [datetime(2016, 3, 13), datetime(2016, 4, 3)], "day/month/year"),
    (["4/4/2016 10:00:01,5", "5/5/2016 10:00"], [datetime(2016, 4, 4, 10, 0, 1, 500000),
                                                  datetime(2016, 5, 5, 10)], "day/month/year"),
    (["2016/03/13 14:50:17.000", "2016/03/14 14:50:17.123456789"],
     [datetime(2016, 3, 13, 14, 50, 17), datetime(2016, 3, 14, 14, 50, 17, 123456)], "year-month-day"),
])
def test_timestamp_detection(tmp_path, rows, expected, order):
    path = write(tmp_path / "t.csv", "case,time\n" + "".join(f'c{i},"{r}"\n' for i, r in enumerate(rows)))
    log = read_log(path, Columns(case="case", time="time"))
    assert [j.events[0].time for j in log.journeys] == expected
    assert log.time_format.startswith(order)


def test_offsets_are_kept_and_naive_values_read_as_utc_when_mixed(tmp_path):
    path = write(tmp_path / "t.csv", "case,time\na,2020-03-29T01:30:00+01:00\na,2020-03-29T03:30:00+02:00\n"
                 "b,2020-03-29 00:00\n")
    log = read_log(path, Columns(case="case", time="time"))
    a, b = log.journeys
    assert a.events[1].time - a.events[0].time == timedelta(hours=1)  # across a DST change
    assert a.events[0].time.utcoffset() == timedelta(hours=1)
    assert b.events[0].time == datetime(2020, 3, 29, tzinfo=timezone.utc)
    assert "UTC" in log.time_format


def test_explicit_time_format(tmp_path):
    path = write(tmp_path / "t.csv", "case,time\na,03/04/2016 10:00 PM\n")
    log = read_log(path, Columns(case="case", time="time"), time_format="%m/%d/%Y %I:%M %p")
    assert log.journeys[0].events[0].time == datetime(2016, 3, 4, 22)
    err = error(path, Columns(case="case", time="time"), time_format="%Y-%m-%d")
    assert err.line == 2 and err.column == "time" and "03/04/2016 10:00 PM" in err.message


# --- XES ---

def check_xes_log(log) -> None:
    assert log.format == "xes" and [j.case for j in log.journeys] == ["T1", "T2"] and log.events == 4
    t1 = log.journeys[0]
    cet = timezone(timedelta(hours=1))
    assert [e.time for e in t1.events] == [datetime(2012, 1, 2, 9, tzinfo=cet),
                                           datetime(2012, 1, 2, 9, 30, 0, 250000, tzinfo=cet),
                                           datetime(2012, 1, 3, 10, tzinfo=timezone.utc)]
    assert [e.team for e in t1.events] == ["G1", "G2 2nd", None]  # '?' missing; the global is no value
    assert [e.activity for e in t1.events] == ["Accepted In Progress", "Queued", "Completed Closed"]
    assert [e.resource for e in t1.events] == ["Ann", None, None]
    assert t1.opened is None  # not mapped
    assert log.journeys[1].events[0].team is None
    assert log.columns.team == "org:group" and log.columns.case == "concept:name"


def test_xes_plain_and_gzip(tmp_path):
    check_xes_log(read_log(write(tmp_path / "log.xes", XES)))
    gz = tmp_path / "log.xes.gz"
    gz.write_bytes(gzip.compress(XES.encode()))
    check_xes_log(read_log(gz))
    sniffed = tmp_path / "log.export"  # neither name nor --format: the content says XML
    sniffed.write_bytes(XES.encode())
    check_xes_log(read_log(sniffed))


def test_xes_case_timestamps_from_trace_attributes(tmp_path):
    log = read_log(write(tmp_path / "log.xes", XES), Columns(opened="opened", team="org:resource"))
    t1 = log.journeys[0]
    assert t1.opened == datetime(2012, 1, 2, 8, tzinfo=timezone(timedelta(hours=1)))
    assert [e.team for e in t1.events] == ["Ann", None, None]


# --- errors: one line, located ---

def test_missing_file_and_folder(tmp_path):
    assert "no such file" in str(error(tmp_path / "nope.csv"))
    assert "folder" in str(error(tmp_path))


def test_no_such_column_says_which_exist_and_suggests(tmp_path):
    path = write(tmp_path / "log.csv", CSV)
    err = error(path, Columns(case="number", time="stamp", team="Group"))
    assert "no column 'Group' for --team (did you mean 'group'?)" in err.message
    assert "number, state, stamp, group, person" in err.message
    err = error(path, Columns(case="numbr", time="stamp"))
    assert "did you mean 'number'?" in err.message
    err = error(path, Columns(time="stamp"))
    assert "no case column: name it with --case" in err.message
    err = error(write(tmp_path / "log.xes", XES), Columns(team="org:groups"))
    assert "no attribute 'org:groups' for --team (did you mean 'org:group'?)" in err.message


def test_unparseable_timestamp_names_line_column_and_value(tmp_path):
    text = CSV.replace("14/3/2016 11:00", "14/3/2016 noon")
    err = error(write(tmp_path / "log.csv", text), UCI_LIKE)
    assert (err.line, err.column) == (4, "stamp") and "'14/3/2016 noon'" in err.message
    assert str(err).startswith(f"{tmp_path / 'log.csv'}:4: stamp: cannot read timestamp")
    err = error(write(tmp_path / "bad.csv", CSV.replace("15/3/2016 10:00", "31/2/2016 10:00", 1)), UCI_LIKE)
    assert (err.line, err.column) == (2, "closed") and "not a valid day/month/year date" in err.message
    xes = XES.replace("2012-01-03T10:00:00Z", "yesterday")
    err = error(write(tmp_path / "log.xes", xes))
    assert "'yesterday'" in err.message and "trace 'T1', event 3" in err.message


def test_ambiguous_and_mixed_dates_are_refused(tmp_path):
    path = write(tmp_path / "t.csv", "case,time\na,3/4/2016 10:00\nb,5/6/2016 10:00\n")
    err = error(path, Columns(case="case", time="time"))
    assert "ambiguous" in err.message and "--time-format" in err.message and err.line == 2
    path = write(tmp_path / "m.csv", "case,time\na,13/4/2016 10:00\nb,5/16/2016 10:00\n")
    assert "mix day-first" in error(path, Columns(case="case", time="time")).message
    path = write(tmp_path / "y.csv", "case,time\na,13/4/16 10:00\n")
    assert "two-digit year" in error(path, Columns(case="case", time="time")).message


def test_empty_logs(tmp_path):
    assert "no events" in str(error(write(tmp_path / "empty.csv", "")))
    err = error(write(tmp_path / "header.csv", "case,time\n"), Columns(case="case", time="time"))
    assert "no events in the log (0 rows read)" in err.message
    err = error(write(tmp_path / "q.csv", "case,time\n?,2020-01-01\na,?\n"),
                Columns(case="case", time="time"))
    assert "2 rows read; skipped: 1 no case, 1 no time" in err.message
    empty_xes = write(tmp_path / "e.xes", '<log xmlns="http://www.xes-standard.org/"/>')
    assert "no events" in error(empty_xes).message


def test_broken_files(tmp_path):
    err = error(write(tmp_path / "broken.xes", XES.replace("</trace>\n  <trace>", "</trace>\n  <trace")))
    assert err.message.startswith("broken XML") and err.line is not None
    assert "not an XES log" in error(write(tmp_path / "x.xes", "<html><trace/></html>")).message
    bad_gz = tmp_path / "cut.xes.gz"
    bad_gz.write_bytes(gzip.compress(XES.encode())[:200])
    assert "cannot read the file" in error(bad_gz).message or "broken XML" in error(bad_gz).message
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("a.csv", CSV)
        z.writestr("b.csv", CSV)
    assert "exactly one CSV or XES file; this one holds 'a.csv', 'b.csv'" in error(two).message
    assert "unknown --format 'json'" in error(write(tmp_path / "l.csv", CSV), format="json").message
