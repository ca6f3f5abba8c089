"""cxsim benchmarks: engine throughput, lane hopping at a million cases, parallel scaling.

    pip install -r benchmarks/requirements.txt   # Ciw, the other library benchmark 1 compares with

    python benchmarks/run.py            # the full run (~8 minutes on 2 cores)
    python benchmarks/run.py --quick    # 1/10 of every size: a smoke test, figures only indicative
    python benchmarks/run.py --profile  # also profile the engine runs (cProfile, top 25 by cumtime)

Prints a table and writes ``benchmarks/results.json`` (``--out`` to change). Speed is reported as ratios
against baselines measured in the same process (a plain-SimPy M/M/c and a Ciw M/M/c, or ``workers=1``);
absolute cases/second depend on the machine, which is recorded with the results. Memory is the peak RSS of a
fresh child process minus that of a child that only imports cxsim. Not part of the test suite.

Only the standard library is imported at the top: the memory children (``--_meter`` / ``--_child``, internal)
re-run this file and must not carry anything beyond what they measure. Ciw is imported only inside
benchmark 1, and is optional: without it benchmark 1 says so and leaves out the Ciw column.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import datetime as dt
import io
import json
import math
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ONE_LANE = REPO / "scenarios" / "one_lane_tech.yaml"
MIB = 1024 * 1024

# Targets (see README.md).
ENGINE_RATIO_TARGET = 1.5  # cxsim time per case / plain-SimPy time per case, at most
CIW_SPEEDUP_TARGET = 1.3  # Ciw time per case / cxsim time per case, at least
MEMORY_TARGET_MIB = 300.0  # peak RSS of a 1,000,000-case replication, above the import-only baseline
FLAT_TOLERANCE = 0.10  # "flat": peak at the full horizon within 10% of the peak at 1/4 of it
EFFICIENCY_TARGET = 0.8  # parallel speed-up / N, at least
QUIET_THRESHOLD = 0.2  # cores used by other processes above which a result is flagged

# Benchmark 1: an M/M/c queue at utilisation LAM / (AGENTS * MU) = 0.9.
MMC_LAM, MMC_MU, MMC_AGENTS = 9.0, 1.0, 10  # per hour; service mean 60 min
MMC_CASES = 200_000
MMC_SEED = 20260601
REPEATS = 3  # best of
# Ciw runs the full MMC_CASES too: at ~40,000 cases/s here its three runs add ~15-20 s. A shorter run would
# flatter it, as its time per case grows with the run (it keeps every customer: ~50,000 cases/s at 1/10 size).

# Benchmark 2: one_lane scaled so one replication simulates ~1,000,000 cases.
LANES_SCALE = 10.0  # customers and agents x 10
LANES_DAYS = 2400  # horizon x 8 (the scenario's own: 300 days; warm-up stays 60 days)
LANES_FRACTIONS = (0.25, 0.5, 1.0)
RATE_FACTORS = (0.25, 0.5)  # the quarter horizon also at 1/4 and 1/2 of the customers: memory vs rate
LANES_SEED = 2026

# Benchmark 3: a mid-size scenario, ~2 s per replication.
PARALLEL_SCALE = 1.0
PARALLEL_DAYS = 300
PARALLEL_REPEATS = 3  # best of


# ---------------------------------------------------------------- scenarios


def mmc_scenario(cases: int) -> dict:
    """One 24/7 team, Poisson arrivals, exponential fix time, no diagnosis, proficiency 1: an M/M/c queue.

    ``effort.chasing`` is 1 customer hour per hour, so a case's waiting effort is its time in queue and
    the mean wait is read from the streaming statistics with ``cases="none"``. No warm-up: every case counts,
    as in the plain model.
    """
    return {
        "name": "bench_mmc",
        "horizon": f"{cases / MMC_LAM:.6f} h",
        "warmup": "0 h",
        "seed": MMC_SEED,
        "arrivals": {"process": "poisson", "rate": f"{MMC_LAM} per h"},
        "effort": {"chasing": "1 h per h"},
        "case_types": {"job": {"share": 1.0, "skills": ["s"], "diagnosis_time": "0 min",
                               "fix_time": {"dist": "exponential", "mean": f"{60.0 / MMC_MU} min"}}},
        "designs": {"single": {
            "teams": {"team": {"agents": MMC_AGENTS, "skills": {"s": 1.0}, "hours": "24/7"}},
            "incentive": {"scheme": "resolution"}}},
    }


def lanes_scenario(scale: float, days: float) -> dict:
    """``scenarios/one_lane_tech.yaml``, design ``one_lane`` only, ``scale`` times the customers and agents.

    Customers who leave are replaced (``customers.acquisition: steady``, the default), so the population
    and the agents' utilisation stay steady over a horizon longer than the scenario's 300 days. Everything
    else is the scenario as shipped.
    """
    from cxsim.yaml_source import load_source

    data = copy.deepcopy(load_source(ONE_LANE).data)
    data["name"] = "bench_lanes"
    data["designs"] = {"one_lane": data["designs"]["one_lane"]}
    data["horizon"] = f"{days} days"
    data["replications"] = 1
    customers = data["customers"]
    base_count = customers["count"]
    customers["count"] = max(1, round(base_count * scale))
    for team in data["designs"]["one_lane"]["teams"].values():
        team["agents"] = max(1, round(team["agents"] * scale))
    return data


# ---------------------------------------------------------------- helpers


def timed(fn):
    """(wall seconds, CPU seconds of this process, result, cores other processes used meanwhile)."""
    with Contention() as contention:
        wall, cpu = time.perf_counter(), time.process_time()
        payload = fn()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, payload, contention.foreign_cores


def profile_call(fn, top: int = 25) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    text = out.getvalue()
    # Keep the table only: drop pstats' preamble up to the header line, shorten absolute paths.
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    text = "\n".join(lines[max(0, start - 3):]).rstrip()
    for prefix in sorted({str(REPO) + "/", sys.prefix + "/lib/python3." + str(sys.version_info[1]) + "/"},
                         key=len, reverse=True):
        text = text.replace(prefix, "")
    return text


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _machine_busy_seconds() -> float | None:
    """CPU seconds all processes on the machine have used since boot (user..steal of /proc/stat)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    t = os.times()  # this process and every child it has waited for (pool workers, memory children)
    return t.user + t.system + t.children_user + t.children_system


