"""Every error cxsim raises on purpose, in one place: each says in one line what is wrong and where.

``ScenarioError`` (a scenario: file, line, field), ``ExecutorError`` (where replications should run), and
``ResultsFolderError`` (a folder that does not hold a run's results), ``OutputFolderError`` (an output path
cxsim will not write to), ``OpenCasesError`` (a replication stopped: too many cases open at once),
``EventLogError`` (a ticket event log: file, line, column). The CLI prints them as they are and
exits with status 2; anything else is a bug.
"""

from __future__ import annotations

import re

_LINE_BREAKS = re.compile(r"\s*[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+\s*")


def one_line(text: str) -> str:
    """``text`` with every line break (and the blanks around it) turned into one space."""
    return _LINE_BREAKS.sub(" ", str(text)).strip()


class ScenarioError(Exception):
    """A problem with a scenario, located by file, 1-based line and dotted field (each may be None).

    ``str(err)`` is one line: ``file:line: field: message``; a missing line or field is left out, and a
    missing file is shown as ``<scenario>``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message: str = one_line(message)
        self.file: str | None = file
        self.line: int | None = line
        self.field: str | None = field or None
        super().__init__(self.message)

    def __str__(self) -> str:
        where = one_line(self.file) if self.file is not None else "<scenario>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.field:
            parts.append(one_line(self.field))
        parts.append(self.message)
        return ": ".join(parts)

    def __repr__(self) -> str:
        return (
            f"ScenarioError({self.message!r}, file={self.file!r}, line={self.line!r}, field={self.field!r})"
        )


class OpenCasesError(ScenarioError):
    """A replication stopped because it held more cases open at once than its limit: a design so overloaded
    (arrivals, transfers or reopens beyond what its teams serve) that memory would run out before the horizon.
    Located like a ``ScenarioError``, at the design."""


class ExecutorError(RuntimeError):
    """The requested executor cannot be used (e.g. Dask missing, unreachable or at another version)."""


class ResultsFolderError(ValueError):
    """The folder does not hold a cxsim run's results."""


class EventLogError(ValueError):
    """A ticket event log that cannot be read as asked, located by file, 1-based line and column (each may be
    None): a missing file, no such column, an unparseable timestamp, an empty log, broken XML.

    ``str(err)`` is one line: ``file:line: column: message``; a missing line or column is left out.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message: str = one_line(message)
        self.file: str | None = file
        self.line: int | None = line
        self.column: str | None = column or None
        super().__init__(self.message)

    def __str__(self) -> str:
        where = one_line(self.file) if self.file is not None else "<log>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.column:
            parts.append(one_line(self.column))
        parts.append(self.message)
        return ": ".join(parts)


class OutputFolderError(ValueError):
    """An output path cxsim will not write to: it cannot be written, or it holds files cxsim did not write or
    another scenario's results (``--force`` overrides the latter two)."""
