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
            texts[name] = (folder / name).read_text(encoding="utf-8")
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
    return SavedResult(summary=summary, details=details, rows=_case_rows(folder / "cases.csv"))


def _case_rows(path: Path) -> list[dict[str, Any]]:
    """cases.csv's rows, typed (none when the run kept no cases); a damaged file says where."""
    from cxsim.saved_files import ADVICE

    if not path.exists():
        return []
    rows = []
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, [])
            for values in reader:
                if len(values) != len(header):
                    raise ResultsFolderError(f"{path}:{reader.line_num}: {len(values)} values for the "
                                             f"header's {len(header)} columns; {ADVICE}")
                row = {}
                for column, text in zip(header, values, strict=True):
                    try:
                        row[column] = _value(column, text)
                    except ValueError:
                        raise ResultsFolderError(f"{path}:{reader.line_num}: {column}: not a number (got "
                                                 f"{text!r}); {ADVICE}") from None
                rows.append(row)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ResultsFolderError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc}); "
                                 f"{ADVICE}") from None
    if rows and not {"design", "status"} <= set(rows[0]):
        raise ResultsFolderError(f"{path}:1: no 'design' or 'status' column; {ADVICE}")
    return rows


def _value(column: str, text: str) -> Any:
    if column in TEXT_COLUMNS:
        return text
    if text == "":
        return float("nan")
    if column in BOOL_COLUMNS:
        return text in ("1", "True", "true")
    if column in INT_COLUMNS:
        return int(text)
    return float(text)


def load_steps(folder: str | Path) -> list[dict[str, Any]]:
    """The steps of a results folder's kept cases (journeys.csv); ResultsFolderError when it has none."""
    path = Path(folder) / JOURNEYS
    if not path.is_file():
        raise ResultsFolderError(f"{folder}: no {JOURNEYS} (per-case journeys are written by cxsim run with "
                                 "--cases all or sample; run again with --cases all)")
    with path.open(newline="") as fh:
        return [{k: _value(k, v) for k, v in raw.items()} for raw in csv.DictReader(fh)]
