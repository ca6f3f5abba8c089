"""One replication of one org design: the SimPy environment and the rooms of the engine, wired together.

``Replication(scenario, design, seed, replication, listeners=[...]).run()`` builds the rooms (``Population``:
customers; ``Cases``: cases and tickets; ``Work``: teams and agents; ``Routing``: intake and hand-offs), runs
the warm-up and the measured window, and censors the cases still open at the horizon. Everything it learns
goes out as events (``cxsim.engine.events``); what a run reports is made from them by a listener such as
``cxsim.recorder.Recorder``. Randomness comes only from the replication's named streams, so the same
(scenario, design, seed, replication) gives the same events, in any process.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import simpy

from cxsim.engine.cases import Cases
from cxsim.engine.events import Events
from cxsim.engine.population import Population
from cxsim.engine.routing import Routing
from cxsim.engine.streams import make_streams
from cxsim.engine.work import Work
from cxsim.errors import OpenCasesError

if TYPE_CHECKING:
    from cxsim.scenario import Design, Scenario


class Replication:
    """One replication of one design: build it with the scenario and listeners, then ``run()`` it."""

    def __init__(self, scenario: Scenario, design_name: str, seed: int, replication: int,
                 horizon: float | None = None, listeners: Iterable[Any] = ()) -> None:
        self.scenario = scenario
        self.design_name = design_name
        self.design: Design = scenario.designs[design_name]
        self.seed = seed
        self.replication = replication
        self.horizon = scenario.horizon if horizon is None else horizon
        self.warmup = scenario.warmup
        self.streams = make_streams(seed, replication)
        self.env = simpy.Environment()
        self.events = Events(listeners)
        self.work = Work(self)
        self.routing = Routing(self)
        self.cases = Cases(self)
        self.population = Population(self)

    @property
    def teams(self):
        """The design's teams (name -> ``cxsim.engine.work.Team``)."""
        return self.work.teams

    def run(self) -> Replication:
        """Simulate up to the horizon; every result reaches the listeners as events. A replication that holds
        more cases open at once than cxsim.engine.cases.MAX_OPEN_CASES stops with ``OpenCasesError``."""
        with paused_gc():
            try:
                self._run()
            except OpenCasesError as stop:
                error = stop
                while isinstance(error.__cause__, OpenCasesError):  # SimPy raises a copy, caused by the error
                    error = error.__cause__
                # Without its frames and chain: they would keep every open case alive.
                error.__cause__ = error.__context__ = None
                error = error.with_traceback(None)
            else:
                return self
        self._release()
        raise error

    def _release(self) -> None:
        """Let go of a stopped replication's cases at once: its error may be kept for a while (an inline run
        keeps every failed replication's until the end), and must not keep gigabytes of cases with it."""
        for customer in self.population.active:
            customer.open_cases.clear()
        del self.env, self.events, self.work, self.routing, self.cases, self.population
        gc.collect()  # the rooms refer to each other; the next replication would pause the collector

    def _run(self) -> None:
        env = self.env
        events = self.events
        events.started(self)
        # The order in which processes start is part of the results: events at the same time (agents
        # opening at 09:00) run in the order they were scheduled.
        self.population.start()
        self.work.start()
        if self.warmup > 0:
            env.run(until=self.warmup)
        events.window_opened(env.now)
        env.run(until=self.horizon)
        self.cases.censor(self.horizon)
        events.finished(self.horizon)


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while any replication runs in this process.

    It finds almost nothing here (the engine's garbage is acyclic and freed by reference counting), but its
    full collections walk every live object: measured, they took half of a 1,000,000-case run. The pause
    is counted, so replications running in threads at once restore the collector's state only when the
    last one ends, and to what it was before the first began.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()
