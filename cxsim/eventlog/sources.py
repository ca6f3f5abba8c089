"""Opening a log file: plain, gzip or a zip with one log inside, and telling CSV from XES.

Compression is recognised by the file's first bytes, not its name; the format by ``--format``, else the
name (``.xes``, ``.xes.gz``, ``.csv`` ...), else the content (XML starts with ``<``).
"""

from __future__ import annotations

import gzip
import zipfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from cxsim.errors import EventLogError

__all__ = ["FORMATS", "log_format", "open_log"]

FORMATS = ("csv", "xes")
_GZIP, _ZIP = b"\x1f\x8b", b"PK\x03\x04"
_SUFFIXES = {".xes": "xes", ".csv": "csv", ".tsv": "csv", ".txt": "csv"}


def _member(archive: zipfile.ZipFile, file: str) -> str:
    """The one log inside a zip (folders, macOS resource forks and dot-files ignored)."""
    names = [n for n in archive.namelist() if not n.endswith("/") and not n.startswith("__MACOSX/")
             and not PurePosixPath(n).name.startswith(".")]
    logs = [n for n in names if _by_name(n) is not None] or names
    if len(logs) != 1:
        raise EventLogError(f"a zip must hold exactly one CSV or XES file; this one holds "
                            f"{', '.join(map(repr, logs)) or 'none'}", file=file)
    return logs[0]


def _by_name(name: str) -> str | None:
    suffixes = [s.lower() for s in PurePosixPath(name).suffixes]
    while suffixes and suffixes[-1] in (".gz", ".zip"):
        suffixes.pop()
    return _SUFFIXES.get(suffixes[-1]) if suffixes else None


@contextmanager
def open_log(path: Path):
    """(binary stream of the log's bytes, the inner file's name): decompressed, the zip's one member."""
    file = str(path)
    if not path.exists():
        raise EventLogError("no such file", file=file)
    if path.is_dir():
        raise EventLogError("is a folder, not a log file", file=file)
    with path.open("rb") as raw:
        head = raw.read(4)
        raw.seek(0)
        if head[:2] == _GZIP:
            with gzip.GzipFile(fileobj=raw) as stream:
                yield stream, path.name[:-3] if path.name.lower().endswith(".gz") else path.name
        elif head == _ZIP:
            try:
                archive = zipfile.ZipFile(raw)
            except zipfile.BadZipFile as err:
                raise EventLogError(f"not a readable zip file ({err})", file=file) from None
            with archive:
                name = _member(archive, file)
                with archive.open(name) as stream:
                    yield stream, name
        else:
            yield raw, path.name


def log_format(stream: BinaryIO, name: str, explicit: str | None, file: str) -> str:
    """'csv' or 'xes': ``explicit``, else from the name, else from the first non-blank byte."""
    if explicit:
        if explicit.lower() not in FORMATS:
            raise EventLogError(f"unknown --format {explicit!r}: use csv or xes", file=file)
        return explicit.lower()
    by_name = _by_name(name)
    if by_name:
        return by_name
    if not hasattr(stream, "peek"):
        return "csv"
    head = stream.peek(512)[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "xes" if head.startswith(b"<") else "csv"
