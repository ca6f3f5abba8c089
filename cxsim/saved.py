"""Saved results: a run's output folder read back (summary.json, details.json, cases.csv), with the same
interface the charts and the report use on a live ``Result`` — so ``cxsim report DIR`` needs no re-run."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxsim.errors import ResultsFolderError
from cxsim.summary import Summary

INT_COLUMNS = {"replication", "case_id", "customer_id", "tickets", "transfers", "reopens", "sessions",
               "handoffs", "teams", "step"}
BOOL_COLUMNS = {"first_contact_resolution", "churned", "ping_pong"}
TEXT_COLUMNS = {"design", "case_type", "status", "team", "activity"}
JOURNEYS = "journeys.csv"  # a row per step of each kept case (written with --cases all or sample)


@dataclass
class SavedResult:
    """A results folder read back: the typed summary, the charts' details and the per-case rows."""

    summary: Summary
    details: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def designs(self) -> list[str]:
        return list(self.summary.designs)

    def metric(self, design: str, name: str) -> float | None:
        """The mean of one metric for one design."""
        return self.summary.metric(design, name)

    def case_rows(self, design: str | None = None):
        return (r for r in self.rows if design is None or r["design"] == design)


def load_results(folder: str | Path) -> SavedResult:
    """Read a run's output folder; a folder that is not one, or whose files are not as cxsim wrote them,
    raises ResultsFolderError (one line: file, line, field)."""
    from cxsim.saved_files import ADVICE, check_details, check_summary

    folder = Path(folder)
    texts = {}
    for name in ("summary.json", "details.json"):
        try:
            texts[name] = (folder / name).read_text(encoding="utf-8-sig")  # a BOM: an editor's save
        except FileNotFoundError:
            raise ResultsFolderError(f"{folder}: no {name}; is this a cxsim run's output folder?") from None
        except IsADirectoryError:
            raise ResultsFolderError(f"{folder / name}: is a folder, not cxsim's file; run the scenario "
                                     "again to rebuild the results folder") from None
        except UnicodeDecodeError:
            raise ResultsFolderError(f"{folder / name}: not UTF-8 text; {ADVICE}") from None
        except OSError as exc:
            raise ResultsFolderError(f"{folder / name}: cannot read it ({exc.strerror or exc})") from None
    summary = Summary.from_json(check_summary(texts["summary.json"], str(folder / "summary.json")))
    details = check_details(texts["details.json"], str(folder / "details.json"), list(summary.designs))
    return SavedResult(summary=summary, details=details, rows=_case_rows(folder / "cases.csv", summary))


def _case_rows(path: Path, summary: Summary) -> list[dict[str, Any]]:
    """cases.csv's rows, typed and checked against the summary (none when the run kept no cases); a damaged
    or foreign file says where."""
    from cxsim.saved_files import ADVICE

    if not path.exists():
        return []
    rows = _rows(path, summary, CASE_COLUMNS_NEEDED)
    kept = summary.cases_output in ("sample", "all")
    if not rows and kept and any(d.accounting.counted for d in summary.designs.values()):
        raise ResultsFolderError(f"{path}: holds no case, but the run kept them (cases_output: "
                                 f"{summary.cases_output}); {ADVICE}")
    return rows


CASE_COLUMNS_NEEDED = ("design", "replication", "case_type", "status", "effort_hours")
STEP_COLUMNS_NEEDED = ("design", "replication", "case_id", "step", "at_hours", "team", "activity")


def _rows(path: Path, summary: Summary | None, needed: tuple[str, ...]) -> list[dict[str, Any]]:
    """A CSV that cxsim wrote (cases.csv, journeys.csv), typed: every number finite, not negative and within
    reach, and (given the summary) every design, case type, status and replication one of the run's. A
    byte-order mark and Windows line ends (a spreadsheet's save) are read as they mean."""
    from cxsim.results import STATUSES
    from cxsim.saved_files import ADVICE, LARGEST

    def refuse(line: int, column: str, problem: str) -> ResultsFolderError:
        return ResultsFolderError(f"{path}:{line}: {column}: {problem}; {ADVICE}")

    known = {}
    if summary is not None:
        known = {"design": set(summary.designs), "status": set(STATUSES),
                 "case_type": {t for d in summary.designs.values() for t in d.case_types}}
    rows = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, [])
            missing = [c for c in needed if c not in header]
            if header and missing:
                raise refuse(1, missing[0], "no such column (the header is not as cxsim wrote it)")
            for values in reader:
                line = reader.line_num
                if not any(values):  # a blank line
                    continue
                if len(values) != len(header):
                    raise ResultsFolderError(f"{path}:{line}: {len(values)} values for the header's "
                                             f"{len(header)} columns; {ADVICE}")
                row = {}
                for column, text in zip(header, values, strict=True):
                    try:
                        value = _value(column, text)
                    except ValueError:
                        raise refuse(line, column, f"not a number (got {text!r})") from None
                    if isinstance(value, float) and value == value and not 0 <= value <= LARGEST:
                        raise refuse(line, column, f"not a number a run gives (got {text!r})")
                    if column in known and value not in known[column]:
                        raise refuse(line, column, f"{text!r} is not one of the run's "
                                     f"({', '.join(sorted(known[column]))})")
                    row[column] = value
                if summary is not None and row["replication"] >= summary.replications:
                    raise refuse(line, "replication", f"the run made {summary.replications} (numbered from "
                                 f"0), not {row['replication'] + 1}")
                rows.append(row)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ResultsFolderError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc}); "
                                 f"{ADVICE}") from None
    return rows


def _value(column: str, text: str) -> Any:
    if column in TEXT_COLUMNS:
        return text
    if text == "":
        return float("nan")
    if column in BOOL_COLUMNS:
        if text not in ("0", "1", "True", "False", "true", "false"):
            raise ValueError(text)
        return text in ("1", "True", "true")
    if column in INT_COLUMNS:
        return int(text)
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def load_steps(folder: str | Path, summary: Summary | None = None) -> list[dict[str, Any]]:
    """The steps of a results folder's kept cases (journeys.csv), checked as cases.csv is (against
    ``summary`` when given); ResultsFolderError when it has none or is damaged."""
    path = Path(folder) / JOURNEYS
    if not path.is_file():
        raise ResultsFolderError(f"{folder}: no {JOURNEYS} (per-case journeys are written by cxsim run with "
                                 "--cases all or sample; run again with --cases all)")
    return _rows(path, summary, STEP_COLUMNS_NEEDED)
