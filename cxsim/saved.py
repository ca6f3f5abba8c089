"""Saved results: a run's output folder read back (summary.json, details.json, cases.csv), with the same
interface the charts and the report use on a live ``Result`` — so ``cxsim report DIR`` needs no re-run."""

from __future__ import annotations

import csv
import json
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
    """Read a run's output folder; a folder that is not one raises ResultsFolderError."""
    folder = Path(folder)
    try:
        data = json.loads((folder / "summary.json").read_text())
        details = json.loads((folder / "details.json").read_text())
    except FileNotFoundError as exc:
        raise ResultsFolderError(f"{folder}: no {Path(exc.filename).name}; is this a cxsim run's output "
                                 "folder?") from None
    except json.JSONDecodeError as exc:
        raise ResultsFolderError(f"{folder}: {exc}") from None
    except (OSError, UnicodeDecodeError, RecursionError) as exc:  # a folder, not text, nested too deeply
        raise ResultsFolderError(f"{folder}: cannot read its summary.json or details.json "
                                 f"({getattr(exc, 'strerror', None) or type(exc).__name__})") from None
    try:
        summary = Summary.from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ResultsFolderError(f"{folder}/summary.json: not a cxsim summary ({type(exc).__name__}: "
                                 f"{exc})") from None
    rows = []
    cases = folder / "cases.csv"
    if cases.exists():
        with cases.open(newline="") as fh:
            for raw in csv.DictReader(fh):
                rows.append({k: _value(k, v) for k, v in raw.items()})
    return SavedResult(summary=summary, details=details, rows=rows)


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
