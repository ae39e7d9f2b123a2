"""Limited truces over ``N`` worlds: proposals, unilateral declarations, breakdown and expiry.

Each limited scope (:data:`~ceasefire_sim.negotiation.scopes.LIMITED`) is valued by each side
with :func:`~ceasefire_sim.negotiation.scopes.limited_surplus`: the cost of the channels it pauses
that the side bears, less the worth of those it runs, plus the worth of the scope's purpose, over
the days the truce is expected to hold under its breakdown hazard
(:func:`~ceasefire_sim.negotiation.scopes.expected_days_held`), and, when linked, the linked
term's worth (its option utility less the war status quo on its issue, times
``partial_truces.linkage_share``) for the share of the horizon it holds. The hazard is the
general ceasefire's (:func:`~ceasefire_sim.model.truce.breakdown_hazard`): the Weibull baseline
``truce.base_hazard_per_day``, ``truce.hazard_shape`` in the days since the truce began, times its
term's ``truce.hazard_ratio_type``, the scope's own hazard ratio (verification) and
``truce.monitoring_hazard_ratio``.

* **Agreed truces.** On a day of talks with no general deal, the mediator proposes in each world,
  for each scope on the table and not in force, the term and linkage with the largest Nash
  product of the two surpluses where both are positive; each side answers with
  :func:`~ceasefire_sim.negotiation.preferences.accepts` and its own logistic noise.
* **Unilateral declarations.** A scope's ``declarer`` declares it alone when the worth of doing
  so (its ``cover_value`` on the scenario's ``holidays`` plus the scope's purpose to it) exceeds
  the worth of the channels it stops; only the declarer's channels stop, and it ends the truce
  when that is no longer so.
* **Durability and erosion.** Every day an agreed truce holds, each party's surplus is
  recomputed at the day's values, and what each gives up under it (the worth of its own paused
  channels, a purpose or linked term it loses by) moves by a random walk
  (``partial_truces.worth_drift_sd``): the share of that the truce no longer repays is the side's
  discontent ``d`` (:meth:`LimitedTruces._regret`). A discontented side lets its paused channels
  run at :func:`eroded_share` instead of the leak (it erodes the other side's benefit first), and
  the more discontented side's ``d`` raises the hazard by ``exp(truce.dissatisfaction_beta * d)``;
  a term that expires is renewed only if both sides accept it again at the day's worth. A
  general ceasefire subsumes every limited truce.
* **Violations.** A paused channel goes on at the scope's ``leak_share``: its strikes are the
  truce's violations, and they still cost the target.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from ceasefire_sim.model import truce
from ceasefire_sim.model.kernels import same_bits
from ceasefire_sim.model.store import world_column
from ceasefire_sim.negotiation import preferences
from ceasefire_sim.negotiation.scopes import (
    CHANNELS,
    LIMITED,
    LIMITED_NAMES,
    expected_days_held,
    limited_surplus,
    limited_terms,
    pause_matrix,
)

if TYPE_CHECKING:
    from ceasefire_sim.model.model import CeasefireModel
    from ceasefire_sim.negotiation.preferences import SideView

FloatArray = np.ndarray

#: Stream of the limited truces' daily draws.
PARTIAL_STREAM = 0x9A27A1
#: Stream of the daily shocks to each side's worth of a truce in force (its own, so that the
#: other draws of the truces are the same whatever ``partial_truces.worth_drift_sd``).
DRIFT_STREAM = 0x9A27D1
#: Rows per scope of the daily block: Ukraine's answer, Russia's answer, the breakdown.
ACCEPT_UA, ACCEPT_RU, BREAK = range(3)
#: Runs of at most this many worlds keep the days each truce is expected to hold for its
#: inputs (:meth:`LimitedTruces._days_held`); in larger runs some world's inputs change daily.
SMALL_RUN_WORLDS = 256
SIDES = ("ukraine", "russia")


class LimitedTruces:
    """The limited truces in force and their records, ``(N, S)`` arrays over the scopes.

    Attributes:
        in_force: ``(N, S)`` whether a truce of each scope is in force.
        unilateral: ``(N, S)`` whether it was declared by one side alone.
        term: ``(N, S)`` its truce option (index into the outcome space's truce options).
        linked: ``(N, S)`` whether it was agreed in exchange for a linked term.
        end_day: ``(N, S)`` the day its term ends (``inf``: open-ended).
        first_day: ``(N, S)`` day each scope's first truce began (NaN if none).
        days_in_force: ``(N, S)`` days each scope has been in force.
        count: ``(N,)`` limited truces begun.
        offers: ``(N, S)`` proposals of each scope the mediator made.
        accepted: Side -> ``(N, S)`` how many of them the side accepted.
        violations: ``(N,)`` leaked strikes and hits under limited truces.
        drift: Side -> ``(N, S)`` the random walk of the worth of what it gives up under each
            agreed truce in force, as a share of it (0 when the truce begins).
        discontent: Side -> ``(N, S)`` the share of what it gives up under each agreed truce in
            force that the truce no longer repays (>= 0; 0 when none is in force).
    """

    def __init__(self, model: CeasefireModel) -> None:
        self.model = model
        n, s = model.worlds, len(LIMITED)
        self._rng = np.random.default_rng(np.random.SeedSequence([model.seed, PARTIAL_STREAM]))
        self.enabled = bool(model.scenario.partial_truces.enabled)
        # (N, S) in column order: a scope's column, read and written daily, is contiguous.
        self.in_force = np.zeros((n, s), dtype=bool, order="F")
        self.unilateral = np.zeros((n, s), dtype=bool, order="F")
        self.term = np.zeros((n, s), dtype=np.int8, order="F")
        self.linked = np.zeros((n, s), dtype=bool, order="F")
        self.end_day = np.full((n, s), np.inf, order="F")
        self.last_end_day = np.full((n, s), -np.inf, order="F")
        self.start_day = np.full((n, s), np.inf, order="F")
        self.first_day = np.full((n, s), np.nan, order="F")
        self.days_in_force = np.zeros((n, s), order="F")
        self.count = np.zeros(n, dtype=np.int64)
        self.violations = np.zeros(n)
        self.offers = np.zeros((n, s), dtype=np.int32, order="F")
        self.accepted = {side: np.zeros((n, s), dtype=np.int32, order="F") for side in SIDES}
        self._pauses = pause_matrix()
        #: Per scope, the channels it pauses (columns of ``_pauses``), as plain ints.
        self._paused = tuple(tuple(int(j) for j in np.flatnonzero(row)) for row in self._pauses)
        self._terms = limited_terms(model.space.outcome)
        self._truce_days = model.space.outcome.truce_days()
        self.uniforms = np.zeros((3, s, n))
        self._drift_rng = np.random.default_rng(np.random.SeedSequence([model.seed, DRIFT_STREAM]))
        self._shock_uniforms = np.full((2, s, n), 0.5)
        #: Side -> ``(N, S)`` the random walk of its worth of each truce, share of its stake.
        self.drift = {side: np.zeros((n, s), order="F") for side in SIDES}
        #: Side -> ``(N, S)`` its discontent with each truce in force (>= 0, share of its stake).
        self.discontent = {side: np.zeros((n, s), order="F") for side in SIDES}
        self.holidays = {d for d in model.scenario.partial_truces.holidays}

    # ----------------------------------------------------------------------------- reading
    def _p(self, scope: str, field: str) -> FloatArray | float:
        return self.model.params[f"partial_truces.scopes.{scope}.{field}"]

    def on_table(self, scope: str) -> bool:
        """Whether ``scope`` can be proposed or declared (``on_table`` >= 0.5 in some world)."""
        if not self.enabled:
            return False
        version = self.model.params.version
        kept = self.__dict__.setdefault("_on_table_kept", {})
        hit = kept.get(scope)
        if hit is None or hit[0] != version:
            hit = (version, bool(np.any(np.asarray(self._p(scope, "on_table")) >= 0.5)))
            kept[scope] = hit
        return hit[1]

    def running(self) -> FloatArray:
        """``(N, C)`` share of each channel that runs under the limited truces in force.

        Read-only: the same array is returned until the truces in force (or the parameters)
        change, since the side views of a day ask for it several times.
        """
        kept = getattr(self, "_running", None)
        version = self.model.params.version
        if (
            kept is not None
            and kept[0] == version
            and _same(kept[1], self.in_force)
            and _same(kept[2], self.unilateral)
            and all(_same(kept[4][x], self.discontent[x]) for x in SIDES)
        ):
            return kept[3]
        share = self._running_share()
        share.flags.writeable = False
        discontent = {x: self.discontent[x].copy() for x in SIDES}
        self._running = (version, self.in_force.copy(), self.unilateral.copy(), share, discontent)
        return share

    def _running_share(self) -> FloatArray:
        n = self.model.worlds
        share = np.ones((n, len(CHANNELS)))
        for k, s in enumerate(LIMITED_NAMES):
            if not self.in_force[:, k].any():
                continue
            leak = np.broadcast_to(np.asarray(self._p(s, "leak_share"), dtype=float), (n,))
            for j in self._paused[k]:
                attacker = CHANNELS[j].attacker
                # A unilateral truce stops only its declarer's channels.
                own = ~self.unilateral[:, k] | (attacker == LIMITED[k].declarer)
                paused = self.in_force[:, k] & own
                # Its attacker lets through less the more it regrets the truce (erosion).
                let_through = eroded_share(leak, self.discontent[attacker][:, k])
                share[:, j] = np.where(paused, np.minimum(share[:, j], let_through), share[:, j])
        return share

    def any_in_force(self) -> FloatArray:
        """``(N,)`` worlds with some limited truce in force."""
        return self.in_force.any(axis=1)

    # -------------------------------------------------------------------------- valuation
    def gain_per_day(
        self, side: str, k: int, worlds: np.ndarray, *, unilateral: bool = False
    ) -> FloatArray:
        """``(n,)`` utility/day ``side`` gains while scope ``k`` holds, in ``worlds``.

        The expected cost of the channels it pauses that ``side`` bears, less the worth of those
        ``side`` runs, plus the scope's purpose and, on a holiday, its cover (for its declarer, or
        for each side of a scope no side declares alone);
        a unilateral truce spares the declarer nothing, since only its own channels stop.
        """
        m = self.model
        scope = LIMITED[k]
        ch = m.channels
        gain = np.zeros(len(worlds))
        for j in self._paused[k]:
            c = CHANNELS[j]
            if unilateral and c.attacker != scope.declarer:
                continue
            if c.target == side and not unilateral:
                gain = gain + ch.expected_cost(c.name, worlds)
            if c.attacker == side:
                gain = gain - ch.expected_value(c.name, worlds)
        gain = gain + world_column(self._p(scope.name, f"purpose_value_{side}"), worlds, m.worlds)
        # A holiday's cover goes to the declarer, or to each side of an agreed-only scope.
        if scope.declarer in (side, None) and m.date in self.holidays:
            gain = gain + world_column(self._p(scope.name, "cover_value"), worlds, m.worlds)
        tolerance = world_column(m.params[f"belligerents.{side}.cost_tolerance"], worlds, m.worlds)
        return gain / tolerance

    def hazard_ratio(self, k: int, term: FloatArray, worlds: np.ndarray) -> FloatArray:
        """``(n,)`` hazard ratio of scope ``k``'s truce on ``term``: term x scope x monitoring."""
        m = self.model
        p = m.params
        by_term = self._term_ratios()
        scope = self._p(LIMITED[k].name, "hazard_ratio")
        monitoring = p["truce.monitoring_hazard_ratio"]
        if by_term.ndim == 1 and np.ndim(scope) == 0 and np.ndim(monitoring) == 0:
            # Ratios shared by every world (the common case): the same products, element by
            # element, without columns of them.
            return by_term[np.asarray(term)] * float(scope) * float(monitoring)
        return (
            (by_term[term] if by_term.ndim == 1 else by_term[worlds, term])
            * world_column(scope, worlds, m.worlds)
            * world_column(monitoring, worlds, m.worlds)
        )

    def _term_ratios(self) -> FloatArray:
        """``(T,)`` each truce option's hazard ratio, or ``(N, T)`` where one varies by world.

        Kept until the parameters change (every truce in force reads it every day).
        """
        m = self.model
        kept = getattr(self, "_term_ratio_table", None)
        if kept is not None and kept[0] == m.params.version:
            return kept[1]
        p = m.params
        ratios = [p[f"truce.hazard_ratio_type.{o}"] for o in m.space.outcome.by_issue["truce"]]
        if all(np.ndim(r) == 0 for r in ratios):
            table = np.array([float(r) for r in ratios])
        else:
            table = np.stack(
                [np.broadcast_to(np.asarray(r, dtype=float), (m.worlds,)) for r in ratios], axis=1
            )
        self._term_ratio_table = (m.params.version, table)
        return table

    def hazard(
        self,
        k: int,
        term: FloatArray,
        worlds: np.ndarray,
        discontent: FloatArray,
        day_of_truce: FloatArray | float = 1.0,
    ) -> FloatArray:
        """``(n,)`` breakdown hazard of scope ``k``'s truce on ``term`` on its ``t``-th day.

        The general ceasefire's hazard model (:func:`~ceasefire_sim.model.truce.breakdown_hazard`):
        ``h0 * (t**k - (t - 1)**k) * HR * exp(beta * d)``, with ``HR`` :meth:`hazard_ratio`,
        ``k = truce.hazard_shape`` and ``d`` the more discontented side's discontent (share of
        its stake it now loses, see :meth:`keep_or_end`).

        Args:
            k: The scope.
            term: ``(n,)`` truce option per world.
            worlds: ``(n,)`` the worlds.
            discontent: ``(n,)`` >= 0.
            day_of_truce: ``t >= 1``, days since the truce began (today included).
        """
        m = self.model
        p = m.params
        return truce.breakdown_hazard(
            world_column(p["truce.base_hazard_per_day"], worlds, m.worlds),
            self.hazard_ratio(k, term, worlds),
            discontent,
            world_column(p["truce.dissatisfaction_beta"], worlds, m.worlds),
            day_of_truce,
            world_column(p["truce.hazard_shape"], worlds, m.worlds),
        )

    def _linked_value(
        self, view: LinkedView | None, key: str | None, worlds: np.ndarray
    ) -> FloatArray | float:
        """A side's worth of a linked term (option utility less the war status quo), scaled."""
        if key is None:
            return 0.0
        assert view is not None, "a linked term is valued with the side's view"
        outcome = self.model.space.outcome
        issue = key.split(".", 1)[0]
        column = view.column(outcome.option_index[key])
        war = view.war(issue)
        share = world_column(
            self.model.params["partial_truces.linkage_share"], worlds, self.model.worlds
        )
        return (column - war) * share

    def linked_views(self, worlds: np.ndarray) -> tuple[LinkedView, LinkedView]:
        """Ukraine's and Russia's side views in ``worlds``, as far as a linked term reads them.

        Today's kept views where they cover ``worlds`` (nothing copied), else the model's.
        """
        m = self.model
        rows = m._kept_rows(worlds)
        if rows is None:
            views, rows = m._views_for(worlds), np.arange(len(worlds))
        else:
            views = m._views_today[2:4]
        return LinkedView(views[0], rows), LinkedView(views[1], rows)

    def surpluses(
        self,
        k: int,
        worlds: np.ndarray,
        views: tuple[LinkedView, LinkedView] | tuple[None, None],
        term: FloatArray | int,
        linked: str | None,
        kept: dict | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """``(n,)`` Ukraine's and Russia's surplus of scope ``k`` on ``term`` (and ``linked``).

        Args:
            k: The scope.
            worlds: ``(n,)`` the worlds.
            views: :meth:`linked_views` in ``worlds``; read only for a linked term (``(None,
                None)`` will do when ``linked`` is None).
            term: ``(n,)`` truce option per world, or one for all.
            linked: The linked term's ``issue.option`` key, or None.
            kept: A dict kept across calls with the same ``k``, ``worlds`` and ``views``: what
                does not depend on the term or the linkage (the daily gains, the horizons) and
                the days held under a term given as one int are computed once.
        """
        m = self.model
        kept = {} if kept is None else kept
        if "gain" not in kept:
            kept["gain"] = {side: self.gain_per_day(side, k, worlds) for side in SIDES}
            kept["horizon"] = {
                side: world_column(
                    m.params[f"belligerents.{side}.planning_horizon_days"], worlds, m.worlds
                )
                for side in SIDES
            }
        held = kept.get(("held", term)) if isinstance(term, int) else None
        if held is None:
            terms = np.full(len(worlds), term) if isinstance(term, int) else term
            days = self._truce_days[terms]
            ratio = self.hazard_ratio(k, terms, worlds)
            base = world_column(m.params["truce.base_hazard_per_day"], worlds, m.worlds)
            shape = world_column(m.params["truce.hazard_shape"], worlds, m.worlds)
            held = {
                side: self._days_held(ratio, base, shape, days, kept["horizon"][side])
                for side in SIDES
            }
            if isinstance(term, int):
                kept[("held", term)] = held
        kept["held"] = held
        out = []
        for side, view in zip(SIDES, views, strict=True):
            value = self._linked_value(view, linked, worlds)
            horizon = kept["horizon"][side]
            out.append(limited_surplus(kept["gain"][side], held[side], horizon, value))
        return out[0], out[1]

    def _days_held(
        self,
        ratio: FloatArray,
        base: FloatArray,
        shape: FloatArray,
        days: FloatArray,
        horizon: FloatArray,
    ) -> FloatArray:
        """``(n,)`` :func:`expected_days_held`, kept for its inputs in a run of a few worlds.

        A truce's inputs (its hazard ratio, the baseline, its term and the side's horizon) stay
        the same from day to day, and the incomplete gamma functions are costly at any size;
        the same bits, as a fresh copy.
        """
        if self.model.worlds > SMALL_RUN_WORLDS:
            return expected_days_held(ratio, base, shape, days, horizon)
        columns = tuple(np.asarray(x, dtype=float) for x in (ratio, base, shape, days, horizon))
        key = tuple((x.shape, x.tobytes()) for x in columns)
        kept = self.__dict__.setdefault("_days_held_kept", {})
        held = kept.get(key)
        if held is None:
            held = expected_days_held(*columns)
            if len(kept) >= 64:
                kept.clear()
            kept[key] = held
        return held.copy()

    def best_offer(
        self, k: int, worlds: np.ndarray, views: tuple[LinkedView, LinkedView]
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """The mediator's offer of scope ``k``: the largest Nash product over terms and linkage.

        Returns:
            ``(term, linked_index, s_ua, s_ru, agreeable)``, ``(n,)`` each; ``linked_index`` is 0
            for an unlinked truce; ``agreeable`` where both surpluses are positive.
        """
        n = len(worlds)
        linkage = np.broadcast_to(
            np.asarray(self.model.params["partial_truces.linkage"], dtype=float),
            (self.model.worlds,),
        )[worlds]
        best = np.full(n, -np.inf)
        term = np.zeros(n, dtype=np.int64)
        link = np.zeros(n, dtype=np.int64)
        s_ua, s_ru = np.full(n, -np.inf), np.full(n, -np.inf)
        kept: dict = {}
        for li, key in enumerate(self._terms[LIMITED[k].name]):
            allowed = np.ones(n, dtype=bool) if key is None else linkage >= 0.5
            for t in range(len(self._truce_days)):
                a, b = self.surpluses(k, worlds, views, t, key, kept)
                nash = np.where((a > 0) & (b > 0) & allowed, a * b, -np.inf)
                better = nash > best
                best = np.where(better, nash, best)
                term = np.where(better, t, term)
                link = np.where(better, li, link)
                s_ua, s_ru = np.where(better, a, s_ua), np.where(better, b, s_ru)
        agreeable = np.isfinite(best)
        # Where nothing is agreeable the offer is the unlinked open-ended truce (both answers no).
        if not agreeable.all():
            a, b = self.surpluses(k, worlds, views, len(self._truce_days) - 1, None, kept)
            s_ua, s_ru = np.where(agreeable, s_ua, a), np.where(agreeable, s_ru, b)
            term = np.where(agreeable, term, len(self._truce_days) - 1)
        return term, link, s_ua, s_ru, agreeable

    # ----------------------------------------------------------------------------- a day
    def draw(self) -> None:
        """Today's uniforms (the same block every day, from the truces' own stream)."""
        m = self.model
        self.uniforms = m.keyed_uniforms(self._rng, 3 * len(LIMITED)).reshape(3, len(LIMITED), -1)
        shocks = m.keyed_uniforms(self._drift_rng, 2 * len(LIMITED))
        self._shock_uniforms = shocks.reshape(2, len(LIMITED), -1)

    def forget_day(self) -> None:
        """Let go of today's uniforms and of the cache of :meth:`running` (the day is over).

        Tomorrow draws its own uniforms (:meth:`draw`; reading them before is an error), and the
        cache's inputs (the discontent with every truce in force) change overnight.
        """
        s = len(LIMITED)
        self.uniforms = np.empty((3, s, 0))
        self._shock_uniforms = np.empty((2, s, 0))
        self._running = None

    @property
    def shocks(self) -> FloatArray:
        """``(2, S, N)`` today's standard normal shocks to each side's worth of each truce."""
        return _normal(self._shock_uniforms)

    def shock(self, i: int, k: int, worlds: np.ndarray) -> FloatArray:
        """``(n,)`` :attr:`shocks` ``[i, k, worlds]``, computed in ``worlds`` alone."""
        return _normal(self._shock_uniforms[i, k, worlds])

    def negotiate(self, talking: FloatArray) -> None:
        """Propose each scope on the table in the worlds with talks today and no general deal."""
        m = self.model
        if not self.enabled:
            return
        worlds = np.flatnonzero(talking)
        if len(worlds) == 0:
            return
        views = self.linked_views(worlds)
        logit = world_column(m.params["talks.logit_scale"], worlds, m.worlds)
        cooldown = m.params["talks.cooldown_days"]
        for k, scope in enumerate(LIMITED):
            if not self.on_table(scope.name):
                continue
            open_ = (~self.in_force[worlds, k]) & (
                world_column(self._p(scope.name, "on_table"), worlds, m.worlds) >= 0.5
            )
            open_ &= ~(
                m.day - self.last_end_day[worlds, k] < world_column(cooldown, worlds, m.worlds)
            )
            if not open_.any():
                continue
            w = worlds[open_]
            sub = (views[0].subset(open_), views[1].subset(open_))
            term, link, s_ua, s_ru, agreeable = self.best_offer(k, w, sub)
            # A side that gains nothing from the arrangement does not sign it.
            yes_ua = preferences.accepts(
                s_ua, 0.0, preferences.chance(self.uniforms[ACCEPT_UA, k, w], logit[open_])
            ) & (s_ua > 0)
            yes_ru = preferences.accepts(
                s_ru, 0.0, preferences.chance(self.uniforms[ACCEPT_RU, k, w], logit[open_])
            ) & (s_ru > 0)
            deal = agreeable & yes_ua & yes_ru
            self.offers[w, k] += 1
            self.accepted["ukraine"][w, k] += yes_ua
            self.accepted["russia"][w, k] += yes_ru
            m.narrative.limited_talks(w, scope, s_ua, s_ru, yes_ua, yes_ru, link > 0)
            self._start(w[deal], k, term[deal], link[deal] > 0, unilateral=False)

    def declare(self, at_war: FloatArray) -> None:
        """Unilateral declarations where a scope's declarer gains from one today."""
        m = self.model
        if not self.enabled:
            return
        for k, scope in enumerate(LIMITED):
            if scope.declarer is None or not self.on_table(scope.name):
                continue
            w = np.flatnonzero(at_war & ~self.in_force[:, k])
            if len(w) == 0:
                continue
            w = w[world_column(self._p(scope.name, "on_table"), w, m.worlds) >= 0.5]
            gain = self.gain_per_day(scope.declarer, k, w, unilateral=True)
            row = ACCEPT_UA if scope.declarer == "ukraine" else ACCEPT_RU
            noise = preferences.chance(
                self.uniforms[row, k, w], world_column(m.params["talks.logit_scale"], w, m.worlds)
            )
            # The declarer weighs the day's gain with the hesitation of an answer to an offer.
            declares = preferences.accepts(gain, 0.0, noise) & (gain > 0)
            open_ended = len(self._truce_days) - 1
            self._start(
                w[declares],
                k,
                np.full(int(declares.sum()), open_ended),
                np.zeros(int(declares.sum()), bool),
                unilateral=True,
            )

    def _start(
        self, worlds: np.ndarray, k: int, term: FloatArray, linked: FloatArray, *, unilateral: bool
    ) -> None:
        if len(worlds) == 0:
            return
        m = self.model
        self.in_force[worlds, k] = True
        self.unilateral[worlds, k] = unilateral
        self.term[worlds, k] = term
        self.linked[worlds, k] = linked
        self.end_day[worlds, k] = m.day + self._truce_days[term]
        self.start_day[worlds, k] = m.day
        for side in SIDES:
            self.drift[side][worlds, k] = 0.0
            self.discontent[side][worlds, k] = 0.0
        first = np.isnan(self.first_day[worlds, k])
        self.first_day[worlds[first], k] = m.day
        self.count[worlds] += 1
        m.narrative.limited_start(worlds, LIMITED[k], unilateral, linked)

    def keep_or_end(self, general: FloatArray) -> None:
        """Subsume, break, expire or keep each limited truce in force since yesterday.

        Args:
            general: ``(N,)`` worlds in a general ceasefire (which subsumes every limited truce).
        """
        m = self.model
        for k, scope in enumerate(LIMITED):
            # Only the truces in force since yesterday (today's begin to be kept tomorrow).
            holding = self.in_force[:, k] & (self.start_day[:, k] < m.day)
            if not holding.any():
                continue
            self.days_in_force[holding, k] += 1
            subsumed = holding & general
            if subsumed.any():
                self._end(np.flatnonzero(subsumed), k, "subsumed")
            w = np.flatnonzero(holding & ~subsumed)
            if len(w) == 0:
                continue
            self.violations[w] += self._leaked(k, w)
            term = self.term[w, k]
            uni = self.unilateral[w, k]
            ended = np.zeros(len(w), dtype=bool)
            # Unilateral: the declarer goes on only while it still gains.
            if uni.any() and scope.declarer is not None:
                gain = self.gain_per_day(scope.declarer, k, w[uni], unilateral=True)
                stop = np.zeros(len(w), dtype=bool)
                stop[uni] = gain <= 0
                ended |= stop
            agreed = ~uni & ~ended
            if agreed.any():
                a = w[agreed]
                key = self._terms[scope.name]
                linked = self.linked[a, k]
                # The views are read only for a linked term (where today's are not kept, the
                # model's are built all the same, as they always were).
                need_views = bool(linked.any()) and len(key) > 1
                views = (
                    self.linked_views(a) if need_views or not m._has_views_for(a) else (None, None)
                )
                kept: dict = {}
                s_ua, s_ru = self.surpluses(k, a, views, term[agreed], None, kept)
                linked_per_day = {side: np.zeros(len(a)) for side in SIDES}
                if need_views:
                    l_ua, l_ru = self.surpluses(k, a, views, term[agreed], key[1], kept)
                    for side, with_link, without in zip(
                        SIDES, (l_ua, l_ru), (s_ua, s_ru), strict=True
                    ):
                        # The linked term's worth per day of the horizon, l / H.
                        linked_per_day[side] = np.where(
                            linked, (with_link - without) / kept["held"][side], 0.0
                        )
                    s_ua, s_ru = np.where(linked, l_ua, s_ua), np.where(linked, l_ru, s_ru)
                s_ua, s_ru = self._regret(k, a, (s_ua, s_ru), kept, linked_per_day)
                dissatisfaction = np.maximum(
                    self.discontent["ukraine"][a, k], self.discontent["russia"][a, k]
                )
                h = self.hazard(k, term[agreed], a, dissatisfaction, m.day - self.start_day[a, k])
                broke = truce.breaks_down(h, self.uniforms[BREAK, k, a])
                expiring = ~broke & (m.day >= self.end_day[a, k])
                if expiring.any():
                    logit = world_column(m.params["talks.logit_scale"], a, m.worlds)
                    u_ua = preferences.chance(self.uniforms[ACCEPT_UA, k, a], logit)
                    u_ru = preferences.chance(self.uniforms[ACCEPT_RU, k, a], logit)
                    renew = (
                        preferences.accepts(s_ua, 0.0, u_ua)
                        & preferences.accepts(s_ru, 0.0, u_ru)
                        & (s_ua > 0)
                        & (s_ru > 0)
                    )
                    self.end_day[a[expiring & renew], k] = (
                        m.day + self._truce_days[term[agreed][expiring & renew]]
                    )
                    broke |= expiring & ~renew
                e = np.zeros(len(w), dtype=bool)
                e[agreed] = broke
                ended |= e
            if ended.any():
                self._end(w[ended], k, "ends")

    def concession_per_day(
        self, side: str, k: int, worlds: np.ndarray, linked_per_day: FloatArray | float = 0.0
    ) -> FloatArray:
        """``(n,)`` what ``side`` gives up under scope ``k``'s agreed truce, utility/day (>= 0).

        The worth of its own channels the truce pauses, a purpose it is worth less than nothing
        to, and a linked term it concedes (``linked_per_day``: ``l / H``, < 0 for the side that
        concedes it), per ``cost_tolerance``.
        """
        m = self.model
        scope = LIMITED[k]
        ch = m.channels
        given = np.zeros(len(worlds))
        for j in self._paused[k]:
            c = CHANNELS[j]
            if c.attacker == side:
                given = given + np.maximum(ch.expected_value(c.name, worlds), 0.0)
        purpose = world_column(self._p(scope.name, f"purpose_value_{side}"), worlds, m.worlds)
        given = given + np.maximum(-purpose, 0.0)
        tolerance = world_column(m.params[f"belligerents.{side}.cost_tolerance"], worlds, m.worlds)
        return given / tolerance + np.maximum(-np.asarray(linked_per_day, dtype=float), 0.0)

    def _regret(
        self,
        k: int,
        worlds: np.ndarray,
        surplus: tuple[FloatArray, FloatArray],
        kept: dict,
        linked_per_day: dict[str, FloatArray],
    ) -> tuple[FloatArray, FloatArray]:
        """Move each side's worth of scope ``k``'s agreed truces in ``worlds`` and its discontent.

        What a side gives up under a truce (:meth:`concession_per_day`, ``v``) is worth more or
        less to it as events outside the model unfold: its worth of the truce per day is
        ``w_t = S / E + v * x_t``, ``x_t`` a random walk begun at 0 with the truce, of daily s.d.
        ``partial_truces.worth_drift_sd`` (a side that gives up nothing has nothing to regret).
        Its discontent is ``d = max(-w_t / v, 0)``: the share of what it gives up that the truce
        no longer repays. ``d`` erodes what its channels under the truce let through
        (:func:`eroded_share`) and raises the hazard of an end (:meth:`hazard`).

        Returns:
            ``(n,)`` Ukraine's and Russia's surplus at the day's worth, ``E * w_t`` (the surplus
            itself where the walk is 0), by which each answers a renewal.
        """
        m = self.model
        sd = world_column(m.params["partial_truces.worth_drift_sd"], worlds, m.worlds)
        out = []
        for i, (side, s) in enumerate(zip(SIDES, surplus, strict=True)):
            held = np.maximum(kept["held"][side], 1e-12)
            given = self.concession_per_day(side, k, worlds, linked_per_day[side])
            drift = self.drift[side][worlds, k] + sd * self.shock(i, k, worlds)
            self.drift[side][worlds, k] = drift
            worth = s / held + given * drift
            gives = given > 0
            self.discontent[side][worlds, k] = np.where(
                gives, np.maximum(-worth, 0.0) / np.where(gives, given, 1.0), 0.0
            )
            out.append(held * worth)
        return out[0], out[1]

    def _leaked(self, k: int, worlds: np.ndarray) -> FloatArray:
        """``(n,)`` today's strikes and hits of the channels scope ``k`` pauses (its violations)."""
        ch = self.model.channels
        out = np.zeros(len(worlds))
        names = {CHANNELS[j].name for j in self._paused[k]}
        if "strikes" in names:
            out += ch.drones_per_day[worlds] + ch.missiles_per_day[worlds]
        if "refineries" in names:
            out += ch.refinery_hits[worlds]
        return out

    def _end(self, worlds: np.ndarray, k: int, how: str) -> None:
        m = self.model
        self.in_force[worlds, k] = False
        for side in SIDES:
            self.discontent[side][worlds, k] = 0.0
        self.end_day[worlds, k] = np.inf
        self.last_end_day[worlds, k] = m.day
        m.narrative.limited_end(worlds, LIMITED[k], how)

    # ---------------------------------------------------------------------------- outputs
    def first_partial_truce_day(self) -> FloatArray:
        """``(N,)`` day the first limited truce began (NaN if none)."""
        first = np.where(np.isnan(self.first_day), np.inf, self.first_day).min(axis=1)
        return np.where(np.isinf(first), np.nan, first)

    def first_partial_truce_scope(self) -> np.ndarray:
        """``(N,)`` scope of the first limited truce ("" if none; the first in scope order on a tie)."""
        filled = np.where(np.isnan(self.first_day), np.inf, self.first_day)
        names = np.asarray([*LIMITED_NAMES, ""], dtype=object)
        index = np.where(np.isinf(filled.min(axis=1)), len(LIMITED), filled.argmin(axis=1))
        return names[index]


def eroded_share(leak_share: FloatArray | float, discontent: FloatArray) -> FloatArray:
    """``(n,)`` share of a paused channel its attacker lets run at a discontent ``d``.

    ``leak + (1 - leak) * (1 - exp(-d))``: the truce's leak while the attacker gains from it
    (``d = 0``), rising towards the whole channel as it comes to lose a growing share of its
    stake (at ``d = 1``, 63% of the rest resumes).

    >>> float(eroded_share(0.05, np.zeros(1))[0])
    0.05
    >>> round(float(eroded_share(0.0, np.ones(1))[0]), 4)
    0.6321
    """
    leak = np.asarray(leak_share, dtype=float)
    return leak + (1.0 - leak) * -np.expm1(-np.maximum(np.asarray(discontent, dtype=float), 0.0))


class LinkedView:
    """What the valuation of a linked term reads of a side's view, in some of its rows.

    Taking a :class:`~ceasefire_sim.negotiation.preferences.SideView`'s rows copies each of its
    per-world arrays; a linked term reads one option's utility and one issue's war value.
    """

    __slots__ = ("rows", "view")

    def __init__(self, view: SideView, rows: np.ndarray) -> None:
        self.view = view
        self.rows = rows

    def subset(self, rows: np.ndarray) -> LinkedView:
        """The same side in some of these worlds (an index or a mask)."""
        return LinkedView(self.view, self.rows[rows])

    def column(self, index: int) -> FloatArray:
        """``(n,)`` the utility of option ``index`` (a column of ``option_utility``)."""
        return self.view.option_utility[self.rows, index]

    def war(self, issue: str) -> FloatArray | float:
        """The utility of the war status quo on ``issue`` (0 if it has none)."""
        value = self.view.war_by_issue.get(issue, 0.0)
        if isinstance(value, float):
            return value
        return value[self.rows] if np.ndim(value) > 0 else value


def _normal(uniform: FloatArray) -> FloatArray:
    """Standard normal quantiles of ``uniform`` (clipped to ``[1e-12, 1 - 1e-12]``)."""
    return special.ndtri(np.clip(uniform, 1e-12, 1 - 1e-12))


def _same(kept: np.ndarray, now: np.ndarray) -> bool:
    """Whether ``now`` holds what ``kept`` held: the same bits, or else ``np.array_equal``.

    Equal bits are checked first (one compiled loop that releases the GIL, instead of several
    numpy calls); what is computed from the same bits is the same, so a hit on them is always
    right.
    """
    return same_bits(kept, now) or np.array_equal(kept, now)
