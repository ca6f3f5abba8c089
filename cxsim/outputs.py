"""Writing results to a folder: a run's data files, PNG charts and report.html; likewise for a sweep.

The data files are the results' own JSON and CSV forms; charts and the report are always built from the
same objects (a live result, or a folder read back by ``cxsim.saved``). ``report.html`` is always written:
``charts=False`` only leaves out the PNG files.

Every folder is built whole before it appears (``cxsim.atomic.staged_folder``): an interrupt or a crash
leaves the earlier folder as it was, or none. Writing replaces cxsim's own files of earlier results there
(known names only, never other files), so no stale chart or table sits beside new ones. A folder is only
written when it is new or empty, or holds the same kind of results of the same scenario (by its name, so a
re-run after editing the scenario refreshes its own folder); otherwise ``OutputFolderError``, unless
``force`` (see ``folder_problem``).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cxsim.atomic import replacing, staged_folder, writable_folder_problem
from cxsim.catalogue import METRICS
from cxsim.charts import RUN_CHARTS, applicable_charts, sweep_chart
from cxsim.errors import OutputFolderError
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


POINTS = "points"  # an unfinished sweep's finished points (and its plan), one JSON file each
PLAN = f"{POINTS}/plan.json"
# The file that says what a folder holds: which kind of results, of which scenario ("scenario" in each).
RECORDS = {"summary.json": "run", "sweep.json": "sweep", "sensitivity.json": "sensitivity analysis",
           "backtest.json": "back-test", PLAN: "sweep"}


def own_names() -> list[str]:
    """The name of every file (and the points/ folder) cxsim may write in an output folder."""
    names = [*RUN_FILES, *SWEEP_FILES, REPORT, *(f"{name}.png" for name in RUN_CHARTS),
             *(f"sweep_{metric}.png" for metric in METRICS)]
    names += [*SENSITIVITY_FILES, *(f"tornado_{metric}.png" for metric in METRICS)]
    return [*names, JOURNEYS, *BACKTEST_FILES, POINTS]


def own_files(folder: Path) -> list[Path]:
    """Every file cxsim may have written in ``folder`` (runs, sweeps and sensitivity analyses), whether or
    not it exists."""
    return [folder / name for name in own_names() if name != POINTS]


def recorded(folder: str | Path) -> list[tuple[str, str, str | None]]:
    """The records in ``folder``: (file, kind of results, scenario name or None when unreadable)."""
    found = []
    for name, kind in RECORDS.items():
        path = Path(folder) / name
        if not path.is_file():
            continue
        try:
            scenario = json.loads(path.read_text(encoding="utf-8")).get("scenario")
        except (OSError, ValueError, AttributeError):
            scenario = None
        found.append((name, kind, scenario if isinstance(scenario, str) else None))
    return found


def folder_problem(folder: str | Path, kind: str, scenario: str, *, force: bool = False) -> str | None:
    """Why ``kind`` results ('run', 'sweep', ...) of ``scenario`` (its name) must not be written to
    ``folder``, or None: it cannot be written; or (unless ``force``) it holds files but no cxsim record,
    or another scenario's or another kind of results. Hidden files (.DS_Store, .gitkeep) do not count."""
    folder = Path(folder)
    problem = writable_folder_problem(folder)
    if problem or force or not folder.is_dir():
        return problem
    entries = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    if not entries:
        return None
    records = recorded(folder)
    again = "give another --out, or --force to replace cxsim's files there (other files are kept)"
    if not records:
        shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
        return f"{folder} is not empty and holds no cxsim results ({shown}); {again}"
    for name, held, other in records:
        if other is None:
            return f"{folder / name} is not a cxsim record (unreadable); {again}"
        if (held, other) != (kind, scenario):
            return (f"{folder} holds the {held} results of scenario {other!r} ({name}), not a {kind} of "
                    f"{scenario!r}; {again}")
    return None


def check_folder(folder: str | Path, kind: str, scenario: str, *, force: bool = False) -> None:
    """``folder_problem`` as an ``OutputFolderError`` (nothing written)."""
    problem = folder_problem(folder, kind, scenario, force=force)
    if problem:
        raise OutputFolderError(problem)


def _staged(out_dir: str | Path, kind: str, scenario: str, force: bool):
    """The folder checked (``check_folder``) and staged: cxsim's earlier files there are replaced."""
    check_folder(out_dir, kind, scenario, force=force)
    return staged_folder(out_dir, replaces=own_names())