class Contention:
    """How many cores other processes kept busy while a benchmark ran (this machine may be shared).

    Other processes' CPU = the machine's busy CPU time minus ours (this process and its reaped children),
    over the wall time. Benchmarks compare ratios measured side by side, which absorbs some of it, but a
    busy neighbour on a 2-core machine can halve a parallel speed-up: the figure is reported with each
    result so a disturbed run can be recognised and repeated (``--wait-quiet``).
    """

    def __enter__(self) -> Contention:
        self.wall, self.busy, self.own = time.perf_counter(), _machine_busy_seconds(), _own_seconds()
        self.foreign_cores: float | None = None
        return self

    def __exit__(self, *exc) -> None:
        busy = _machine_busy_seconds()
        wall = time.perf_counter() - self.wall
        if busy is not None and self.busy is not None and wall > 0:
            foreign = (busy - self.busy) - (_own_seconds() - self.own)
            self.foreign_cores = round(max(0.0, foreign / wall), 2)


def wait_quiet(max_wait: float, threshold: float = QUIET_THRESHOLD, window: float = 3.0) -> dict:
    """Wait (up to ``max_wait`` s) until other processes use less than ``threshold`` cores."""
    started = time.perf_counter()
    while True:
        with Contention() as c:
            time.sleep(window)
        waited = time.perf_counter() - started
        quiet = c.foreign_cores is None or c.foreign_cores < threshold
        if quiet or waited >= max_wait:
            return {"foreign_cores_before": c.foreign_cores, "waited_seconds": round(waited - window, 1),
                    "quiet": quiet}
        print(f"  waiting for a quiet machine: other processes use {c.foreign_cores} cores", flush=True)


def burn(loops: int) -> float:
    """Pure-Python CPU work (no memory traffic), to measure how much parallel CPU the machine gives."""
    started = time.perf_counter()
    total = 0
    for i in range(loops):
        total += i * i
    return time.perf_counter() - started


def machine_ceiling(n: int, unit_seconds: float = 1.0) -> dict:
    """Speed-up N identical CPU-bound processes get on this machine right now (pool already started)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    loops = round(2_000_000 * unit_seconds / burn(2_000_000))
    # Contention is read around the whole pool: its workers' CPU counts as ours only once they are reaped.
    with Contention() as contention:
        with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn")) as pool:
            list(pool.map(burn, [1000] * n))  # start every worker before timing
            before = burn(loops)  # alone, before and after: this machine's core speed drifts
            started = time.perf_counter()
            times = list(pool.map(burn, [loops] * n, chunksize=1))
            wall = time.perf_counter() - started
            one = (before + burn(loops)) / 2
    return {"one_seconds": one, "n_wall_seconds": wall, "n_each_seconds": times, "speedup": n * one / wall,
            "foreign_cores": contention.foreign_cores}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_state() -> dict:
    def git(*args: str) -> str:
        try:  # not stripped: porcelain lines start with a status column that may be a space
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                                  check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return ""

    changed = [line[3:] for line in git("status", "--porcelain", "--", "cxsim").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "engine_uncommitted_changes": changed}


def machine() -> dict:
    from cxsim.executors import default_workers

    return {
        "processor": platform.processor(),
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": default_workers(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "load_average_at_start": load(),
    }


# ---------------------------------------------------------------- 1. engine throughput


def plain_mmc(gaps: list[float], services: list[float], agents: int) -> list[float]:
    """The idiomatic SimPy M/M/c: a Resource, one process per customer; returns every customer's wait."""
    import simpy

    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=agents)
    waits: list[float] = []

    def customer(service: float):
        arrived = env.now
        with servers.request() as request:
            yield request
            waits.append(env.now - arrived)
            yield env.timeout(service)

    def source():
        for gap, service in zip(gaps, services, strict=True):
            yield env.timeout(gap)
            env.process(customer(service))

    env.process(source())
    env.run()
    return waits


