"""The customer population: accounts with contracts, the cases they open, renewals, churn and acquisition.

Every customer has their own random stream (``streams.customer_stream``): when they open cases, what those
cases are, their patience and their renewal decisions, so a customer's life is identical in every design
until the design changes it (common random numbers). A finished case's experience score goes through the
churn curve to a probability p of deciding to leave, and loyalty (the probability of renewing) is multiplied
by 1 - p; contracts lock customers in, so the decision acts at the next renewal and churn shows up late
(seed 001). With ``arrivals.process: poisson`` cases arrive at an exact rate instead, each to a uniformly
chosen active customer.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cxsim.engine.cases import RESOLVED
from cxsim.engine.streams import customer_stream

if TYPE_CHECKING:
    import numpy as np

    from cxsim.engine.cases import Case
    from cxsim.engine.replication import Replication
    from cxsim.scenario import Churn


class Customer:
    """An account: its stream, contract value, loyalty (probability of renewing) and open cases."""

    __slots__ = ("id", "rng", "monthly_value", "loyalty", "active", "slot", "churned_at", "open_cases")

    def __init__(self, cid: int, rng: np.random.Generator, monthly_value: float, loyalty: float) -> None:
        self.id = cid
        self.rng = rng
        self.monthly_value = monthly_value
        self.loyalty = loyalty
        self.active = True
        self.slot = -1  # index in Population.active
        self.churned_at: float | None = None
        self.open_cases: set[Case] = set()


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


class Population:
    """The engine's room for customers: who is active, when they open cases, renew or leave."""

    def __init__(self, rep: Replication) -> None:
        self.rep = rep
        self.env = rep.env
        self.events = rep.events
        scenario = rep.scenario
        self.spec = scenario.customers
        self.churn = scenario.churn
        self.active: list[Customer] = []
        self.joined = 0  # customers ever created: the next customer's id
        arrivals = scenario.arrivals
        self.population_arrivals = arrivals.process == "population"
        hours = arrivals.hours
        self.arrival_hours = None if hours is None or hours.always_open else hours
        # Rates are calendar averages: squeeze them into the arrival hours.
        self.concentrate = 1.0 if self.arrival_hours is None else 168.0 / self.arrival_hours.hours_per_week
        if self.spec is not None and self.spec.case_rate > 0:
            self.case_gap_mean = 1.0 / (self.spec.case_rate * self.concentrate)
        else:
            self.case_gap_mean = math.inf

    def start(self) -> None:
        """The initial customers (signed at random points of their term), acquisition and Poisson arrivals."""
        env = self.env
        if self.spec is not None:
            for _ in range(self.spec.count):
                self.add_customer(initial=True)
            if self.spec.acquisition > 0:
                env.process(self._acquisition())
        if not self.population_arrivals:
            env.process(self._poisson_arrivals())

    # ------------------------------------------------------------ joining and opening cases

    def add_customer(self, initial: bool) -> Customer:
        """A customer with their own stream; initial customers signed at a random point of their term."""
        spec = self.spec
        assert spec is not None
        rep = self.rep
        cid = self.joined
        self.joined += 1
        rng = customer_stream(rep.seed, rep.replication, cid)
        customer = Customer(cid, rng, float(spec.contract.monthly_value.sample(rng)), spec.loyalty)
        first_renewal = spec.contract.term * (float(rng.random()) if initial else 1.0)
        customer.slot = len(self.active)
        self.active.append(customer)
        self.events.customer_joined(customer, self.env.now, initial)
        self._schedule_renewal(customer, first_renewal)
        if self.population_arrivals:
            self._schedule_case(customer)
        return customer

    def _schedule_case(self, customer: Customer) -> None:
        """The customer's next case, from their own stream (a Poisson process per customer)."""
        if self.case_gap_mean == math.inf:
            return  # customers who never open cases
        now = self.env.now
        gap = customer.rng.exponential(self.case_gap_mean)
        hours = self.arrival_hours
        at = now + gap if hours is None else hours.finish(now, gap)
        self.env.timeout(at - now).callbacks.append(lambda _ev, c=customer: self._customer_case(c))

    def _customer_case(self, customer: Customer) -> None:
        if not customer.active:
            return
        self.rep.cases.open_case(customer, customer.rng)
        self._schedule_case(customer)

    def _poisson_arrivals(self):
        """``arrivals.process: poisson``: cases at an exact rate; each to a uniformly chosen customer."""
        env = self.env
        rep = self.rep
        rng = rep.streams.arrivals
        rate = rep.scenario.arrivals.rate * self.concentrate  # type: ignore[operator]
        hours = self.arrival_hours
        if rate <= 0:
            return
        active = self.active
        attributes = rep.streams.case_attributes
        open_case = rep.cases.open_case
        while True:
            gap = rng.exponential(1.0 / rate)
            now = env.now
            at = now + gap if hours is None else hours.finish(now, gap)
            yield env.timeout(at - now)
            customer = None
            if active:
                customer = active[int(rng.integers(len(active)))] if len(active) > 1 else active[0]
            open_case(customer, attributes)

    def _acquisition(self):
        env = self.env
        rng = self.rep.streams.customers
        while True:
            yield env.timeout(rng.exponential(1.0 / self.spec.acquisition))  # type: ignore[union-attr]
            self.add_customer(initial=False)

    # ------------------------------------------------------------ renewals and churn

    def case_finished(self, case: Case) -> None:
        """A finished case's experience erodes its customer's loyalty through the churn curve."""
        customer = case.customer
        assert customer is not None and case.ended is not None
        customer.open_cases.discard(case)
        churn = self.churn
        score = experience_score(
            churn, effort_hours=case.effort.total, transfers=case.transfers, reopens=case.reopens,
            days=(case.ended - case.opened) / 24.0, resolved=case.status == RESOLVED,
        )
        customer.loyalty *= 1.0 - leave_probability(churn, score)

    def _schedule_renewal(self, customer: Customer, delay: float) -> None:
        self.env.timeout(delay).callbacks.append(lambda _ev, c=customer: self._renew(c))

    def _renew(self, customer: Customer) -> None:
        """A contract renewal: the customer leaves with probability 1 - loyalty, else renews for a term."""
        if not customer.active:
            return
        spec = self.spec
        assert spec is not None
        if customer.rng.random() >= customer.loyalty:
            self._leave(customer)
            return
        customer.loyalty += spec.recovery * (spec.loyalty - customer.loyalty)
        self.events.customer_renewed(customer, self.env.now)
        self._schedule_renewal(customer, spec.contract.term)

    def _leave(self, customer: Customer) -> None:
        """The customer churns: they leave the active base, and their open cases end abandoned."""
        now = self.env.now
        customer.active = False
        customer.churned_at = now
        customer.rng = None  # type: ignore[assignment]  # never drawn from again: free its generator
        last = self.active.pop()
        if last is not customer:
            self.active[customer.slot] = last
            last.slot = customer.slot
        self.events.customer_churned(customer, now)
        abandon = self.rep.cases.abandon
        for case in sorted(customer.open_cases, key=lambda c: c.id):
            abandon(case)
