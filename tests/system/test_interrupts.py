"""Stopping a run: Ctrl-C (SIGINT, to the process or its whole group) and SIGTERM end ``cxsim run`` within
a few seconds, inline or on the process pool, with one line on stderr, exit status 130 / 143, no traceback,
no output folder, no ``*.partial`` folder left and no worker process left behind; workers also end when
their parent is killed outright. Real subprocesses, since the point is the processes (each ~3 s)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")

MINIMAL = Path("scenarios/minimal.yaml").resolve()
LONG = ["--horizon", "3000 days", "-r", "4"]  # minutes of simulation: it can only end by being stopped


def _children(pid: int) -> list[int]:
    """Live (non-zombie) processes whose parent is ``pid`` (a /proc scan: Linux)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # ended meanwhile
        return b""


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


def _start(tmp_path: Path, workers: int) -> tuple[subprocess.Popen, list[int]]:
    """``cxsim run`` on a long horizon, once it is simulating; with the pool, its worker processes."""
    proc = subprocess.Popen([sys.executable, "-m", "cxsim", "run", str(MINIMAL), *LONG, "-w", str(workers),
                             "--out", str(tmp_path / "out")], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout.readline().startswith("offered load")  # printed just before the run starts
    workers_seen: list[int] = []
    deadline = time.monotonic() + 20
    while workers > 1 and len(workers_seen) < workers and time.monotonic() < deadline:
        workers_seen = [p for p in _children(proc.pid) if b"spawn_main" in _cmdline(p)]
        time.sleep(0.1)
    time.sleep(1.0)  # well inside a replication (each takes far longer)
    assert proc.poll() is None
    return proc, workers_seen


def _stop(proc: subprocess.Popen, sig: int, group: bool) -> tuple[float, str]:
    children = _children(proc.pid)
    started = time.monotonic()
    (os.killpg if group else os.kill)(proc.pid, sig)
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:  # still running, or orphaned workers hold its stderr open
        _kill(children + [proc.pid])
        pytest.fail("the run did not stop within 10 s")
    took = time.monotonic() - started
    _gone(children, seconds=10)
    return took, err


def _kill(pids: list[int]) -> None:
    """Clean up after a failed check: kill what this test started, by pid."""
    for pid in _alive(pids):
        os.kill(pid, signal.SIGKILL)


def _gone(pids: list[int], seconds: float = 3) -> None:
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _alive(pids)
    _kill(left)
    assert not left, f"processes left behind: {left}"


def _nothing_left(tmp_path: Path) -> None:
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob("*.partial")) and not (tmp_path / "results").exists()


@pytest.mark.parametrize(("workers", "sig", "group", "status", "name"), [
    (1, signal.SIGINT, False, 130, "Ctrl-C"),     # inline: the engine stops mid-replication
    (2, signal.SIGINT, True, 130, "Ctrl-C"),      # Ctrl-C in a terminal: the parent and every worker
    (2, signal.SIGTERM, False, 143, "SIGTERM"),   # kill PID: the workers must not be orphaned
], ids=["inline-sigint", "pool-sigint-group", "pool-sigterm"])
def test_a_signal_stops_the_run_at_once_and_leaves_nothing(tmp_path, workers, sig, group, status, name):
    proc, seen = _start(tmp_path, workers)
    assert len(seen) == (workers if workers > 1 else 0)
    took, err = _stop(proc, sig, group)
    assert proc.returncode == status
    # idle: 0.3-0.4 s; the margin is for a loaded CI machine (the old code ran every replication: minutes)
    assert took < 6, f"took {took:.1f} s to stop"
    # the estimate's note ("a large run: ...", printed before starting) aside, one line says what happened
    lines = [line for line in err.strip().splitlines() if not line.startswith("note: a large run")]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"stopped ({name}): nothing was written; run it again with: cxsim run ")
    _nothing_left(tmp_path)


def test_workers_end_when_their_parent_is_killed(tmp_path):
    proc, workers = _start(tmp_path, 2)
    os.kill(proc.pid, signal.SIGKILL)  # nothing can clean up after SIGKILL: the workers must notice
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    _gone(workers, seconds=20)  # a worker still importing (slow under load) starts its watchdog after


