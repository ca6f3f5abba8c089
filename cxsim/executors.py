"""Where replications run: inline, on a local process pool, or on a Dask distributed cluster.

Every option is a ``concurrent.futures.Executor``; the runner submits small picklable jobs and collects
results in job order, so results are identical whichever executor ran them. A Dask cluster needs cxsim
installed at the same version on the client, the scheduler and every worker (``pip install cxsim[dask]``).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from cxsim.errors import ExecutorError
from cxsim.version import __version__

MAIN_GUARD = (
    "cxsim runs replications in worker processes, and each one imports your script again: put the code "
    "that calls cxsim under 'if __name__ == \"__main__\":' (or pass workers=1 to run in this process)"
)
BROKEN = f"a worker process stopped while starting or running a replication. {MAIN_GUARD}"


class InlineExecutor(Executor):
    """Runs each job at once in this process (one worker, no pickling). An error is handed to the caller
    through the future; Ctrl-C (KeyboardInterrupt) and SystemExit are not: they stop the run at once."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - handed to the caller through the future
            # The future keeps the error until the run ends; its frames' locals (a replication's cases,
            # gigabytes when one stops overloaded) need not stay with it.
            traceback.clear_frames(exc.__traceback__)
            future.set_exception(exc)
        return future


WATCHDOG_SECONDS = 0.5  # how often a worker checks that the process that started it is still there


def _worker_setup(parent: int) -> None:
    """In each worker process: leave Ctrl-C to the parent (which stops the pool), and end when the parent
    has gone (killed, or stopped by SIGTERM) instead of waiting on its pipes forever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # held back while we were started

    def watch() -> None:
        while True:
            time.sleep(WATCHDOG_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="cxsim-parent-watchdog", daemon=True).start()


class _Pool(ProcessPoolExecutor):
    """A spawn process pool whose workers ignore Ctrl-C and die with their parent.

    Workers start on demand inside ``submit``, from this thread: SIGINT is masked in it meanwhile, so a
    worker starts with SIGINT masked and a Ctrl-C to the process group while it boots does not interrupt
    it mid-import (the signal stays pending until ``_worker_setup`` ignores it). This process still gets
    its Ctrl-C (through another thread, or when the mask is lifted)."""

    def __init__(self, workers: int) -> None:
        super().__init__(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                         initializer=_worker_setup, initargs=(os.getpid(),))

    def submit(self, fn, /, *args, **kwargs) -> Future:
        if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
            return super().submit(fn, *args, **kwargs)
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return super().submit(fn, *args, **kwargs)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    def stop(self) -> None:
        """Stop now: cancel the jobs not started and end the worker processes (SIGTERM, then SIGKILL after
        a second), without waiting for the replications they are running."""
        processes = list((self._processes or {}).values())
        results, manager = self._result_queue, self._executor_manager_thread  # shutdown() drops them
        self.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + 1.0
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(1.0)
        # The pool's manager thread may be reading a result a worker was terminated in the middle of sending:
        # it would wait for the rest for ever, and so would this process at exit (Python joins that thread).
        # This process's copy of the pipe's sending end is the last one: closing it ends that read (EOF), the
        # thread sees a broken pool and ends.
        if results is not None:
            results._writer.close()
        if manager is not None:
            manager.join(5.0)


def default_workers() -> int:
    """All local cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def get_executor(workers: int | None = None, scheduler: str | None = None,
                 jobs: int | None = None) -> Iterator[tuple[Executor, str]]:
    """An executor and a description of it, closed on exit.

    ``scheduler`` selects a Dask cluster; otherwise ``workers`` local processes (default: all cores; 1 runs
    inline). ``jobs`` caps the pool size. (Only the CLI reads the environment: CXSIM_SCHEDULER.)
    """
    if scheduler:
        with _dask_executor(scheduler) as (executor, label):
            yield executor, label
        return
    n = default_workers() if workers is None else workers
    if jobs is not None:
        n = min(n, jobs)
    if n <= 1:
        yield InlineExecutor(), "1 worker (inline)"
        return
    if getattr(sys.modules.get("__main__"), "__name__", None) == "__mp_main__":
        # We are a worker process importing the caller's script again: its unguarded cxsim.run reached us.
        raise ExecutorError(MAIN_GUARD)
    # spawn: safe with threads (progress bars) and the same on every platform.
    pool = _Pool(n)
    try:
        yield pool, f"{n} local processes"
    except BaseException as exc:  # Ctrl-C, SIGTERM turned into KeyboardInterrupt, or an error: stop now
        pool.stop()
        if isinstance(exc, BrokenProcessPool):
            raise ExecutorError(BROKEN) from None
        raise
    pool.shutdown(wait=True)


def _probe(address: str) -> None:
    """Fail in a second, not after Dask's connect retries, when nothing listens at a tcp:// address."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp" or not parts.hostname or not parts.port:
        return  # other transports: let Dask judge
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=3):
            pass
    except OSError as exc:
        raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}") from None


def worker_version() -> str:
    """The cxsim version a Dask worker (or the scheduler) has installed."""
    from cxsim.version import __version__ as installed

    return installed


@contextmanager
def _dask_executor(address: str) -> Iterator[tuple[Executor, str]]:
    try:
        from distributed import Client
    except ImportError:
        raise ExecutorError(
            f"--scheduler {address}: Dask is not installed; pip install 'cxsim[dask]' (at the same version, "
            f"{__version__}, on the scheduler and every worker)") from None
    _probe(address)
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        versions = client.run(worker_version)
        try:
            versions["scheduler"] = client.run_on_scheduler(worker_version)
        except Exception as exc:  # noqa: BLE001 - a scheduler without cxsim cannot run the check
            versions["scheduler"] = f"none ({type(exc).__name__})"
        wrong = {w: v for w, v in versions.items() if v != __version__}
        if wrong:
            raise ExecutorError(
                f"cxsim must be installed at the same version on the scheduler and every worker: this is "
                f"{__version__}, but " + ", ".join(f"{w} has {v}" for w, v in sorted(wrong.items())))
        if len(versions) < 2:  # the scheduler alone
            raise ExecutorError(f"the Dask scheduler at {address} has no workers")
        yield client.get_executor(pure=False), f"Dask cluster {address} ({len(versions) - 1} workers)"
    finally:
        client.close()
