"""Named random streams: one independent generator per stochastic process, rebuilt from (seed, replication).

Replication r of a run with seed s draws stream k from ``default_rng(SeedSequence(s, spawn_key=(r, k)))``.
No global state: any worker can rebuild the streams of any replication, adding replications never changes
earlier ones, and every design of a scenario sees the same arrivals and case attributes (common random
numbers) because each process has its own stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STREAMS = ("arrivals", "case_attributes", "handling", "routing", "behaviour", "churn", "customers",
           "case_sample")


@dataclass(frozen=True)
class Streams:
    """The generators of one replication, one attribute per stochastic process."""

    arrivals: np.random.Generator
    case_attributes: np.random.Generator
    handling: np.random.Generator
    routing: np.random.Generator
    behaviour: np.random.Generator
    churn: np.random.Generator
    customers: np.random.Generator
    case_sample: np.random.Generator


def make_streams(seed: int, replication: int) -> Streams:
    """The streams of replication ``replication`` of a run seeded with ``seed``."""
    return Streams(*(
        np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication, k)))
        for k in range(len(STREAMS))
    ))
