"""Analytic queueing results (Erlang B, Erlang C / M/M/c, Erlang A / M/M/c+M).

These closed-form and exact birth-death results are what workforce planners use, and they are the
ground truth the discrete-event engine is validated against: a simulated M/M/c pool must reproduce
Erlang C, and one with exponential patience must reproduce Erlang A.  Rates are per hour and times in
hours, like the rest of cxsim, but any consistent unit works.

Erlang C is computed from the Erlang B recursion, which is numerically stable for thousands of
servers (no factorials or large powers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ErlangAResult",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "mmc_mean_queue_length",
    "mmc_mean_wait",
    "mmc_service_level",
    "mmc_utilisation",
]


def _servers(servers: object) -> int:
    if isinstance(servers, bool):
        raise ValueError(f"servers must be a positive whole number (got {servers!r})")
    if isinstance(servers, float) and servers.is_integer():
        servers = int(servers)
    if not isinstance(servers, (int, np.integer)) or servers < 1:
        raise ValueError(f"servers must be a positive whole number (got {servers!r})")
    return int(servers)


def _rate(value: float, name: str, *, positive: bool = False) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number (got {value!r})")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        need = "positive" if positive else "non-negative"
        raise ValueError(f"{name} must be a finite {need} number (got {value!r})")
    return value


def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of M/M/c/c (Erlang loss) with ``offered_load`` Erlangs on ``servers``."""
    c = _servers(servers)
    a = _rate(offered_load, "offered_load")
    b = 1.0
    for k in range(1, c + 1):
        ab = a * b
        b = ab / (k + ab)
    return b


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability an arrival has to wait in M/M/c, with ``offered_load`` = arrival rate x mean service time.

    Raises ValueError when ``offered_load >= servers`` (the queue grows without bound).
    """
    c = _servers(servers)
    a = _rate(offered_load, "offered_load")
    if a >= c:
        raise ValueError(
            f"unstable queue: offered load {a:g} Erlang needs more than {c} servers (load must be < servers)"
        )
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def _mmc(arrival_rate: float, service_rate: float, servers: int) -> tuple[float, float, int, float]:
    lam = _rate(arrival_rate, "arrival_rate")
    mu = _rate(service_rate, "service_rate", positive=True)
    c = _servers(servers)
    return lam, mu, c, erlang_c(c, lam / mu)


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time in queue over all arrivals (those served at once count as zero)."""
    lam, mu, c, p_wait = _mmc(arrival_rate, service_rate, servers)
    return p_wait / (c * mu - lam)


def mmc_service_level(arrival_rate: float, service_rate: float, servers: int, threshold: float) -> float:
    """Fraction of arrivals that wait no longer than ``threshold`` (same time unit as the rates)."""
    lam, mu, c, p_wait = _mmc(arrival_rate, service_rate, servers)
    threshold = _rate(threshold, "threshold")
    return 1.0 - p_wait * math.exp(-(c * mu - lam) * threshold)


def mmc_utilisation(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Fraction of server time busy, ``arrival_rate / (servers * service_rate)``."""
    lam, mu, c, _ = _mmc(arrival_rate, service_rate, servers)
    return lam / (c * mu)


def mmc_mean_queue_length(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean number waiting (Little's law: arrival rate x mean wait)."""
    lam = _rate(arrival_rate, "arrival_rate")
    return lam * mmc_mean_wait(arrival_rate, service_rate, servers)


@dataclass(frozen=True)
class ErlangAResult:
    """Steady state of M/M/c+M (Erlang A): Poisson arrivals, exponential service and patience."""

    p_wait: float
    """Probability an arrival finds all servers busy (and so has to wait)."""
    mean_wait: float
    """Mean time in queue over all arrivals, including those who abandon (time until they leave)."""
    p_abandon: float
    """Probability an arrival abandons before being served."""
    mean_queue_length: float
    """Mean number waiting."""
    utilisation: float
    """Fraction of server time busy (served load / servers)."""


_LOG_NEGLIGIBLE = 60.0  # states with probability below e^-60 relative to the largest are dropped
_MAX_QUEUE_STATES = 20_000_000


def erlang_a(arrival_rate: float, service_rate: float, servers: int, patience_rate: float) -> ErlangAResult:
    """Exact Erlang A from the birth-death chain, truncated where probabilities are negligible.

    ``patience_rate`` is 1 / mean patience.  With ``patience_rate == 0`` this is Erlang C (and
    raises ValueError if that is unstable); with any positive patience rate the queue is always stable.
    """
    lam = _rate(arrival_rate, "arrival_rate")
    mu = _rate(service_rate, "service_rate", positive=True)
    c = _servers(servers)
    theta = _rate(patience_rate, "patience_rate")
    if lam == 0:
        return ErlangAResult(0.0, 0.0, 0.0, 0.0, 0.0)
    if theta == 0:
        p_wait = erlang_c(c, lam / mu)
        mean_wait = p_wait / (c * mu - lam)
        return ErlangAResult(p_wait, mean_wait, 0.0, lam * mean_wait, lam / (c * mu))

    # log p_n (unnormalised) for n = 0..c: Poisson-like terms a^n / n!
    n = np.arange(c + 1, dtype=float)
    log_a = math.log(lam / mu)
    log_low = n * log_a - np.array([math.lgamma(k + 1.0) for k in range(c + 1)])

    # queue states c + k, k = 1..K: each step multiplies by lam / (c mu + k theta).  The terms grow
    # while c mu + k theta < lam and decay after; choose K past the peak until the tail is negligible.
    peak = max(0.0, (lam - c * mu) / theta)
    size = int(min(_MAX_QUEUE_STATES, max(256.0, 2.0 * peak + 256.0)))
    while True:
        k = np.arange(1, size + 1, dtype=float)
        log_queue = log_low[-1] + np.cumsum(math.log(lam) - np.log(c * mu + k * theta))
        top = max(float(log_low.max()), float(log_queue.max()))
        if log_queue[-1] < top - _LOG_NEGLIGIBLE:
            break
        if size >= _MAX_QUEUE_STATES:
            raise ValueError(
                "erlang_a: the queue would need more than "
                f"{_MAX_QUEUE_STATES} states; patience_rate is too small for this overload"
            )
        size = min(_MAX_QUEUE_STATES, size * 4)

    w_low = np.exp(log_low - top)
    w_queue = np.exp(log_queue - top)
    total = w_low.sum() + w_queue.sum()
    # arrivals see time averages (PASTA): wait iff all c servers are busy
    p_wait = float((w_low[-1] + w_queue.sum()) / total)
    mean_queue = float((k * w_queue).sum() / total)
    p_abandon = theta * mean_queue / lam
    mean_wait = mean_queue / lam  # Little's law over all arrivals
    utilisation = lam * (1.0 - p_abandon) / (c * mu)
    return ErlangAResult(p_wait, mean_wait, p_abandon, mean_queue, utilisation)
