"""How an org design behaves: the SimPy engine, the only part of cxsim that imports SimPy.

Its rooms, one domain noun each: ``population`` (customers, contracts, renewals, churn, acquisition),
``cases`` (cases, tickets and the effort ledger), ``work`` (team queues, agents' sessions, incentive
behaviour), ``routing`` (intake and hand-offs under the transfer policy), ``streams`` (named random
streams), and ``replication`` (wires them into one run). The engine emits ``events``; it computes no
statistics.
"""

from cxsim.engine.events import Listener
from cxsim.engine.replication import Replication

__all__ = ["Listener", "Replication"]
