"""Named random streams: one independent generator per stochastic process, rebuilt from (seed, replication).

Replication r of a run with seed s draws stream k from ``default_rng(SeedSequence(s, spawn_key=(r, k)))``.
No global state: any worker can rebuild the streams of any replication, adding replications never changes
earlier ones, and every design of a scenario sees the same arrivals and case attributes (common random
numbers) because each process has its own stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Index k of each stream in the spawn key. Population-driven cases, patience and renewal (churn) draws come
# from each customer's own stream (``customer_stream``, spawned under "customers"); "arrivals" and
# "case_attributes" drive Poisson arrivals; the "churn" slot is no longer drawn from but keeps its index so
# that the other streams' keys, and every published figure, stay the same.
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


def customer_stream(seed: int, replication: int, customer_id: int) -> np.random.Generator:
    """Customer ``customer_id``'s own generator: their cases (times and attributes), patience and renewal
    draws. Keyed by id, so a customer's life is identical in every design until the design changes it
    (common random numbers survive churn elsewhere)."""
    key = (replication, STREAMS.index("customers"), customer_id)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def make_streams(seed: int, replication: int) -> Streams:
    """The streams of replication ``replication`` of a run seeded with ``seed``."""
    return Streams(*(
        np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication, k)))
        for k in range(len(STREAMS))
    ))


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """One named stream of a replication, on its own (e.g. ``case_sample`` for the recorder's sample)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication, STREAMS.index(name))))