def batch_means_halfwidth(values: list[float], batches: int = 20) -> float:
    """95% half-width of the mean from batch means (the waits of a queue are autocorrelated)."""
    import numpy as np
    from scipy import stats

    means = np.array([b.mean() for b in np.array_split(np.asarray(values), batches)])
    return float(stats.t.ppf(0.975, batches - 1) * means.std(ddof=1) / math.sqrt(batches))


def ciw_mmc(n_cases: int, seed: int) -> tuple[int, float]:
    """The idiomatic Ciw M/M/c, written as Ciw's own README writes one; returns (customers served, mean wait).

    It runs for the horizon cxsim gets (``simulate_until_max_time``, as in Ciw's docs), which gives
    ~n_cases arrivals. Only customers whose service ended have a record, so the few still waiting or in
    service at the horizon are neither counted nor in the mean, as in any per-record analysis in Ciw.
    """
    import ciw

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(MMC_LAM)],
        service_distributions=[ciw.dists.Exponential(MMC_MU)],
        number_of_servers=[MMC_AGENTS],
    )
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(n_cases / MMC_LAM)
    waits = [record.waiting_time for record in simulation.get_all_records()]
    return len(waits), sum(waits) / len(waits)


def ciw_version() -> str | None:
    """Ciw's version, or None if it is not installed. Imports it, so its import stays out of the timings."""
    try:
        import ciw
    except ImportError:
        return None
    return ciw.__version__


