"""The ``cxsim`` command's entry point (the console script and ``python -m cxsim``): a stop from its first
moment is one line and exit status 130 (Ctrl-C) / 143 (SIGTERM), as the CLI promises.

Importing the CLI (typer, rich, pydantic, numpy, the scenario model) takes about half a second, and the CLI's
own handlers (``cxsim.cli.main``) go in only after it; before them a Ctrl-C printed a KeyboardInterrupt
traceback and SIGTERM killed silently. So the first thing done here is to put in handlers that end the
process at once with the CLI's early-stop line; nothing has been written yet, so there is nothing to undo.
This module imports nothing heavy; ``import cxsim`` before it is cheap too (cxsim/__init__.py is lazy).
"""

import os
import signal
import sys

# shlex.quote's safe characters ([\w@%+=:,./-] in ASCII): shlex is not imported in a handler that may run
# in the middle of another import (of re, say)
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")


def shell_quote(arg: str) -> str:
    """``shlex.quote(arg)``, without importing shlex."""
    if not arg:
        return "''"
    if all(c in _SAFE for c in arg):
        return arg
    return "'" + arg.replace("'", "'\"'\"'") + "'"


def _stopped_while_starting(signum, _frame) -> None:
    """Ctrl-C or SIGTERM while the CLI is being imported: the CLI's early-stop line, then exit 128 + signal.
    os._exit rather than an exception: raised inside an import, an exception can land in a garbage
    collector's callback and be dropped ("Exception ignored"), and there is nothing to clean up yet."""
    for sig in (signal.SIGINT, signal.SIGTERM):  # a second signal while stopping changes nothing
        signal.signal(sig, signal.SIG_IGN)
    name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    stopped = "stopped"
    if sys.stderr.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb":
        stopped = "\x1b[1;33mstopped\x1b[0m"  # as rich writes the CLI's "[bold yellow]stopped[/]"
    again = " ".join(shell_quote(arg) for arg in ["cxsim", *sys.argv[1:]])
    try:
        sys.stderr.write(f"{stopped} ({name}): no partial output is left; run it again with: {again}\n")
        sys.stderr.flush()
    finally:
        os._exit(128 + signum)


def main() -> None:
    """Stop cleanly from the first moment, then run the CLI (whose own handlers take over in its main)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stopped_while_starting)
    from cxsim.cli import main as cli_main

    cli_main()


if __name__ == "__main__":  # python -m cxsim (the console script imports this module and calls main)
    main()
