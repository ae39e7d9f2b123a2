"""Checks of durability inside the choice, of threats carried out and of graded territory.

Yardsticks (reported and counted, never failing ``make validate``) on the baseline run with the
report's seed and the lever audit's worlds, over every general ceasefire agreed (the model's
deal log, :meth:`~ceasefire_sim.model.model.CeasefireModel.deals`), not only each world's first
or last:

- the empirical breakdown hazard of general ceasefires in their days 0-30 exceeds that in their
  days 180-365 (Poisson interval of the difference excludes 0): the hazard falls with time;
- at most 10% of general ceasefires give NATO neutrality with no security guarantee while a
  package with a guarantee could be proposed;
- at most 5% of worlds have three or more general ceasefires within the year;
- the US carries out threats in some worlds, and an executed aid cut moves the front in those
  worlds (paired against the same run in which the cut holds nothing back,
  ``mediator.aid_cut_share = 0``: the interval of the mean difference of ``control_change_km2``
  excludes 0);
- the graded (``donetsk_withdrawal``) and the de facto (``de_facto``) territory options each
  appear in at least 1% of general ceasefires.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from mesa import Agent

from ceasefire_sim.api import simulate
from ceasefire_sim.model.model import CeasefireModel
from ceasefire_sim.scenario.loader import load_scenario
from ceasefire_sim.validation import BASELINE, Check, ValidationConfig

SECTION = "bargaining"
#: Windows of a ceasefire's life (days since it began) whose breakdown hazards are compared.
EARLY, LATE = (0.0, 30.0), (180.0, 365.0)
GRADED, DE_FACTO = "donetsk_withdrawal", "de_facto"


def window_hazard(deals: pd.DataFrame, window: tuple[float, float]) -> tuple[float, int, float]:
    """Breakdowns per ceasefire-day in a window of the ceasefires' lives.

    Args:
        deals: The deal log (``duration_days``, ``broke_down``), one row per ceasefire.
        window: ``[a, b)`` days since a ceasefire began.

    Returns:
        ``(hazard per day, breakdowns in the window, ceasefire-days exposed in it)``.
    """
    a, b = window
    held = deals["duration_days"].to_numpy(dtype=float)
    exposure = float(np.clip(np.minimum(held, b) - a, 0.0, None).sum())
    broke = deals["broke_down"].to_numpy(dtype=bool) & (held >= a) & (held < b)
    events = int(broke.sum())
    return (events / exposure if exposure > 0 else np.nan), events, exposure


def hazard_difference(deals: pd.DataFrame) -> tuple[float, float, float, dict[str, Any]]:
    """Early minus late breakdown hazard with its 95% interval (Poisson counts, per day)."""
    h1, e1, x1 = window_hazard(deals, EARLY)
    h2, e2, x2 = window_hazard(deals, LATE)
    if not (x1 > 0 and x2 > 0):
        return np.nan, np.nan, np.nan, {}
    se = float(np.sqrt(e1 / x1**2 + e2 / x2**2))
    d = h1 - h2
    figures = {"early": (h1, e1, x1), "late": (h2, e2, x2)}
    return d, d - 1.96 * se, d + 1.96 * se, figures


def aid_cut_effect(
    scenario: Any, worlds: int, seed: int, days: int | None
) -> tuple[int, float, float, float]:
    """Paired effect of an executed aid cut on ``control_change_km2`` in the worlds it hit.

    The baseline against the same run with ``mediator.aid_cut_share = 0`` (a cut that holds
    nothing back; the threat, its execution and what the sides expect are the same).

    Returns:
        ``(worlds with an executed cut, mean difference, ci_low, ci_high)`` in km².
    """
    run = dict(worlds=worlds, seed=seed, days=days, narrative_worlds=0)
    base = simulate(scenario, **run).outcomes
    hollow = simulate(scenario, overrides={"mediator.aid_cut_share": 0.0}, **run).outcomes
    cut = base["threats_executed_ukraine"].to_numpy() > 0
    d = (base["control_change_km2"] - hollow["control_change_km2"]).to_numpy(dtype=float)[cut]
    if len(d) < 2:
        return int(cut.sum()), np.nan, np.nan, np.nan
    se = float(d.std(ddof=1) / np.sqrt(len(d)))
    m = float(d.mean())
    return int(cut.sum()), m, m - 1.96 * se, m + 1.96 * se


def run_durability(
    config: ValidationConfig | None = None, scenario_path: str | Path = BASELINE
) -> tuple[list[Check], dict[str, Any]]:
    """Run the checks of this module; returns them and their figures."""
    config = config or ValidationConfig()
    n, seed, days = config.lever_worlds, config.seed, config.days
    scenario = load_scenario(scenario_path)
    model = CeasefireModel(scenario, worlds=n, seed=seed, days=days, narrative_worlds=0)
    model.run()
    Agent._ids.pop(model, None)
    deals = model.deals()
    data: dict[str, Any] = {"worlds": n, "deals": len(deals)}
    checks: list[Check] = []

    d, lo, hi, figures = hazard_difference(deals)
    data["hazard"] = (d, lo, hi, figures)
    early, late = figures.get("early"), figures.get("late")
    shown = (
        f"{early[0]:.4f}/d ({early[1]} of {early[2]:,.0f} d) vs {late[0]:.4f}/d "
        f"({late[1]} of {late[2]:,.0f} d); {d:+.4f} [{lo:+.4f}, {hi:+.4f}]"
        if figures
        else "no ceasefire reached day 180"
    )
    checks.append(
        Check(
            SECTION,
            "Breakdown hazard of general ceasefires, days 0-30 vs 180-365",
            shown,
            "higher early (interval excludes 0)",
            bool(lo > 0),
            "every ceasefire of the baseline run: breakdowns (not expiries) per ceasefire-day in "
            "each window of its life; Poisson interval of the difference (Fortna 2004: the "
            "hazard falls with time)",
        )
    )

    on_table = deals["guarantee_on_table"].to_numpy(dtype=bool)
    bare_neutral = (
        (deals["terms_nato"] == "neutrality") & (deals["terms_guarantees"] == "none")
    ).to_numpy()
    share = float(np.sum(bare_neutral & on_table) / len(deals)) if len(deals) else np.nan
    data["bare_neutrality"] = share
    checks.append(
        Check(
            SECTION,
            "NATO neutrality with no guarantee while a guarantee is on the table",
            f"{share:.1%} of {len(deals)} general ceasefires "
            f"(and {int(np.sum(bare_neutral & ~on_table))} where no guarantee could be proposed)",
            "at most 10%",
            bool(share <= 0.10),
            "every ceasefire agreed in the baseline run; 64% of version 1's deals gave "
            "neutrality with no guarantee, against Kyiv's stated conditions",
        )
    )

    many = float(np.mean(model.ceasefires >= 3))
    data["three_or_more"] = many
    checks.append(
        Check(
            SECTION,
            "Worlds with three or more general ceasefires within the year",
            f"{many:.1%}",
            "at most 5%",
            bool(many <= 0.05),
            "baseline; in version 1, 23% of worlds cycled through two or more",
        )
    )

    executed_ua = model.mediator.threats_executed["ukraine"] > 0
    executed_ru = model.mediator.threats_executed["russia"] > 0
    data["threats"] = (float(executed_ua.mean()), float(executed_ru.mean()))
    cut_worlds, m, clo, chi = aid_cut_effect(scenario, n, seed, days)
    data["aid_cut"] = (cut_worlds, m, clo, chi)
    checks.append(
        Check(
            SECTION,
            "Threats carried out, and an executed aid cut moves the front",
            f"aid cut in {executed_ua.mean():.1%} of worlds, sanctions in {executed_ru.mean():.1%}; "
            f"control_change_km2 {m:+,.0f} [{clo:+,.0f}, {chi:+,.0f}] km² in the {cut_worlds} "
            "worlds with a cut",
            "some of each; the interval excludes 0",
            bool(executed_ua.any() and executed_ru.any() and (clo > 0 or chi < 0)),
            "paired against the same run with mediator.aid_cut_share = 0 (the cut holds nothing "
            "back; the threat, its execution and what the sides expect are the same)",
        )
    )

    territory = deals["terms_territory"]
    graded = float(np.mean(territory == GRADED)) if len(deals) else np.nan
    de_facto = float(np.mean(territory == DE_FACTO)) if len(deals) else np.nan
    data["territory"] = (graded, de_facto)
    checks.append(
        Check(
            SECTION,
            "Graded and de facto territory options in general ceasefires",
            f"withdrawal from the rest of Donetsk {graded:.1%}, de facto recognition {de_facto:.1%}",
            "each at least 1%",
            bool(graded >= 0.01 and de_facto >= 0.01),
            "every ceasefire agreed in the baseline run (terms_territory)",
        )
    )
    return checks, data
