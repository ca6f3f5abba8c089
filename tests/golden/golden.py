"""The golden guard: the numbers cxsim produces for two shipped scenarios at their own seeds.

``tests/model/test_golden.py`` re-runs both and compares every number with the committed files. A refactoring
must keep them identical; a deliberate change of behaviour regenerates them in a commit that says which
numbers moved and why:

    python tests/golden/golden.py        # rewrites tests/golden/*.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SCENARIOS = ("minimal", "one_lane_tech")
#: Replications of the guarded run where the scenario's own count would dominate the suite: one_lane_tech's 8
#: (3 designs x 300 days) take minutes under coverage. Replication r draws from its own streams, so these are
#: exactly the first replications of the scenario's own run (the one README's figures come from).
REPLICATIONS = {"one_lane_tech": 4}
BLOCKS = ("designs", "case_types", "teams", "accounting")  # the numbers; not provenance nor the run block


def numbers(summary) -> dict:
    """The parts of a summary (a ``cxsim.Summary``) that a refactoring must not change, as JSON holds them."""
    data = summary.to_json()
    kept = {"scenario": data["scenario"], "seed": data["seed"], "replications": data["replications"]}
    kept.update({block: data[block] for block in BLOCKS})
    return json.loads(json.dumps(kept))


def run(name: str, workers: int | None = 1):
    """The shipped scenario ``name`` at its own settings but ``REPLICATIONS`` (a ``cxsim.Result``)."""
    import cxsim

    scenario = REPO / "scenarios" / f"{name}.yaml"
    return cxsim.run(scenario, workers=workers, replications=REPLICATIONS.get(name))


def compute(name: str, workers: int | None = 1) -> dict:
    return numbers(run(name, workers).summary)


def path(name: str) -> Path:
    return HERE / f"{name}.json"


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    for name in SCENARIOS:
        path(name).write_text(json.dumps(compute(name, workers=None), indent=1, sort_keys=True) + "\n")
        print(f"wrote {path(name)}")
