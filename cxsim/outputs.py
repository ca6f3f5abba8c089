"""Writing results to a folder: a run's data files, PNG charts and report.html; likewise for a sweep.

The data files are the results' own JSON and CSV forms; charts and the report are always built from the
same objects (a live result, or a folder read back by ``cxsim.saved``). ``report.html`` is always written:
``charts=False`` only leaves out the PNG files. Writing into a folder first removes cxsim's own files of an
earlier run there (known names only, never other files), so no stale chart or table sits beside new ones.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cxsim.catalogue import METRICS
from cxsim.charts import RUN_CHARTS, applicable_charts, sweep_chart
from cxsim.estimates import Estimate
from cxsim.report import render_report, render_sweep_report
from cxsim.results import CASE_COLUMNS, STEP_COLUMNS
from cxsim.summary import json_safe
from cxsim.version import __version__

RUN_FILES = ("summary.json", "summary.csv", "cases.csv", "details.json")
JOURNEYS = "journeys.csv"  # a run's per-case steps, written when it keeps cases (--cases all or sample)
SWEEP_FILES = ("sweep.csv", "sweep.json")
REPORT = "report.html"
CHART_DPI = 110


def own_files(folder: Path) -> list[Path]:
    """Every file cxsim may have written in ``folder`` (runs, sweeps and sensitivity analyses), whether or
    not it exists."""
    names = [*RUN_FILES, *SWEEP_FILES, REPORT, *(f"{name}.png" for name in RUN_CHARTS),
             *(f"sweep_{metric}.png" for metric in METRICS)]
    names += [*SENSITIVITY_FILES, *(f"tornado_{metric}.png" for metric in METRICS)]
    names += [JOURNEYS, *BACKTEST_FILES]
    return [folder / name for name in names]


def _clear(paths: Iterable[Path]) -> None:
    for path in paths:
        if path.is_file():
            path.unlink()


def _folder(out_dir: str | Path) -> Path:
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ------------------------------------------------------------------ a run


def write_run(result, out_dir: str | Path, *, charts: bool = True) -> list[Path]:
    """Write summary.json, summary.csv, cases.csv, details.json, journeys.csv (when cases are kept), the
    charts (unless ``charts=False``) and report.html, after removing cxsim's files of an earlier run;
    returns the paths written."""
    folder = _folder(out_dir)
    _clear(own_files(folder))
    written = [_write_summary_json(result, folder / "summary.json"),
               _write_summary_csv(result, folder / "summary.csv"),
               _write_cases(result, folder / "cases.csv"),
               _write_details(result, folder / "details.json")]
    if result.cases != "none":
        written.append(write_steps(result.step_rows(), folder / JOURNEYS))
    return written + write_report(result, folder, charts=charts)


def write_report(view, out_dir: str | Path, *, charts: bool = True) -> list[Path]:
    """Write report.html and (unless ``charts=False``) the PNG charts of a live or saved result; with
    charts, PNGs of charts that no longer apply are removed."""
    folder = _folder(out_dir)
    written = []
    if charts:
        _clear(folder / f"{name}.png" for name in RUN_CHARTS)
        written += write_charts(view, folder)
    report = folder / REPORT
    report.write_text(render_report(view, _sensitivity_beside(folder, view.summary)), encoding="utf-8")
    return [*written, report]


def _sensitivity_beside(folder: Path, summary) -> dict | None:
    """The sensitivity.json that ``cxsim sensitivity`` writes beside a run's folder by default
    (``results/<name>-sensitivity/``), when it is of the same scenario: the verdict names its drivers."""
    path = folder.parent / f"{folder.name}-sensitivity" / "sensitivity.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("scenario_hash") == summary.scenario_hash else None


def write_charts(view, folder: Path) -> list[Path]:
    """Save every chart that applies as PNG, with the run's provenance in each file."""
    s = view.summary
    written = []
    for name, make in applicable_charts(view).items():
        path = folder / f"{name}.png"
        make(view).savefig(path, dpi=CHART_DPI, metadata=_png_metadata(
            name, s.scenario, s.scenario_hash, s.seed, s.replications))
        written.append(path)
    return written


