"""The customer population: accounts with contracts, the cases they open, renewals, churn and acquisition.

Every customer has their own random stream (``streams.customer_stream``): when they open cases, what those
cases are, their patience and their renewal decisions, so a customer's life is identical in every design
until the design changes it (common random numbers). Churn is decided at renewal, from the experience of
the term (``scenario.Churn``): every finished case adds how high-effort it was to a running average whose
weights halve every half-life, so recent cases weigh more and good cases restore trust; contracts lock
customers in, so churn shows up late (seed 001). By default every customer who leaves is replaced by a new
one (``customers.acquisition: steady``). With ``arrivals.process: poisson`` cases arrive at an exact rate
instead, each to a uniformly chosen active customer. Either rate may follow a weekly profile
(``arrivals.profile``, ``engine.arrivals``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cxsim.engine.arrivals import Thinning
from cxsim.engine.cases import RESOLVED
from cxsim.engine.streams import customer_stream
from cxsim.units import UNIT_HOURS

if TYPE_CHECKING:
    import numpy as np

    from cxsim.engine.cases import Case
    from cxsim.engine.replication import Replication
    from cxsim.scenario import Churn

YEAR = UNIT_HOURS["year"]


class Customer:
    """An account: its stream, contract value, the experience of its current term and its open cases."""

    __slots__ = ("id", "rng", "monthly_value", "active", "slot", "churned_at", "open_cases",
                 "experience", "weight", "mark")

    def __init__(self, cid: int, rng: np.random.Generator, monthly_value: float, now: float) -> None:
        self.id = cid
        self.rng = rng
        self.monthly_value = monthly_value
        self.active = True
        self.slot = -1  # index in Population.active
        self.churned_at: float | None = None
        self.open_cases: set[Case] = set()
        # The term's experience: sums of weight x high-effort share and of weights, both as of ``mark``.
        self.experience = 0.0
        self.weight = 0.0
        self.mark = now


def experience_score(churn: Churn, *, effort_hours: float, transfers: int, reopens: int, days: float,
                     resolved: bool) -> float:
    """The weighted badness of one case, in effort-hour equivalents."""
    w = churn.weights
    return (w.effort_hours * effort_hours + w.transfers * transfers + w.reopens * reopens
            + w.days * days + (0.0 if resolved else w.unresolved))


def _logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0  # exp overflows past ~709: L is 0 there


def high_effort(churn: Churn, score: float) -> float:
    """h(x) = (L(x) - L(0)) / (1 - L(0)): how high-effort a case with score x was, 0 (flawless) to 1."""
    if churn.curve == "none" or score <= 0.0:
        return 0.0
    at_zero = _logistic(-churn.midpoint / churn.scale)
    return (_logistic((score - churn.midpoint) / churn.scale) - at_zero) / (1.0 - at_zero)


def base_churn(loyalty: float, term: float) -> float:
    """Churn per renewal of a customer whose term was flawless: 1 - loyalty ** (term / 1 year)."""
    return 1.0 - loyalty ** (term / YEAR)


def disloyal_share(churn: Churn, experience: float) -> float:
    """D(E): the share of customers a term of experience E makes disloyal (CEB: 9% at E = 0, 96% at E = 1)."""
    return churn.disloyal_low + (churn.disloyal_high - churn.disloyal_low) * experience


def renewal_churn(churn: Churn, base: float, experience: float) -> float:
    """P(leave at renewal) = base x D(E) / D(0), at most 1: leaving in proportion to the disloyal share."""
    return min(1.0, base * disloyal_share(churn, experience) / churn.disloyal_low)


class Population:
    """The engine's room for customers: who is active, when they open cases, renew or leave."""

    def __init__(self, rep: Replication) -> None:
        self.rep = rep
        self.env = rep.env
        self.events = rep.events
        scenario = rep.scenario
        self.spec = scenario.customers
        self.churn = scenario.churn
        self.steady = self.spec is not None and self.spec.acquisition == "steady"
        self.base_churn = base_churn(self.spec.loyalty, self.spec.contract.term) if self.spec else 0.0
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
        weights = arrivals.weekly_weights  # a weekly profile: non-homogeneous arrivals by thinning
        self.thinning = None if weights is None else Thinning(weights)

    def start(self) -> None:
        """The initial customers (signed at random points of their term), acquisition and Poisson arrivals."""
        env = self.env
        if self.spec is not None:
            for _ in range(self.spec.count):
                self.add_customer(initial=True)
            if not self.steady and self.spec.acquisition > 0:  # type: ignore[operator]
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
        customer = Customer(cid, rng, float(spec.contract.monthly_value.sample(rng)), self.env.now)
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
        if self.thinning is not None:
            at = self.thinning.next_after(now, self.spec.case_rate, customer.rng)  # type: ignore[union-attr]
        else:
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
        thinning = self.thinning
        while True:
            now = env.now
            if thinning is not None:
                at = thinning.next_after(now, rate, rng)
            else:
                gap = rng.exponential(1.0 / rate)
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
        """A finished case joins the experience of its customer's term."""
        customer = case.customer
        assert customer is not None and case.ended is not None
        customer.open_cases.discard(case)
        score = experience_score(
            self.churn, effort_hours=case.effort.total, transfers=case.transfers, reopens=case.reopens,
            days=(case.ended - case.opened) / 24.0, resolved=case.status == RESOLVED,
        )
        self._experience(customer, case.ended, high_effort(self.churn, score), 1.0)

    def _experience(self, customer: Customer, now: float, share: float, weight: float) -> None:
        """Add a case to the term's weighted average, after ageing what is there to ``now``."""
        decay = 0.5 ** ((now - customer.mark) / self.churn.half_life) if now > customer.mark else 1.0
        customer.experience = customer.experience * decay + weight * share
        customer.weight = customer.weight * decay + weight
        customer.mark = now

    def term_experience(self, customer: Customer, now: float) -> float:
        """E at ``now``: the weighted average of the term's high-effort shares, cases still open scored so
        far (weight 1, age 0); 0 for a term without cases."""
        self._experience(customer, now, 0.0, 0.0)
        total, weight = customer.experience, customer.weight
        for case in customer.open_cases:
            score = experience_score(
                self.churn, effort_hours=case.effort.total_at(now), transfers=case.transfers,
                reopens=case.reopens, days=(now - case.opened) / 24.0, resolved=True,
            )
            total += high_effort(self.churn, score)
            weight += 1.0
        return total / weight if weight > 0.0 else 0.0

    def _schedule_renewal(self, customer: Customer, delay: float) -> None:
        self.env.timeout(delay).callbacks.append(lambda _ev, c=customer: self._renew(c))

    def _renew(self, customer: Customer) -> None:
        """A contract renewal: the customer decides from the term's experience; a new term starts afresh."""
        if not customer.active:
            return
        now = self.env.now
        leave = renewal_churn(self.churn, self.base_churn, self.term_experience(customer, now))
        customer.experience = customer.weight = 0.0
        if customer.rng.random() < leave:
            self._leave(customer)
            return
        self.events.customer_renewed(customer, now)
        self._schedule_renewal(customer, self.spec.contract.term)  # type: ignore[union-attr]

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
        if self.steady:
            self.add_customer(initial=False)  # a new customer replaces them: the base stays steady
