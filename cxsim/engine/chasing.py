"""The chasing rule: how much of their own time a customer spends chasing a case that waits on the company.

Customers chase (follow up, ask for status, keep a workaround going) in their own working hours, not at
night or at the weekend. ``effort.chasing`` is what a whole working day of waiting costs, so the pace per
open hour is ``chasing x 24 / (open hours per working day)``; the transfer policy's factor and the case's
severity factor multiply it, and ``effort.chasing_cap`` limits what one case costs in one calendar day.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cxsim.working_hours import WorkingHours

if TYPE_CHECKING:
    from cxsim.scenario import Effort

DAY = 24.0


def open_days_per_week(hours: WorkingHours) -> int:
    """Calendar days of the week on which the calendar is open at all."""
    days: set[int] = set()
    for start, end in hours.intervals:
        first, last = int(start // DAY), int(math.ceil(end / DAY)) - 1
        days.update(d % 7 for d in range(first, max(first, last) + 1))
    return len(days)


class Chasing:
    """The rule of one scenario: the customers' calendar, the pace per open hour, severity factors, cap."""

    __slots__ = ("hours", "always", "per_open_hour", "severity", "cap")

    def __init__(self, effort: Effort, hours: WorkingHours) -> None:
        self.hours = hours
        self.always = hours.always_open
        per_day = DAY if self.always else hours.hours_per_week / max(1, open_days_per_week(hours))
        self.per_open_hour = effort.chasing * DAY / per_day
        self.severity = [effort.chasing_severity.get(s, 1.0) for s in range(5)]  # indexed by severity 0..4
        self.cap = effort.chasing_cap

    def open_hours(self, a: float, b: float) -> float:
        return b - a if self.always else self.hours.open_hours(a, b)

    def amount(self, a: float, b: float, factor: float, day: int, used: float) -> tuple[float, int, float]:
        """Chasing over [a, b] at ``factor`` times the pace; with a cap, also the calendar day of ``b`` and
        what was chased on it so far (``day`` and ``used`` are the same for the day of ``a``)."""
        rate = self.per_open_hour * factor
        if self.cap is None or rate == 0.0 or b <= a:
            return rate * self.open_hours(a, b), day, used
        cap = self.cap
        total = 0.0
        d = int(a // DAY)
        while d * DAY < b:
            if d != day:
                day, used = d, 0.0
            lo, hi = max(a, d * DAY), min(b, (d + 1) * DAY)
            amount = min(rate * self.open_hours(lo, hi), cap - used)
            if amount > 0.0:
                total += amount
                used += amount
            d += 1
        return total, day, used