def _write_summary_json(result, path: Path) -> Path:
    path.write_text(json.dumps(result.summary.to_json(), indent=2) + "\n")
    return path


def _write_details(result, path: Path) -> Path:
    path.write_text(json.dumps(json_safe(result.details), indent=1) + "\n")
    return path


def _write_summary_csv(result, path: Path) -> Path:
    """A row per design, scope (all, vs_baseline:BASE, case_type:NAME) and metric: mean and 95% CI."""
    summary = result.summary
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["design", "scope", "metric", "mean", "ci95_low", "ci95_high"])
        for design in result.designs:
            d = summary.designs[design]
            for metric, value in d.metrics.items():
                writer.writerow([design, "all", metric, *_cells(value, metric)])
            for metric, value in (d.vs_baseline or {}).items():
                writer.writerow([design, f"vs_baseline:{summary.baseline}", metric, *_cells(value)])
            for ctype, metrics in d.case_types.items():
                for metric, value in metrics.items():
                    writer.writerow([design, f"case_type:{ctype}", metric, *_cells(value, metric)])
    return path


def _write_cases(result, path: Path) -> Path:
    return write_case_rows(result.case_rows(), path)


def write_case_rows(rows: Iterable[dict], path: Path) -> Path:
    """cases.csv: a row per kept case (``CASE_COLUMNS``)."""
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CASE_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return path


def write_steps(rows: Iterable[dict], path: Path) -> Path:
    """journeys.csv: a row per step of each kept case (``STEP_COLUMNS``); hours with 12 significant digits,
    so a log exported from it keeps each time to well under a second."""
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=STEP_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "at_hours": f"{row['at_hours']:.12g}"})
    return path


def _cell(value: Any) -> Any:
    """A CSV cell: booleans as 0/1, floats to six figures, undefined (NaN, None) as empty."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    return "" if value is None else value


def _cells(value: Estimate, metric: str | None = None) -> list[str]:
    """Mean and interval (of a metric: clipped to where it can be, as the table shows it); a mean with a
    note (``>horizon``: a Kaplan–Meier quantile never reached) is the note."""
    low, high = value.low, value.high
    if metric in METRICS:
        low, high = METRICS[metric].clip(low), METRICS[metric].clip(high)
    cells = ["" if v is None else f"{v:.6g}" for v in (value.mean, low, high)]
    if value.mean is None and value.note:
        cells[0] = value.note
    return cells


def _png_metadata(title: str, scenario: str, content_hash: str | None, seed: int,
                  replications: int) -> dict[str, str]:
    """Provenance carried inside every PNG (tEXt chunks)."""
    return {"Title": title, "Software": f"cxsim {__version__}",
            "Description": f"scenario {scenario} (content hash {content_hash}), seed {seed}, "
                           f"{replications} replications"}


# ------------------------------------------------------------------ a sweep


def write_sweep(sweep, out_dir: str | Path, *, charts: bool = True) -> list[Path]:
    """Write sweep.csv, sweep.json, a chart per headline metric (unless ``charts=False``) and report.html,
    after removing cxsim's files of an earlier run; returns the paths written."""
    folder = _folder(out_dir)
    _clear(own_files(folder))
    rows = list(sweep.rows())
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    csv_path = folder / "sweep.csv"
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    json_path = folder / "sweep.json"
    json_path.write_text(json.dumps(sweep.to_json(), indent=1) + "\n")
    written = [csv_path, json_path]
    if charts:
        written += _metric_charts(folder, "sweep", sweep, sweep_chart)
    report = folder / REPORT
    report.write_text(render_sweep_report(sweep), encoding="utf-8")
    return [*written, report]



