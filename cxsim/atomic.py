"""Files that appear whole or not at all: every output is written under a temporary name in its own folder
and renamed into place, and a results folder is built completely in ``DIR.<pid>.partial/`` before it
becomes ``DIR``. An interrupt or a crash leaves the earlier files (or nothing), never half of them.

``os.replace`` within one folder is atomic on POSIX and Windows; the few renames that finish a folder run
with SIGINT and SIGTERM held back, so Ctrl-C cannot land between them (the signal is acted on just after).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import secrets
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

PARTIAL = ".partial"  # suffix of a folder being built: DIR.<pid>.partial

#: Called just before a file or folder is put in place; it may raise to abandon it. The CLI sets it to take
#: up a Ctrl-C whose KeyboardInterrupt Python dropped (raised inside a garbage collector's callback while
#: charts were drawn), so that the stop still leaves nothing written.
before_publishing: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "before_publishing", default=None)


def _before_publishing() -> None:
    check = before_publishing.get()
    if check is not None:
        check()


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed onto ``path`` when the block ends normally,
    removed when it raises (``path`` is then untouched). The temporary name keeps the extension, so
    writers that read it (matplotlib's ``savefig``) still know the format."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_file_beside(path)
    try:
        yield tmp
        _before_publishing()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _new_file_beside(path: Path) -> Path:
    """An empty file of a fresh name beside ``path``, with the permissions any new file gets here (the
    umask's: tempfile.mkstemp's 0600 made the charts unreadable to others sharing the folder)."""
    while True:
        tmp = path.parent / f".{path.stem}.{secrets.token_hex(6)}.tmp{path.suffix}"
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            return tmp
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (a temporary file renamed into place)."""
    path = Path(path)
    with replacing(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return path


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for a few renames: one that comes meanwhile is re-raised when the block
    ends (to the handlers in place before it). Python-level handlers, not a signal mask: another thread
    (numpy's) would take a masked signal. Outside the main thread the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    previous = {sig: signal.signal(sig, lambda signum, _frame: caught.append(signum)) for sig in held}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            signal.raise_signal(caught[0])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _remove_stale_partials(final: Path) -> None:
    """Remove ``final.<pid>.partial`` folders left by a cxsim process that no longer exists (killed with
    SIGKILL, the one signal nothing can clean up after)."""
    for stale in final.parent.glob(f"{final.name}.*{PARTIAL}"):
        pid = stale.name[len(final.name) + 1:-len(PARTIAL)]
        if stale.is_dir() and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def _missing_parents(folder: Path) -> list[Path]:
    """The folders above ``folder`` that do not exist yet, outermost first."""
    missing = []
    parent = folder.parent
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    return missing[::-1]


@contextlib.contextmanager
def staged_folder(final: str | Path, replaces: Iterable[str] = ()) -> Iterator[Path]:
    """Build a folder's files in ``final.<pid>.partial/`` (yielded), then put them in ``final``.

    When ``final`` does not exist the partial folder is renamed to it (one atomic step). Otherwise each new
    file replaces its namesake with ``os.replace``, and the names in ``replaces`` (an earlier run's files
    that the new one did not write, e.g. a chart that no longer applies) are removed; any other file in
    ``final`` is left alone. If the block raises (an error, Ctrl-C), the partial folder and any parent
    folder made for it are removed and ``final`` is as it was.
    """
    final = Path(final)
    created = _missing_parents(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(final)
    partial = final.parent / f"{final.name}.{os.getpid()}{PARTIAL}"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        partial.mkdir()
        yield partial
        _before_publishing()
        with signals_held():
            if not final.exists():
                os.rename(partial, final)
                return
            new = {p.name for p in partial.iterdir()}
            for name in set(replaces) - new:
                old = final / name
                if old.is_dir() and not old.is_symlink():
                    shutil.rmtree(old)
                elif old.exists() or old.is_symlink():
                    old.unlink()
            for item in partial.iterdir():
                target = final / item.name
                if item.is_dir() and target.is_dir():
                    shutil.rmtree(target)
                os.replace(item, target)
            partial.rmdir()
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        for parent in reversed(created):
            with contextlib.suppress(OSError):
                parent.rmdir()  # only if still empty
        raise


def writable_folder_problem(folder: str | Path) -> str | None:
    """Why files cannot be written in ``folder`` (made if missing), or None: checked by making and removing
    a temporary folder in the nearest existing ancestor, so read-only file systems and permissions count as
    they will when writing (a check of mode bits alone passes for root)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        return f"{folder} exists and is not a folder"
    if folder.is_dir():  # its files are replaced in it, and its new version is built beside it
        return _cannot_write_in(folder) or _cannot_write_in(folder.resolve().parent)
    parent = folder
    while not parent.exists() and parent != parent.parent:
        if parent.is_symlink():
            return f"{parent} is a broken link"
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is not a folder"
    return _cannot_write_in(parent)


def _cannot_write_in(folder: Path) -> str | None:
    try:
        probe = tempfile.mkdtemp(prefix=".cxsim-probe-", dir=folder)
    except OSError as exc:
        return f"cannot write in {folder}: {exc.strerror or exc}"
    os.rmdir(probe)
    return None


def writable_file_problem(path: str | Path) -> str | None:
    """Why a file cannot be written at ``path``, or None (as ``writable_folder_problem``, for its folder)."""
    path = Path(path)
    if path.is_dir():
        return f"{path} is a folder"
    return writable_folder_problem(path.parent)
