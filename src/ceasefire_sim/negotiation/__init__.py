"""The negotiation in three swappable parts (as NegMAS keeps them apart).

- :mod:`~ceasefire_sim.negotiation.space`: the outcome space -- issues and options as data;
- :mod:`~ceasefire_sim.negotiation.preferences`: each side's utility of a package and of fighting
  on, red lines, the mediator's own preference, the per-issue explanation;
- :mod:`~ceasefire_sim.negotiation.protocols`: who proposes and who answers, as objects a model is
  given; each round returns a :class:`~ceasefire_sim.negotiation.protocols.Round` record.

Solution concepts (the Nash point, the proposer's best acceptable offer) are plain functions in
:mod:`~ceasefire_sim.negotiation.solutions`; :mod:`~ceasefire_sim.negotiation.search` is the
compiled form of the mediator's Nash search.
"""

from ceasefire_sim.negotiation.protocols import (
    AlternatingOffers,
    InitialOffer,
    MediatedNash,
    Renewal,
    RenewalAtExpiry,
    Round,
    Table,
)
from ceasefire_sim.negotiation.space import (
    BUILT_IN,
    Issue,
    LineRule,
    Option,
    OutcomeSpace,
    PackageSpace,
)

__all__ = [
    "BUILT_IN",
    "AlternatingOffers",
    "InitialOffer",
    "Issue",
    "LineRule",
    "MediatedNash",
    "Option",
    "OutcomeSpace",
    "PackageSpace",
    "Renewal",
    "RenewalAtExpiry",
    "Round",
    "Table",
]