def write_sweep_report(sweep, out_dir: str | Path, *, charts: bool = True) -> list[Path]:
    """Rewrite a sweep's charts (unless ``charts=False``) and report.html, leaving its data files as they
    are (``cxsim report`` on a sweep folder)."""
    folder = _folder(out_dir)
    written = _metric_charts(folder, "sweep", sweep, sweep_chart) if charts else []
    report = folder / REPORT
    report.write_text(render_sweep_report(sweep), encoding="utf-8")
    return [*written, report]


# ------------------------------------------------------------------ a sensitivity analysis

SENSITIVITY_FILES = ("sensitivity.csv", "sensitivity.json", "morris.csv")


def write_sensitivity(sens, out_dir: str | Path, *, charts: bool = True) -> list[Path]:
    """Write sensitivity.csv (a row per parameter x metric x design or difference), sensitivity.json,
    morris.csv (with Morris), a tornado chart per headline metric (unless ``charts=False``) and
    report.html, after removing cxsim's files of an earlier run; returns the paths written."""
    from cxsim.charts import tornado_chart
    from cxsim.report import render_sensitivity_report

    folder = _folder(out_dir)
    _clear(own_files(folder))
    rows = sens.rows()
    csv_path = folder / "sensitivity.csv"
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["parameter"])
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    json_path = folder / "sensitivity.json"
    json_path.write_text(json.dumps(sens.to_json(), indent=1) + "\n")
    written = [csv_path, json_path]
    if sens.morris:
        morris_path = folder / "morris.csv"
        with morris_path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["metric", "quantity", "parameter", "rank", "mu_star", "mu", "sigma", "effects"])
            for metric, by_q in sens.morris["effects"].items():
                for q, effects in by_q.items():
                    for e in effects:
                        writer.writerow([metric, q, e["parameter"], e["rank"], _cell(e["mu_star"]),
                                         _cell(e["mu"]), _cell(e["sigma"]), e["effects"]])
        written.append(morris_path)
    if charts:
        written += _metric_charts(folder, "tornado", sens, tornado_chart)
    report = folder / REPORT
    report.write_text(render_sensitivity_report(sens), encoding="utf-8")
    return [*written, report]


def _metric_charts(folder: Path, prefix: str, experiment, draw) -> list[Path]:
    """A PNG per metric of a sweep or sensitivity run (``prefix_<metric>.png``), stamped with provenance."""
    written = []
    for metric in experiment.metrics:
        path = folder / f"{prefix}_{metric}.png"
        draw(experiment, metric).savefig(path, dpi=CHART_DPI, metadata=_png_metadata(
            path.stem, experiment.scenario.name, experiment.scenario.content_hash, experiment.seed,
            experiment.replications))
        written.append(path)
    return written


# ------------------------------------------------------------------ a back-test

BACKTEST_FILES = ("backtest.json", "backtest.png")


def write_backtest(bt, out_dir: str | Path, *, charts: bool = True) -> list[Path]:
    """Write backtest.json, cases.csv (every simulated case of the design compared, with its hand-offs,
    teams, ping-pong, status and days_open), backtest.png (unless ``charts=False``) and report.html, after
    removing cxsim's files of an earlier run; returns the paths written."""
    from cxsim.charts import backtest_chart
    from cxsim.report import render_backtest_report

    folder = _folder(out_dir)
    _clear(own_files(folder))
    path = folder / "backtest.json"
    path.write_text(json.dumps(json_safe(bt.to_json()), indent=1) + "\n")
    written = [path, write_case_rows(bt.result.case_rows(bt.design), folder / "cases.csv")]
    if charts:
        png = folder / "backtest.png"
        s = bt.scenario
        backtest_chart(bt).savefig(png, dpi=CHART_DPI, metadata=_png_metadata(
            "backtest", s.name, s.content_hash, bt.seed, bt.replications))
        written.append(png)
    report = folder / REPORT
    report.write_text(render_backtest_report(bt), encoding="utf-8")
    return [*written, report]