@pytest.mark.parametrize(("command", "sig", "status", "name"), [
    ("run", signal.SIGINT, 130, "Ctrl-C"),
    ("validate", signal.SIGTERM, 143, "SIGTERM"),
])
def test_a_signal_while_the_scenario_is_read_is_one_line_too(tmp_path, command, sig, status, name):
    """Before a command's long work starts (here: reading a scenario from a named pipe nobody writes, as a
    slow network drive would), a stop is the same one line and exit status, not click's 'Aborted!' and 1."""
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    out = ("--out", str(tmp_path / "out")) if command == "run" else ()
    proc = subprocess.Popen([sys.executable, "-m", "cxsim", command, str(fifo), *out], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while _wchan(proc.pid) != "wait_for_partner" and time.monotonic() < deadline:  # blocked opening it
        time.sleep(0.05)
    assert proc.poll() is None and _wchan(proc.pid) == "wait_for_partner"
    took, err = _stop(proc, sig, group=False)
    assert proc.returncode == status and took < 6
    assert err.strip() == (f"stopped ({name}): no partial output is left; run it again with: cxsim {command} "
                           f"{fifo}{' --out ' + out[1] if out else ''}")
    _nothing_left(tmp_path)


def _wchan(pid: int) -> str:
    """The kernel function a process sleeps in (Linux)."""
    try:
        return Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return ""


# The command imports typer, numpy, pydantic and SimPy (in that order) in its first half second, before its
# own work: each is a moment to stop it at, on either entry point (the console script, python -m cxsim).
@pytest.mark.parametrize(("entry", "command", "sig", "status", "name", "module"), [
    ("cxsim", "validate", signal.SIGINT, 130, "Ctrl-C", "typer"),
    ("cxsim", "run", signal.SIGTERM, 143, "SIGTERM", "numpy"),
    ("cxsim", "validate", signal.SIGTERM, 143, "SIGTERM", "simpy"),
    ("python -m cxsim", "run", signal.SIGINT, 130, "Ctrl-C", "pydantic"),
    ("python -m cxsim", "validate", signal.SIGTERM, 143, "SIGTERM", "typer"),
    ("python -m cxsim", "run", signal.SIGINT, 130, "Ctrl-C", "simpy"),
], ids=["script-sigint-typer", "script-sigterm-numpy", "script-sigterm-simpy", "python-m-sigint-pydantic",
        "python-m-sigterm-typer", "python-m-sigint-simpy"])
def test_a_signal_while_the_command_starts_is_one_line_too(tmp_path, entry, command, sig, status, name,
                                                            module):
    """Ctrl-C or SIGTERM while Python imports the command: the same one line and exit status, not a
    KeyboardInterrupt traceback or a silent death by SIGTERM. The moment is made exact: a ``module`` found
    first on PYTHONPATH reads a named pipe nobody writes, so the command's import of it blocks there."""
    script = Path(sys.executable).with_name("cxsim")
    if entry == "cxsim" and not script.exists():
        pytest.skip("the cxsim console script is not installed next to this Python")
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "blocking").mkdir()
    (tmp_path / "blocking" / f"{module}.py").write_text(f"open({str(tmp_path / 'pipe')!r}).read()\n")
    path = os.pathsep.join(filter(None, [str(tmp_path / "blocking"), os.environ.get("PYTHONPATH")]))
    out = ("--out", str(tmp_path / "out")) if command == "run" else ()
    start = [str(script)] if entry == "cxsim" else [sys.executable, "-m", "cxsim"]
    proc = subprocess.Popen([*start, command, str(MINIMAL), *out], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": path}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while _wchan(proc.pid) != "wait_for_partner" and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if _wchan(proc.pid) != "wait_for_partner":
        _kill([proc.pid])
        pytest.fail(f"the command did not import {module} (exit status {proc.wait()})")
    took, err = _stop(proc, sig, group=False)
    assert "Traceback" not in err, err
    assert proc.returncode == status and took < 6
    assert err.strip() == (f"stopped ({name}): no partial output is left; run it again with: cxsim {command} "
                           f"{MINIMAL}{' --out ' + out[1] if out else ''}")
    _nothing_left(tmp_path)
