"""Replications on a real Dask cluster give the same results as inline and local-process runs.

A module-scoped fixture starts a Dask scheduler and a worker (two worker processes) on loopback with the
command-line tools of the installed ``distributed`` package, waits until both workers are registered and
tears everything down afterwards. Needs ``pip install 'cxsim[dask]'`` (``.ci/run`` installs it).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import cxsim
import cxsim.executors
from cxsim.cli import SCHEDULER_ENV
from cxsim.errors import ExecutorError

try:
    from distributed import Client
except ImportError:  # pragma: no cover - CI installs it
    pytest.skip("DASK IS NOT INSTALLED: the distributed-execution tests did NOT run; "
                "pip install -e '.[test,dask]' (cxsim[dask]) to run them", allow_module_level=True)

pytestmark = pytest.mark.slow  # a cluster to start, and CLI runs on it

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "scenarios" / "minimal.yaml"
RUN_ARGS = {"replications": 4, "seed": 5, "horizon": "30 days"}
CLI_ARGS = ("--replications", "4", "--seed", "5", "--horizon", "30 days", "--no-charts", "--quiet")
N_WORKERS = 2
STARTUP_TIMEOUT = 45.0
UNREACHABLE_LIMIT = 15.0  # seconds: an unreachable scheduler must fail fast, not hang


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dask_command(tool: str) -> list[str]:
    """The ``dask`` entry point next to this interpreter, else the module behind it."""
    entry = Path(sys.executable).with_name("dask")
    if entry.exists():
        return [sys.executable, str(entry), tool]
    return [sys.executable, "-m", f"distributed.cli.dask_{tool}"]


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, COLUMNS="200")
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", SCHEDULER_ENV):
        env.pop(name, None)
    return dict(env, **extra)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM (graceful), then SIGKILL to the whole session the process leads (its worker children)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # start_new_session=True: the group id is proc.pid
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The address of a running scheduler with N_WORKERS registered workers."""
    tmp = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    procs: list[tuple[subprocess.Popen, Path]] = []

    def start(name: str, args: list[str]) -> None:
        log = tmp / f"{name}.log"
        with log.open("w") as fh:
            procs.append((subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT, cwd=tmp, env=_env(),
                                           start_new_session=True), log))

    def logs() -> str:
        return "\n".join(f"--- {log.name} (exit {p.poll()}):\n{_tail(log)}" for p, log in procs)

    try:
        start("scheduler", [*_dask_command("scheduler"), "--host", "127.0.0.1", "--port", port,
                            "--no-dashboard"])
        start("worker", [*_dask_command("worker"), address, "--nworkers", str(N_WORKERS), "--nthreads", "1",
                         "--no-dashboard", "--memory-limit", "0", "--local-directory", str(tmp)])
        deadline = time.monotonic() + STARTUP_TIMEOUT
        registered = 0
        while registered < N_WORKERS:
            if any(p.poll() is not None for p, _ in procs):
                pytest.fail(f"a Dask process exited during start-up\n{logs()}")
            if time.monotonic() > deadline:
                pytest.fail(f"{registered}/{N_WORKERS} Dask workers registered after {STARTUP_TIMEOUT:.0f} s"
                            f"\n{logs()}")
            try:
                with Client(address, timeout="2s") as client:
                    registered = len(client.scheduler_info()["workers"])
            except (OSError, TimeoutError):
                pass
            if registered < N_WORKERS:
                time.sleep(0.5)
        yield address
    finally:
        for proc, _ in reversed(procs):  # workers first, then the scheduler
            _stop(proc)


def _results(summary: dict) -> str:
    return json.dumps({k: v for k, v in summary.items() if k != "run"}, sort_keys=True)


def test_serial_local_pool_and_dask_give_identical_results(cluster, monkeypatch):
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    serial = cxsim.run(MINIMAL, workers=1, **RUN_ARGS)
    pool = cxsim.run(MINIMAL, workers=2, **RUN_ARGS)
    dask = cxsim.run(MINIMAL, scheduler=cluster, **RUN_ARGS)
    assert serial.workers == "1 worker (inline)"
    assert pool.workers == "2 local processes"
    assert dask.workers.startswith(f"Dask cluster {cluster}"), dask.workers
    assert _results(pool.summary.to_json()) == _results(serial.summary.to_json())
    assert _results(dask.summary.to_json()) == _results(serial.summary.to_json())
    rows = json.dumps(list(serial.case_rows()))
    assert rows != "[]"
    assert json.dumps(list(pool.case_rows())) == rows
    assert json.dumps(list(dask.case_rows())) == rows


def _cli(args: tuple, cwd: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "cxsim", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)
    return proc, time.monotonic() - started


@pytest.fixture(scope="module")
def cli_runs(cluster, tmp_path_factory):
    """The successful CLI invocations, started together: ``name -> (completed process, output folder)``."""
    tmp = tmp_path_factory.mktemp("cli")
    jobs = {
        "serial": (("--workers", "1"), _env()),
        "flag": (("--scheduler", cluster), _env()),
        "env": ((), _env(**{SCHEDULER_ENV: cluster})),
    }
    with ThreadPoolExecutor(max_workers=len(jobs)) as threads:
        futures = {name: threads.submit(_cli, ("run", MINIMAL, "--out", tmp / name, *CLI_ARGS, *extra), tmp,
                                        env) for name, (extra, env) in jobs.items()}
        return {name: (future.result()[0], tmp / name) for name, future in futures.items()}


def _summary(run: tuple) -> dict:
    proc, out = run
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / "summary.json").read_text())


@pytest.mark.parametrize("how", ["flag", "env"])
def test_cli_on_dask_writes_the_same_summary_as_one_worker(cli_runs, cluster, how):
    serial = _summary(cli_runs["serial"])
    dask = _summary(cli_runs[how])
    assert serial["run"]["workers"] == "1 worker (inline)"
    assert dask["run"]["workers"].startswith(f"Dask cluster {cluster}"), dask["run"]
    assert _results(dask) == _results(serial)


def test_cli_unreachable_scheduler_fails_fast_with_one_line(cluster, tmp_path):
    # Run alone (not alongside other CLI runs), so that the time measured is the product's, not the load's.
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    out = tmp_path / "out"
    proc, seconds = _cli(("run", MINIMAL, "--out", out, "--scheduler", address, *CLI_ARGS), tmp_path, _env())
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert address in lines[0]
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    assert seconds < UNREACHABLE_LIMIT, f"an unreachable scheduler took {seconds:.1f} s to be reported"


def test_version_mismatch_is_refused(cluster, monkeypatch):
    monkeypatch.setattr(cxsim.executors, "__version__", "0.0.0-test")
    with pytest.raises(ExecutorError, match="same version") as info:
        with cxsim.executors._dask_executor(cluster):
            pytest.fail("a cluster at another cxsim version was accepted")
    assert "0.0.0-test" in str(info.value)
