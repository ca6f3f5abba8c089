"""Starting the ``cxsim`` command: ``import cxsim`` imports nothing heavy (its API is imported on first use),
so the command's Ctrl-C/SIGTERM handlers (cxsim/__main__.py) go in before the half second of imports."""

from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

HEAVY = ("numpy", "simpy", "pydantic", "typer", "rich", "ruamel.yaml", "cxsim.api", "cxsim.cli")

# In a fresh process: what ``import cxsim`` loaded, then the API as before (when it imported it all).
FIRST_USE = """
import sys
import cxsim
print(" ".join(sorted(sys.modules)))
listed = dir(cxsim)
from cxsim import Estimate, Scenario, ScenarioError, load_scenario, run, run_sweep
from cxsim.version import __version__
assert cxsim.__version__ == __version__ and cxsim.run is run and cxsim.Scenario is Scenario
assert all(name in listed for name in cxsim.__all__)
assert all(getattr(cxsim, name) is not None for name in cxsim.__all__)
namespace = {}
exec("from cxsim import *", namespace)
assert sorted(set(namespace) - {"__builtins__"}) == sorted(cxsim.__all__)
assert cxsim.catalogue.METRICS  # a module reached from the package, as before
try:
    cxsim.no_such_name
except AttributeError as exc:
    assert str(exc) == "module 'cxsim' has no attribute 'no_such_name'"
else:
    raise AssertionError("no AttributeError")
"""


def test_import_cxsim_imports_nothing_heavy_and_the_api_comes_on_first_use():
    shown = subprocess.run([sys.executable, "-c", FIRST_USE], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    loaded = shown.stdout.split()
    assert [name for name in HEAVY if name in loaded] == []
    assert [name for name in loaded if name.startswith("cxsim")] == ["cxsim"]


@pytest.mark.parametrize("arg", ["", "scenarios/minimal.yaml", "my scenario.yaml", "it's", "a'b\"c", "$HOME",
                                 "é.yaml", "--horizon=20 days", "a;b", "~/x", "50%", "a\nb", "*"])
def test_the_early_stop_line_quotes_the_command_as_the_cli_does(arg):
    """The CLI quotes "run it again with: ..." with shlex, which a signal handler must not import."""
    from cxsim.__main__ import shell_quote

    assert shell_quote(arg) == shlex.quote(arg)
