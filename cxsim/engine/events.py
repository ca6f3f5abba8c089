"""What the engine tells the world: one method per event, delivered to every listener that has it.

The engine appends facts to cases, tickets and customers, and announces them here; it never folds
statistics. ``cxsim.recorder.Recorder`` is the listener that turns the events into a replication's outputs;
a test or a researcher can pass their own listener to observe renewals, hand-offs or case ends. A listener
is any object with some of the ``Listener`` methods (subclass ``Listener`` to get no-op defaults). Events
arrive synchronously, in simulation order, while the engine's objects are in the state the event describes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxsim.engine.cases import Case
    from cxsim.engine.population import Customer
    from cxsim.engine.replication import Replication
    from cxsim.engine.work import Team


class Listener:
    """Every event the engine emits, with no-op defaults: override the ones you need."""

    def started(self, replication: Replication) -> None:
        """The replication is built (scenario, design, seed, horizon, warm-up, teams); nothing has run."""

    def window_opened(self, now: float) -> None:
        """The warm-up is over: from now on the run is measured (also at time 0 without a warm-up)."""

    def customer_joined(self, customer: Customer, now: float, initial: bool) -> None:
        """A customer signed (``initial``: one of the customers present at the start)."""

    def customer_renewed(self, customer: Customer, now: float) -> None:
        """A customer renewed their contract for another term."""

    def customer_churned(self, customer: Customer, now: float) -> None:
        """A customer left at renewal; their open cases end abandoned right after."""

    def case_opened(self, case: Case, team: str) -> None:
        """A new case; intake sent it to ``team``."""

    def session_started(self, team: Team, start: float, end: float) -> None:
        """An agent of ``team`` works from ``start`` to ``end`` (working hours included) on one case."""

    def case_served(self, case: Case, team: Team, now: float) -> None:
        """An agent of ``team`` took ``case`` from the queue at ``now`` (it joined at ``case.queued_at``;
        ``case.sessions`` counts the sessions before this one, ``case.in_session`` is this one)."""

    def ticket_closed(self, case: Case, reason: str, now: float) -> None:
        """``case.ticket`` was closed: resolved (on the dashboard), transferred or abandoned."""

    def hand_off(self, case: Case, source: str, target: str, now: float) -> None:
        """The case moved from team ``source`` to team ``target`` (``case.transfers`` already counts it)."""

    def case_ended(self, case: Case) -> None:
        """The case ended resolved or abandoned; its effort is settled up to ``case.ended``."""

    def case_censored(self, case: Case) -> None:
        """The case is still open at the horizon; its effort is settled up to the horizon."""

    def finished(self, now: float) -> None:
        """The horizon: every open case has been censored."""


EVENTS = tuple(name for name in vars(Listener) if not name.startswith("_"))


def _handles(listener: Any, name: str) -> bool:
    """Whether ``listener`` does something on event ``name`` (an inherited no-op does not count)."""
    method = getattr(type(listener), name, None) or getattr(listener, name, None)
    return callable(method) and method is not getattr(Listener, name)


def _ignore(*_args: Any) -> None:
    return None


def _fan_out(handlers: list[Callable[..., None]]) -> Callable[..., None]:
    def emit(*args: Any) -> None:
        for handler in handlers:
            handler(*args)

    return emit


class Events:
    """The engine's outlet: ``events.case_ended(case)`` calls every listener's ``case_ended``.

    Each event is bound once to the cheapest callable that does the job (nothing, one listener's bound
    method, or a loop over several), because some events fire several times per simulated case.
    """

    def __init__(self, listeners: Iterable[Any] = ()) -> None:
        listeners = list(listeners)
        for name in EVENTS:
            handlers = [getattr(listener, name) for listener in listeners if _handles(listener, name)]
            emit = _ignore if not handlers else handlers[0] if len(handlers) == 1 else _fan_out(handlers)
            setattr(self, name, emit)

    # Declared for type checkers; each is replaced by a callable in __init__.
    started: Callable[..., None]
    window_opened: Callable[..., None]
    customer_joined: Callable[..., None]
    customer_renewed: Callable[..., None]
    customer_churned: Callable[..., None]
    case_opened: Callable[..., None]
    session_started: Callable[..., None]
    ticket_closed: Callable[..., None]
    case_served: Callable[..., None]
    hand_off: Callable[..., None]
    case_ended: Callable[..., None]
    case_censored: Callable[..., None]
    finished: Callable[..., None]