def _moved(paths: list[Path], final: str | Path) -> list[Path]:
    """Paths written in a staging folder, as they are named once it is in place."""
    return [Path(final) / p.name for p in paths]


def _save_png(fig, path: Path, **options) -> Path:
    """A figure saved as PNG under a temporary name and renamed: never a truncated PNG."""
    with replacing(path) as tmp:
        fig.savefig(tmp, format="png", **options)
    return path


def _write_json(path: Path, data: Any, indent: int) -> Path:
    with replacing(path) as tmp:
        tmp.write_text(json.dumps(data, indent=indent) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------ a run


def write_run(result, out_dir: str | Path, *, charts: bool = True, force: bool = False) -> list[Path]:
    """Write summary.json, summary.csv, cases.csv, details.json, journeys.csv (when cases are kept), the
    charts (unless ``charts=False``) and report.html, replacing cxsim's files of earlier results there;
    returns the paths written. The folder appears complete or not at all; ``OutputFolderError`` (nothing
    written) for a folder holding other files or results (``folder_problem``), unless ``force``."""
    with _staged(out_dir, "run", result.scenario.name, force) as folder:
        written = [_write_summary_json(result, folder / "summary.json"),
                   _write_summary_csv(result, folder / "summary.csv"),
                   _write_cases(result, folder / "cases.csv"),
                   _write_details(result, folder / "details.json")]
        if result.cases != "none":
            written.append(write_steps(result.step_rows(), folder / JOURNEYS))
        written += _report_files(result, folder, charts, Path(out_dir))
    return _moved(written, out_dir)


def write_report(view, out_dir: str | Path, *, charts: bool = True) -> list[Path]:
    """Rewrite report.html and (unless ``charts=False``) the PNG charts of a saved result in its folder;
    with charts, PNGs of charts that no longer apply are removed. The new files replace the old ones only
    once all are written (an interrupt leaves the old ones)."""
    replaces = [f"{name}.png" for name in RUN_CHARTS] if charts else []
    with staged_folder(out_dir, replaces=replaces) as folder:
        written = _report_files(view, folder, charts, Path(out_dir))
    return _moved(written, out_dir)


def _report_files(view, folder: Path, charts: bool, final: Path) -> list[Path]:
    """Charts and report.html written in ``folder`` (the staged one) for the folder ``final`` will be."""
    written = write_charts(view, folder) if charts else []
    report = folder / REPORT
    report.write_text(render_report(view, _sensitivity_beside(final, view.summary)), encoding="utf-8")
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
        _save_png(make(view), path, dpi=CHART_DPI, metadata=_png_metadata(
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


def write_sweep(sweep, out_dir: str | Path, *, charts: bool = True, force: bool = False) -> list[Path]:
    """Write sweep.csv, sweep.json, a chart per headline metric (unless ``charts=False``) and report.html,
    replacing cxsim's files of earlier results there (the finished points of an interrupted sweep, points/,
    included); returns the paths written. As ``write_run`` for the folder and ``force``."""
    with _staged(out_dir, "sweep", sweep.scenario.name, force) as folder:
        written = _sweep_files(sweep, folder, charts)
    return _moved(written, out_dir)


def _sweep_files(sweep, folder: Path, charts: bool) -> list[Path]:
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
    are (``cxsim report`` on a sweep folder); the new files replace the old ones only once all are written."""
    replaces = [f"sweep_{metric}.png" for metric in METRICS] if charts else []
    with staged_folder(out_dir, replaces=replaces) as folder:
        written = _metric_charts(folder, "sweep", sweep, sweep_chart) if charts else []
        report = folder / REPORT
        report.write_text(render_sweep_report(sweep), encoding="utf-8")
    return _moved([*written, report], out_dir)


# ------------------------------------------------------------------ a sensitivity analysis

SENSITIVITY_FILES = ("sensitivity.csv", "sensitivity.json", "morris.csv")


def write_sensitivity(sens, out_dir: str | Path, *, charts: bool = True, force: bool = False) -> list[Path]:
    """Write sensitivity.csv (a row per parameter x metric x design or difference), sensitivity.json,
    morris.csv (with Morris), a tornado chart per headline metric (unless ``charts=False``) and
    report.html, replacing cxsim's files of earlier results there; returns the paths written. As
    ``write_run`` for the folder and ``force``."""
    with _staged(out_dir, "sensitivity analysis", sens.scenario.name, force) as folder:
        written = _sensitivity_files(sens, folder, charts)
    return _moved(written, out_dir)


def _sensitivity_files(sens, folder: Path, charts: bool) -> list[Path]:
    from cxsim.charts import tornado_chart
    from cxsim.report import render_sensitivity_report

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
        _save_png(draw(experiment, metric), path, dpi=CHART_DPI, metadata=_png_metadata(
            path.stem, experiment.scenario.name, experiment.scenario.content_hash, experiment.seed,
            experiment.replications))
        written.append(path)
    return written


# ------------------------------------------------------------------ a back-test

BACKTEST_FILES = ("backtest.json", "backtest.png")


def write_backtest(bt, out_dir: str | Path, *, charts: bool = True, force: bool = False) -> list[Path]:
    """Write backtest.json, cases.csv (every simulated case of the design compared, with its hand-offs,
    teams, ping-pong, status and days_open), backtest.png (unless ``charts=False``) and report.html,
    replacing cxsim's files of earlier results there; returns the paths written. As ``write_run`` for the
    folder and ``force``."""
    with _staged(out_dir, "back-test", bt.scenario.name, force) as folder:
        written = _backtest_files(bt, folder, charts)
    return _moved(written, out_dir)


def _backtest_files(bt, folder: Path, charts: bool) -> list[Path]:
    from cxsim.charts import backtest_chart
    from cxsim.report import render_backtest_report

    path = folder / "backtest.json"
    path.write_text(json.dumps(json_safe(bt.to_json()), indent=1) + "\n")
    written = [path, write_case_rows(bt.result.case_rows(bt.design), folder / "cases.csv")]
    if charts:
        png = folder / "backtest.png"
        s = bt.scenario
        _save_png(backtest_chart(bt), png, dpi=CHART_DPI, metadata=_png_metadata(
            "backtest", s.name, s.content_hash, bt.seed, bt.replications))
        written.append(png)
    report = folder / REPORT
    report.write_text(render_backtest_report(bt), encoding="utf-8")
    return [*written, report]


# ------------------------------------------------------------------ an unfinished sweep's points


def start_points(folder: str | Path, plan: dict[str, Any]) -> Path:
    """Make ``folder/points/`` (removing an earlier one) and record the sweep's ``plan`` there (the inputs
    ``cxsim sweep --resume`` runs again); points are then saved one by one with ``save_point``."""
    import shutil

    points = Path(folder) / POINTS
    if points.is_dir():
        shutil.rmtree(points)
    points.mkdir(parents=True)
    _write_json(Path(folder) / PLAN, json_safe(plan), indent=1)
    return points


def save_point(folder: str | Path, k: int, point) -> Path:
    """One finished (or failed) sweep point as ``points/point-<k>.json``, written atomically."""
    data = {"index": k, "values": point.values, "error": point.error,
            "summary": point.summary.to_json() if point.summary else None}
    return _write_json(Path(folder) / POINTS / f"point-{k:04d}.json", json_safe(data), indent=None)


def load_points(folder: str | Path) -> tuple[dict[str, Any], dict[int, Any]]:
    """An interrupted sweep's plan and its finished points by index; ``ResultsFolderError`` when ``folder``
    holds none."""
    from cxsim.errors import ResultsFolderError
    from cxsim.summary import Summary
    from cxsim.sweep import SweepPoint

    folder = Path(folder)
    try:
        plan = json.loads((folder / PLAN).read_text(encoding="utf-8"))
    except FileNotFoundError:
        if (folder / "sweep.json").is_file():
            raise ResultsFolderError(f"{folder} holds a finished sweep: nothing to resume (to run it again: "
                                     f"cxsim sweep {folder / 'sweep.json'})") from None
        raise ResultsFolderError(f"{folder}: no {PLAN}; is this the folder of an interrupted cxsim "
                                 "sweep?") from None
    except (OSError, ValueError) as exc:
        raise ResultsFolderError(f"{folder / PLAN}: {exc}") from None
    finished = {}
    for path in sorted((folder / POINTS).glob("point-*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            summary = Summary.from_json(data["summary"]) if data["summary"] else None
            finished[int(data["index"])] = SweepPoint(data["values"], summary, data["error"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ResultsFolderError(f"{path}: not a saved sweep point ({type(exc).__name__}: {exc})") \
                from None
    return plan, finished
