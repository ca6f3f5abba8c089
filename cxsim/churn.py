"""The churn curve: how one case's experience erodes a customer's loyalty.

A finished case gets an experience score x (effort-hour equivalents: effort, transfers, reopens, days
open, unresolved). The curve gives p(x), the probability the case makes the customer decide to leave;
loyalty (the probability of renewing) is multiplied by 1 - p(x). Contracts lock customers in: the decision
acts at the next renewal, so churn shows up late (seed 001).
"""

from __future__ import annotations

import math

from cxsim.scenario import Churn


def experience_score(churn: Churn, *, effort_hours: float, transfers: int, reopens: int, days: float,
                     resolved: bool) -> float:
    """The weighted badness of one finished case, in effort-hour equivalents."""
    w = churn.weights
    return (w.effort_hours * effort_hours + w.transfers * transfers + w.reopens * reopens
            + w.days * days + (0.0 if resolved else w.unresolved))


def leave_probability(churn: Churn, score: float) -> float:
    """p(x): floor + (ceiling - floor) * logistic((x - midpoint) / scale); 0 with curve 'none'."""
    if churn.curve == "none":
        return 0.0
    z = (score - churn.midpoint) / churn.scale
    # exp overflows past ~709: the logistic is already 0 or 1 there.
    logistic = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
    return churn.floor + (churn.ceiling - churn.floor) * logistic