def paired_median(a_runs: list, a_cases: int, b_runs: list, b_cases: int) -> float:
    """Median over the interleaved pairs of (a's time per case) / (b's): robust to drift in the core speed."""
    ratios = sorted((a[0] / a_cases) / (b[0] / b_cases) for a, b in zip(a_runs, b_runs, strict=True))
    return ratios[len(ratios) // 2]


def bench_engine(size: float, profile: bool) -> dict:
    import gc

    import numpy as np

    import cxsim
    from cxsim.erlang import mmc_mean_wait
    from cxsim.runner import run_replication

    n = round(MMC_CASES * size)
    scenario = cxsim.load_scenario(mmc_scenario(n))
    rng = np.random.default_rng(MMC_SEED)  # the plain model's arrivals and service times, drawn up front
    gaps = rng.exponential(1.0 / MMC_LAM, n).tolist()
    services = rng.exponential(1.0 / MMC_MU, n).tolist()

    ciw_ver = ciw_version()
    if ciw_ver is None:
        print("  ciw is not installed: benchmark 1 skips the Ciw comparison "
              "(pip install -r benchmarks/requirements.txt)", flush=True)

    # A Ciw simulation and its nodes refer to each other, so it and every individual it recorded (~600,000
    # objects at full size) are freed only by the cyclic GC. Collecting before each run, untimed, keeps one
    # model's garbage from being collected inside the next one's timing (plain SimPy runs with the GC on).
    def run_cxsim():
        gc.collect()
        return timed(lambda: run_replication(scenario, "single", MMC_SEED, 0, cases="none"))

    def run_plain():
        gc.collect()
        return timed(lambda: plain_mmc(gaps, services, MMC_AGENTS))

    def run_ciw():
        gc.collect()
        return timed(lambda: ciw_mmc(n, MMC_SEED))

    cx_runs, plain_runs, ciw_runs = [], [], []
    for _ in range(REPEATS):  # interleaved, so a busy neighbour or a slower spell of the cores hits all alike
        cx_runs.append(run_cxsim())
        plain_runs.append(run_plain())
        if ciw_ver:
            ciw_runs.append(run_ciw())
    gc.collect()
    cx, plain = min(cx_runs, key=lambda r: r[0]), min(plain_runs, key=lambda r: r[0])
    out, waits = cx[2], plain[2]
    cx_cases, plain_cases = out.cases_simulated, len(waits)
    cx_per_case, plain_per_case = cx[0] / cx_cases, plain[0] / plain_cases
    ratio = cx_per_case / plain_per_case
    erlang = mmc_mean_wait(MMC_LAM, MMC_MU, MMC_AGENTS)
    cx_wait = out.stats.waiting / out.stats.n
    plain_wait = float(np.mean(waits))
    noise = batch_means_halfwidth(waits)
    # A single run at utilisation 0.9 is noisy: accept a deviation within 3 of the plain run's batch-means
    # half-widths (the same order of noise applies to the single runs of cxsim and Ciw).
    sane = abs(cx_wait - erlang) <= 3 * noise and abs(plain_wait - erlang) <= 3 * noise
    plain_met = ratio <= ENGINE_RATIO_TARGET
    result = {
        "what": "M/M/c, c=10, utilisation 0.9, Erlang C mean wait; cxsim run_replication(cases='none') vs "
                "plain SimPy (Resource + one process per customer, times drawn up front) vs Ciw "
                "(create_network + Simulation.simulate_until_max_time over cxsim's horizon, seeded "
                "with ciw.seed); all three on the same number of cases",
        "arrival_rate_per_h": MMC_LAM, "service_rate_per_h": MMC_MU, "agents": MMC_AGENTS,
        "utilisation": MMC_LAM / (MMC_AGENTS * MMC_MU),
        "cxsim": {"cases": cx_cases, "best_seconds": cx[0], "cpu_seconds": cx[1],
                  "all_seconds": [r[0] for r in cx_runs], "cases_per_second": cx_cases / cx[0],
                  "mean_wait_h": cx_wait, "foreign_cores": [r[3] for r in cx_runs]},
        "plain_simpy": {"cases": plain_cases, "best_seconds": plain[0], "cpu_seconds": plain[1],
                        "all_seconds": [r[0] for r in plain_runs], "cases_per_second": plain_cases / plain[0],
                        "mean_wait_h": plain_wait, "mean_wait_95_halfwidth_h": noise,
                        "foreign_cores": [r[3] for r in plain_runs]},
        "ratio_time_per_case": ratio,
        "ratio_paired_median": paired_median(cx_runs, cx_cases, plain_runs, plain_cases),
        "erlang_c_mean_wait_h": erlang,
        "cxsim_wait_vs_erlang": cx_wait / erlang - 1.0,
        "plain_wait_vs_erlang": plain_wait / erlang - 1.0,
        "ciw": None,
        "target": f"cxsim/plain time per case <= {ENGINE_RATIO_TARGET} and "
                  f"Ciw/cxsim time per case >= {CIW_SPEEDUP_TARGET}",
        "plain_target_met": plain_met,
        "ciw_target_met": None,  # None: Ciw not installed, not measured
        "target_met": False,
        "load_average": load(),
    }
    if ciw_ver:
        best = min(ciw_runs, key=lambda r: r[0])
        ciw_cases, ciw_wait = best[2]
        ratio_vs_ciw = (best[0] / ciw_cases) / cx_per_case
        ciw_met = ratio_vs_ciw >= CIW_SPEEDUP_TARGET
        sane = sane and abs(ciw_wait - erlang) <= 3 * noise
        result.update({
            "ciw": {"version": ciw_ver, "cases": ciw_cases, "cases_fraction": 1.0, "horizon_h": n / MMC_LAM,
                    "best_seconds": best[0], "cpu_seconds": best[1], "all_seconds": [r[0] for r in ciw_runs],
                    "cases_per_second": ciw_cases / best[0], "mean_wait_h": ciw_wait,
                    "foreign_cores": [r[3] for r in ciw_runs]},
            "ratio_vs_ciw": ratio_vs_ciw,
            "ratio_vs_ciw_paired_median": paired_median(ciw_runs, ciw_cases, cx_runs, cx_cases),
            "ciw_wait_vs_erlang": ciw_wait / erlang - 1.0,
            "ciw_target_met": ciw_met,
            "target_met": plain_met and ciw_met,
        })
    result["wait_sanity_ok"] = sane
    if profile or not (plain_met and result["ciw_target_met"] is not False):
        result["profile"] = profile_call(
            lambda: run_replication(scenario, "single", MMC_SEED, 0, cases="none"))
    return result


# ---------------------------------------------------------------- 2. lane hopping, memory


def child_task(task: dict) -> dict:
    """Runs inside a fresh child process (``--_child``); its peak RSS is what the meter reports."""
    if task["kind"] == "baseline":
        import cxsim  # noqa: F401

        return {}
    import gc

    import cxsim
    from cxsim.runner import run_replication

    scenario = cxsim.load_scenario(lanes_scenario(task["scale"], task["days"]))
    gc_time = GcTimer()
    gc.callbacks.append(gc_time)
    wall, cpu, out, _ = timed(lambda: run_replication(scenario, "one_lane", LANES_SEED, 0, cases="none"))
    gc.callbacks.remove(gc_time)
    busy = sum(t.busy_hours for t in out.teams)
    capacity = sum(t.agents * t.open_hours for t in out.teams)
    return {"cases": out.cases_simulated, "seconds": wall, "cpu_seconds": cpu,
            "cases_per_second": out.cases_simulated / wall, "utilisation": busy / capacity,
            "gc_seconds": gc_time.seconds, "gc_full_collections": gc_time.full,
            "counted_cases": out.stats.n, "transfers_per_case": out.stats.transfers / max(1, out.stats.n),
            "customers": out.customers_at_start, "agents": sum(t.agents for t in out.teams),
            "self_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


class GcTimer:
    """A gc callback adding up the time spent in Python's cyclic garbage collector."""

    def __init__(self) -> None:
        self.seconds, self.full, self._started = 0.0, 0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.full += info.get("generation") == 2


def meter(task: dict) -> dict:
    """Runs inside a fresh intermediate process (``--_meter``): starts one child for ``task`` and reads the
    child's peak RSS with getrusage(RUSAGE_CHILDREN), which covers only that child because this process
    has no other."""
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--_child", json.dumps(task)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"child {task} failed:\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["peak_rss_kib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return result


def measure(task: dict, base_mib: float = 0.0) -> dict:
    """Peak RSS (and the child's own report) of ``task`` run in a fresh child, via a fresh meter process."""
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--_meter", json.dumps(task)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"meter {task} failed:\n{proc.stderr}")
    run = json.loads(proc.stdout.strip().splitlines()[-1])
    peak = run["peak_rss_kib"] / 1024
    run.update(task, peak_rss_mib=peak, net_peak_mib=peak - base_mib)
    return run


def measure_all(tasks: list[dict], base_mib: float, workers: int) -> list[dict]:
    """``measure`` each task, ``workers`` at a time (each in its own child); in task order."""
    from concurrent.futures import ThreadPoolExecutor

    with Contention() as contention, ThreadPoolExecutor(max_workers=workers) as pool:
        runs = list(pool.map(lambda task: measure(task, base_mib), tasks))
    for run in runs:
        run.update(run_concurrently=workers > 1 and len(tasks) > 1, foreign_cores=contention.foreign_cores,
                   load_average=load())
        print(f"  lanes x{run['scale']:g}, {run['days']:g} days: {run['cases']:>9,} cases  "
              f"{run['cases_per_second']:>7,.0f}/s  peak {run['net_peak_mib']:6.1f} MiB above baseline"
              + ("  (run side by side)" if run["run_concurrently"] else ""), flush=True)
    return runs


def bench_lanes(size: float, profile: bool, plain_cases_per_second: float | None) -> dict:
    scale = LANES_SCALE * size
    base_mib = measure({"kind": "baseline"})["peak_rss_mib"]
    # The shorter horizons, and the quarter horizon at lower arrival rates (what memory does scale with),
    # are memory measurements: they run side by side, two at a time, to keep the whole run short. The
    # full horizon, the throughput figure, runs alone.
    short = [{"kind": "lanes", "scale": scale, "days": LANES_DAYS * f} for f in LANES_FRACTIONS[:-1]]
    short += [{"kind": "lanes", "scale": scale * f, "days": LANES_DAYS * LANES_FRACTIONS[0]}
              for f in RATE_FACTORS]
    short_runs = measure_all(short, base_mib, workers=min(2, os.cpu_count() or 1))
    runs = short_runs[:len(LANES_FRACTIONS) - 1]
    runs += measure_all([{"kind": "lanes", "scale": scale, "days": LANES_DAYS}], base_mib, workers=1)
    for run, fraction in zip(runs, LANES_FRACTIONS, strict=True):
        run["fraction"] = fraction
    rates = short_runs[len(LANES_FRACTIONS) - 1:] + [runs[0]]
    full, quarter = runs[-1], runs[0]
    growth = full["net_peak_mib"] - quarter["net_peak_mib"]
    per_day = [(r["cases"] / r["days"], r["net_peak_mib"]) for r in rates]
    result = {
        "what": "one_lane design of scenarios/one_lane_tech.yaml, customers/agents x "
                f"{scale:g}, horizon {LANES_DAYS} days, one replication with cases='none', each run in a "
                "fresh child process",
        "scale": scale,
        "baseline_import_only_peak_mib": base_mib,
        "runs": runs,
        "rate_runs": rates,
        "cases": full["cases"],
        "cases_per_second": full["cases_per_second"],
        "gc_share": full["gc_seconds"] / full["seconds"],
        "net_peak_mib": full["net_peak_mib"],
        "growth_quarter_to_full_mib": growth,
        "growth_quarter_to_full_relative": growth / quarter["net_peak_mib"],
        "flat_in_horizon": growth <= FLAT_TOLERANCE * quarter["net_peak_mib"],
        # Least-squares slope of net peak RSS against the arrival rate (cases per simulated day).
        "mib_per_1000_cases_per_day": 1000 * slope(per_day),
        "target": f"net peak RSS < {MEMORY_TARGET_MIB:g} MiB; flat in the horizon "
                  f"(full within {FLAT_TOLERANCE:.0%} of 1/4)",
        "target_met": full["net_peak_mib"] < MEMORY_TARGET_MIB,
    }
    if plain_cases_per_second:
        # Machine-independent speed: one lane-hopping case costs this many plain-SimPy M/M/c cases.
        result["cost_per_case_in_plain_mmc_cases"] = plain_cases_per_second / full["cases_per_second"]
    if profile:
        import cxsim
        from cxsim.runner import run_replication

        small = scale / 10
        scenario = cxsim.load_scenario(lanes_scenario(small, LANES_DAYS / 4))
        result["profile_size"] = f"x{small:g} customers, {LANES_DAYS / 4:g} days"
        result["profile"] = profile_call(
            lambda: run_replication(scenario, "one_lane", LANES_SEED, 0, cases="none"))
    if profile or not (result["target_met"] and result["flat_in_horizon"]):
        result["memory_census_size"] = f"x{scale / 4:g} customers, {LANES_DAYS / 8:g} days"
        result["memory_census"] = memory_census(scale / 4, LANES_DAYS / 8)
    return result


def slope(points: list[tuple[float, float]]) -> float:
    n = len(points)
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else math.nan


def memory_census(scale: float, days: float, top: int = 12) -> dict:
    """What is alive at the end of a replication: object counts and tracemalloc's top lines by size."""
    import gc
    import tracemalloc
    from collections import Counter

    import cxsim
    from cxsim.engine import Replication
    from cxsim.engine.cases import Case
    from cxsim.recorder import Recorder

    scenario = cxsim.load_scenario(lanes_scenario(scale, days))
    recorder = Recorder(cases="none")
    rep = Replication(scenario, "one_lane", LANES_SEED, 0, listeners=[recorder])
    tracemalloc.start()
    rep.run()
    snapshot = tracemalloc.take_snapshot()
    tracemalloc.stop()
    objects = gc.get_objects()
    cases = [o for o in objects if isinstance(o, Case)]
    kinds = Counter(type(o).__name__ for o in objects)
    return {
        "cases_simulated": recorder.cases_simulated,
        "live_case_objects": len(cases),
        "live_open_cases": sum(c.status == "open" for c in cases),
        "visits_held_by_live_cases": sum(len(c.visits or ()) for c in cases),
        "customers_joined": rep.population.joined,
        "customers_active": len(rep.population.active),
        "pending_events": len(rep.env._queue),
        "objects_by_type": dict(kinds.most_common(top)),
        "tracemalloc_top_lines": [str(s).replace(str(REPO) + "/", "").replace(sys.prefix + "/", "")
                                  for s in snapshot.statistics("lineno")[:top]],
    }


# ---------------------------------------------------------------- 3. parallel scaling


def fingerprint(result) -> str:
    """Every replication's metrics and kept cases, as text (NaN compares equal this way)."""
    from cxsim.metrics import replication_metrics

    return json.dumps([[replication_metrics(o), o.cases_simulated, [c.case_id for c in o.cases]]
                       for o in result.outputs], sort_keys=True, default=str)


def bench_parallel(size: float, profile: bool) -> dict:
    import cxsim
    from cxsim.executors import default_workers, get_executor, worker_version

    n = default_workers()
    reps = 2 * n
    scenario = cxsim.load_scenario(lanes_scenario(PARALLEL_SCALE * size, PARALLEL_DAYS))

    def go(workers: int):
        return timed(lambda: cxsim.run(scenario, replications=reps, seed=LANES_SEED, workers=workers))

    serial_runs, parallel_runs, ceilings = [], [], []
    for _ in range(PARALLEL_REPEATS):  # interleaved with the machine's own ceiling at the time
        serial_runs.append(go(1))
        parallel_runs.append(go(n))
        ceilings.append(machine_ceiling(n))
    serial = min(serial_runs, key=lambda r: r[0])
    parallel = min(parallel_runs, key=lambda r: r[0])
    identical = fingerprint(serial[2]) == fingerprint(parallel[2])

    # Fixed cost of a pool: spawn N interpreters that import cxsim and answer once.
    def startup():
        with get_executor(n) as (pool, _):
            for future in [pool.submit(worker_version) for _ in range(n)]:
                future.result()

    pool_startup = min(timed(startup)[0] for _ in range(2))
    speedup = serial[0] / parallel[0]
    per_rep = serial[0] / reps
    ceiling = max(c["speedup"] for c in ceilings)
    # What a perfect machine would give: whole replications per worker, plus the pool's start-up.
    ideal = serial[0] / (math.ceil(reps / n) * per_rep + pool_startup)
    result = {
        "what": f"cxsim.run(scenario, replications={reps}, workers=1) vs workers={n}; one_lane design, "
                f"customers/agents x {PARALLEL_SCALE * size:g}, {PARALLEL_DAYS} days",
        "workers": n,
        "replications": reps,
        "seconds_per_replication": per_rep,
        "serial": {"best_seconds": serial[0], "all_seconds": [r[0] for r in serial_runs],
                   "replications_per_second": reps / serial[0], "foreign_cores": [r[3] for r in serial_runs]},
        "parallel": {"best_seconds": parallel[0], "all_seconds": [r[0] for r in parallel_runs],
                     "replications_per_second": reps / parallel[0],
                     "foreign_cores": [r[3] for r in parallel_runs]},
        "speedup": speedup,
        "efficiency": speedup / n,
        "pool_startup_seconds": pool_startup,
        "overhead_seconds": parallel[0] - serial[0] / n,
        "startup_bound_speedup": ideal,
        "machine_ceiling_speedup": ceiling,
        "machine_ceiling_runs": ceilings,
        "speedup_vs_ceiling": speedup / ceiling,
        "results_identical": identical,
        "target": f"speed-up >= {EFFICIENCY_TARGET} x N (efficiency >= {EFFICIENCY_TARGET})",
        "target_met": speedup / n >= EFFICIENCY_TARGET,
        "load_average": load(),
    }
    if profile or not result["target_met"]:
        # The parent only waits; what a worker does is one replication, profiled here in-process.
        from cxsim.runner import run_replication

        result["profile"] = profile_call(lambda: run_replication(scenario, "one_lane", LANES_SEED, 0))
    return result


# ---------------------------------------------------------------- report


def _foreign(value) -> list[float | None]:
    """Every 'foreign_cores' figure inside a result."""
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in ([v] if k == "foreign_cores" and not
                isinstance(v, (list, dict)) else _foreign(v))]
    if isinstance(value, list):
        return [x for v in value for x in _foreign(v)]
    return []


def yes(flag: bool) -> str:
    return "met" if flag else "MISSED"


def report(results: dict) -> str:
    rows: list[tuple[str, str, str, str]] = []
    e = results.get("engine")
    if e:
        rows += [
            ("1 engine", "cxsim cases/s", f"{e['cxsim']['cases_per_second']:,.0f}",
             f"{e['cxsim']['cases']:,} cases, best of {REPEATS}"),
            ("", "plain SimPy cases/s", f"{e['plain_simpy']['cases_per_second']:,.0f}",
             f"{e['plain_simpy']['cases']:,} cases, best of {REPEATS}"),
        ]
        c = e["ciw"]
        if c:
            rows.append(("", "Ciw cases/s", f"{c['cases_per_second']:,.0f}",
                         f"{c['cases']:,} cases, best of {REPEATS}; ciw {c['version']}"))
        else:
            rows.append(("", "Ciw cases/s", "not measured",
                         "ciw is not installed: pip install -r benchmarks/requirements.txt"))
        rows.append(("", "time/case cxsim : plain", f"{e['ratio_time_per_case']:.2f}x",
                     f"target <= {ENGINE_RATIO_TARGET}x: {yes(e['plain_target_met'])}; "
                     f"median of paired runs {e['ratio_paired_median']:.2f}x"))
        if c:
            rows.append(("", "time/case Ciw : cxsim", f"{e['ratio_vs_ciw']:.2f}x",
                         f"target >= {CIW_SPEEDUP_TARGET}x: {yes(e['ciw_target_met'])}; "
                         f"median of paired runs {e['ratio_vs_ciw_paired_median']:.2f}x"))
        waits = [e["cxsim"]["mean_wait_h"], e["plain_simpy"]["mean_wait_h"]]
        off = [e["cxsim_wait_vs_erlang"], e["plain_wait_vs_erlang"]]
        if c:
            waits.append(c["mean_wait_h"])
            off.append(e["ciw_wait_vs_erlang"])
        rows.append(("", f"mean wait cxsim / plain{' / Ciw' if c else ''}",
                     " / ".join(f"{w:.3f}" for w in waits) + " h",
                     f"Erlang C {e['erlang_c_mean_wait_h']:.3f} h (" + " / ".join(f"{x:+.1%}" for x in off)
                     + f"; single-run noise +-{e['plain_simpy']['mean_wait_95_halfwidth_h']:.3f} h): "
                     f"{'ok' if e['wait_sanity_ok'] else 'CHECK'}"))
        rows.append(("", "engine targets", yes(e["target_met"]),
                     f"cxsim/plain <= {ENGINE_RATIO_TARGET}x and Ciw/cxsim >= {CIW_SPEEDUP_TARGET}x"
                     + ("" if c else " (Ciw not measured)")))
    lanes = results.get("lanes")
    if lanes:
        rows.append(("2 lanes", "cases/s (full horizon)", f"{lanes['cases_per_second']:,.0f}",
                     f"{lanes['cases']:,} cases, {lanes['gc_share']:.0%} of the time in the cyclic GC"
                     + (f"; = {lanes['cost_per_case_in_plain_mmc_cases']:.1f} plain M/M/c cases each"
                        if "cost_per_case_in_plain_mmc_cases" in lanes else "")))
        for run in lanes["runs"]:
            rows.append(("", f"peak RSS at {run['fraction']:g} horizon", f"{run['net_peak_mib']:.1f} MiB",
                         f"x{run['scale']:g}, {run['days']:g} days: {run['cases']:,} cases at "
                         f"{run['cases_per_second']:,.0f}/s (GC {run['gc_seconds'] / run['seconds']:.0%}), "
                         f"{run['transfers_per_case']:.2f} transfers/case, util {run['utilisation']:.2f}, "
                         f"{run['customers']:,} customers; raw {run['peak_rss_mib']:.1f} MiB"
                         + ("; run side by side" if run["run_concurrently"] else "")))
        for run in lanes["rate_runs"][:-1]:
            rows.append(("", f"peak RSS at x{run['scale']:g} customers", f"{run['net_peak_mib']:.1f} MiB",
                         f"{run['days']:g} days: {run['cases']:,} cases at {run['cases_per_second']:,.0f}/s "
                         f"(GC {run['gc_seconds'] / run['seconds']:.0%})"
                         + ("; run side by side" if run["run_concurrently"] else "")))
        rows.append(("", "memory vs arrival rate", f"{lanes['mib_per_1000_cases_per_day']:.0f} MiB",
                     "per 1,000 cases/day (slope over the quarter-horizon runs)"))
        rows.append(("", "import-only baseline", f"{lanes['baseline_import_only_peak_mib']:.1f} MiB",
                     f"target < {MEMORY_TARGET_MIB:g} MiB above it: {yes(lanes['target_met'])}"))
        rows.append(("", "growth 1/4 -> full", f"{lanes['growth_quarter_to_full_mib']:+.1f} MiB",
                     f"{lanes['growth_quarter_to_full_relative']:+.1%}; flat (<= {FLAT_TOLERANCE:.0%}): "
                     f"{yes(lanes['flat_in_horizon'])}"))
    p = results.get("parallel")
    if p:
        rows += [
            ("3 parallel", "replications/s workers=1", f"{p['serial']['replications_per_second']:.3f}",
             f"{p['replications']} replications, {p['seconds_per_replication']:.2f} s each"),
            ("", f"replications/s workers={p['workers']}", f"{p['parallel']['replications_per_second']:.3f}",
             f"pool start-up {p['pool_startup_seconds']:.2f} s; identical results: {p['results_identical']}"),
            ("", "speed-up / efficiency", f"{p['speedup']:.2f}x / {p['efficiency']:.2f}",
             f"target >= {EFFICIENCY_TARGET * p['workers']:.1f}x: {yes(p['target_met'])}"),
            ("", "ceilings", f"{p['startup_bound_speedup']:.2f}x / {p['machine_ceiling_speedup']:.2f}x",
             "start-up bound (perfect cores) / pure-Python CPU burn on this machine now"),
        ]
    for key, label in (("engine", "1"), ("lanes", "2"), ("parallel", "3")):
        if key in results:
            worst = max((f for f in _foreign(results[key]) if f is not None), default=None)
            if worst is not None and worst > QUIET_THRESHOLD:
                rows.append(("", "WARNING", "busy machine",
                             f"benchmark {label}: other processes used up to {worst:.2f} cores meanwhile"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1/10 of every size (smoke test)")
    parser.add_argument("--profile", action="store_true",
                        help="profile the engine runs even if targets are met")
    parser.add_argument("--only", default="1,2,3", help="benchmarks to run, e.g. 1,3")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="before each benchmark, wait up to SECONDS for other processes to go quiet")
    parser.add_argument("--out", type=Path, default=HERE / "results.json", help="JSON results file")
    parser.add_argument("--_child", help=argparse.SUPPRESS)
    parser.add_argument("--_meter", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._child:
        print(json.dumps(child_task(json.loads(args._child))))
        return 0
    if args._meter:
        print(json.dumps(meter(json.loads(args._meter))))
        return 0

    size = 0.1 if args.quick else 1.0
    only = {s.strip() for s in args.only.split(",")}
    started = time.perf_counter()
    results: dict = {"quick": args.quick, "machine": machine(), "git": git_state()}
    print(f"cxsim benchmarks{' (--quick: 1/10 size, indicative only)' if args.quick else ''} on "
          f"{results['machine']['cpu_model']}, {results['machine']['usable_cores']} cores, "
          f"Python {results['machine']['python']}; load {results['machine']['load_average_at_start']}",
          flush=True)
    if "1" in only:
        print("1. engine throughput (M/M/c) ...", flush=True)
        quiet = wait_quiet(args.wait_quiet)
        results["engine"] = dict(bench_engine(size, args.profile), quiet=quiet)
    if "2" in only:
        print("2. lane hopping, memory ...", flush=True)
        quiet = wait_quiet(args.wait_quiet)
        plain = results.get("engine", {}).get("plain_simpy", {}).get("cases_per_second")
        results["lanes"] = dict(bench_lanes(size, args.profile, plain), quiet=quiet)
    if "3" in only:
        print("3. parallel scaling ...", flush=True)
        quiet = wait_quiet(args.wait_quiet)
        results["parallel"] = dict(bench_parallel(size, args.profile), quiet=quiet)
    results["total_seconds"] = time.perf_counter() - started
    results["machine"]["load_average_at_end"] = load()

    print()
    print(report(results))
    for key in ("engine", "lanes", "parallel"):
        for field in ("profile", "memory_census"):
            if key in results and field in results[key]:
                text = results[key][field]
                text = text if isinstance(text, str) else json.dumps(text, indent=2)
                print(f"\n{key}: {field.replace('_', ' ')}\n{text}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\n{args.out} written; {results['total_seconds']:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
