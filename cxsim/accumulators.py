"""Streaming accumulators: per-replication case statistics in constant memory, whatever the number of cases.

The recorder folds counted cases into a ``CaseStats`` as they end (or at the horizon), so memory grows with
the cases open at once, not with every case ever simulated. Means are exact sums, added in case order;
percentiles come from a ``QuantileSketch``: exactly numpy's while a replication has few cases, within 0.4%
of them when it has many. ``extend`` takes a batch of cases as columns and gives bit for bit what adding them
one by one would, at C speed: the recorder buffers ended cases and folds them in batches. Days to resolution
(``resolution_days_p50``/``_p90``) are Kaplan–Meier estimates over every counted case, abandoned and still
open ones censored (``cxsim.survival``); ``resolution_days_resolved_*`` and ``_mean`` are over resolved
cases only. Effort percentiles cover every counted case: the effort of open ones so far, at the horizon.
"""

from __future__ import annotations

from functools import reduce
from itertools import compress
from operator import add

from cxsim.quantiles import QuantileSketch
from cxsim.survival import ABANDONED, CENSORED, RESOLVED, SurvivalSketch

NAN = float("nan")
#: The columns of a batch of cases (``CaseStats.extend``), in order.
COLUMNS = ("status", "contact", "waiting", "reexplain", "reopen", "transfers", "tickets", "reopened", "fcr",
           "days", "days_open")
_CODES = {"resolved": RESOLVED, "abandoned": ABANDONED, "open": CENSORED}


class CaseStats:
    """Customer-side totals of a set of cases (a replication, or one case type of it)."""

    __slots__ = ("n", "resolved", "abandoned", "open", "effort", "contact", "waiting", "reexplain", "reopen",
                 "transfers", "tickets", "reopened", "fcr", "days_sum", "effort_sketch", "days_sketch",
                 "returned", "teams", "teams3",
                 "survival")

    def __init__(self) -> None:
        self.n = self.resolved = self.abandoned = self.open = 0
        self.effort = self.contact = self.waiting = self.reexplain = self.reopen = 0.0
        self.transfers = self.tickets = self.reopened = self.fcr = 0
        self.days_sum = 0.0
        self.effort_sketch = QuantileSketch()
        self.days_sketch = QuantileSketch()
        self.survival = SurvivalSketch()  # every case's days open and outcome: Kaplan–Meier, incidence
        self.returned = self.teams = self.teams3 = 0  # the route: see ``add_route``

    def add_route(self, teams: int, returned: bool) -> None:
        """One case's route: the distinct teams it was sent to, and whether it came back to a team it had
        been handed on from (ping-pong). Counts only, so the order cases are added in does not matter."""
        self.teams += teams
        self.teams3 += teams >= 3
        self.returned += returned

    def add(self, *, status: str, contact: float, waiting: float, reexplain: float, reopen: float,
            transfers: int, tickets: int, reopens: int, fcr: bool, days: float, days_open: float) -> None:
        """One case (``days``: to real resolution, used only when resolved; ``days_open``: to its end, or
        to the horizon while open)."""
        self.extend(((status,), (contact,), (waiting,), (reexplain,), (reopen,), (transfers,), (tickets,),
                     (reopens > 0,), (fcr,), (days,), (days_open,)))

    def extend(self, columns: tuple, *, quantiles: bool = True) -> None:
        """A batch of cases given as the ``COLUMNS`` (equal-length sequences), in case order.

        ``quantiles=False`` leaves the sketches alone (for totals whose sketches are merged from parts).
        """
        (status, contact, waiting, reexplain, reopen, transfers, tickets, reopened, fcr, days,
         days_open) = columns
        if not status:
            return
        # Each case's effort is contact + waiting + reexplain + reopen, in that order, as one case would add.
        effort = list(map(add, map(add, map(add, contact, waiting), reexplain), reopen))
        resolved = [s == "resolved" for s in status]
        resolved_days = list(compress(days, resolved))
        n = len(status)
        self.n += n
        done = sum(resolved)
        abandoned = status.count("abandoned")
        self.resolved += done
        self.abandoned += abandoned
        self.open += n - done - abandoned
        # reduce(add, ...) adds left to right, like a loop of +=: the same floats as one case at a time.
        self.effort = reduce(add, effort, self.effort)
        self.contact = reduce(add, contact, self.contact)
        self.waiting = reduce(add, waiting, self.waiting)
        self.reexplain = reduce(add, reexplain, self.reexplain)
        self.reopen = reduce(add, reopen, self.reopen)
        self.days_sum = reduce(add, resolved_days, self.days_sum)
        self.transfers += sum(transfers)
        self.tickets += sum(tickets)
        self.reopened += sum(reopened)
        self.fcr += sum(fcr)
        if quantiles:
            self.effort_sketch.extend(effort)
            self.days_sketch.extend(resolved_days)
            self.survival.extend(days_open, [_CODES[x] for x in status])

    def merge_quantiles(self, parts: list[CaseStats]) -> None:
        """Set the sketches to those of ``parts`` together: exactly what adding every value here gives."""
        if parts:
            self.effort_sketch = QuantileSketch.combine(p.effort_sketch for p in parts)
            self.days_sketch = QuantileSketch.combine(p.days_sketch for p in parts)
            self.survival = SurvivalSketch.combine(p.survival for p in parts)

    def metrics(self) -> dict[str, float]:
        n = self.n

        def per_case(total: float) -> float:
            return total / n if n else NAN

        e, d = self.effort_sketch, self.days_sketch
        km50, km90 = self.survival.quantiles((0.5, 0.9))
        return {
            "cases": float(n),
            "effort_hours_mean": per_case(self.effort),
            "effort_hours_p50": e.quantile(0.5),
            "effort_hours_p90": e.quantile(0.9),
            "effort_hours_p99": e.quantile(0.99),
            "effort_hours_max": e.maximum if n else NAN,
            "effort_contact_hours_mean": per_case(self.contact),
            "effort_waiting_hours_mean": per_case(self.waiting),
            "effort_reexplain_hours_mean": per_case(self.reexplain),
            "effort_reopen_hours_mean": per_case(self.reopen),
            "resolution_days_mean": self.days_sum / self.resolved if self.resolved else NAN,
            "resolution_days_p50": km50,
            "resolution_days_p90": km90,
            "resolution_days_resolved_p50": d.quantile(0.5),
            "resolution_days_resolved_p90": d.quantile(0.9),
            "transfers_per_case": per_case(self.transfers),
            "tickets_per_case": per_case(self.tickets),
            "reopen_rate": per_case(self.reopened),
            "fcr": per_case(self.fcr),
            "unresolved_share": per_case(self.abandoned + self.open),
            "pingpong_share": per_case(self.returned),
            "teams_per_case": per_case(self.teams),
            "teams_3plus_share": per_case(self.teams3),
        }
