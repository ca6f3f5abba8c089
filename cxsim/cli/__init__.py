"""The ``cxsim`` command line: a thin layer over the public API (``load_scenario``, ``run``).

Bad input never produces a traceback: one line naming file, line and field on stderr, exit status 2, and
nothing written. The commands live by subject (``runs``: validate, run, report, schema; ``sweeps``;
``sensitivity``; ``logs``: logstats, backtest, export-log, calibrate); ``common`` holds the app, the consoles
and stopping on a signal, ``tables`` what the commands print.
"""

from __future__ import annotations

import sys

from rich.markup import escape

from cxsim.cli import common, logs, runs, sensitivity, sweeps, tables  # noqa: F401 - importing registers
from cxsim.cli.common import (
    SCHEDULER_ENV,
    _again,
    _on_early_stop_signal,
    _signal_name,
    _StoppedEarly,
    app,
    default_folder,
)
from cxsim.cli.tables import print_table, print_teams

__all__ = ["SCHEDULER_ENV", "app", "common", "default_folder", "main", "print_table", "print_teams", "tables"]


def main() -> None:
    """The ``cxsim`` command. Ctrl-C or SIGTERM at any moment ends it with one line and exit status 130 / 143
    (commands' long work says more: see ``_stoppable``); every file is written whole or not at all
    (cxsim.atomic), so a stop leaves no partial output."""
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _on_early_stop_signal)
    try:
        app()
    except _StoppedEarly as stop:
        (signum,) = stop.args
        common.err_console.print(f"[bold yellow]stopped[/] ({_signal_name(signum)}): no partial output is "
                                 f"left; run it again with: {escape(_again())}", highlight=False,
                                 soft_wrap=True)
        sys.exit(128 + signum)
    finally:
        # The command is over and its exit status decided: a Ctrl-C or SIGTERM while Python shuts down
        # changes nothing (it killed the process silently, -2 or -15, after 'ok' had been printed).
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
