"""The classroom's debrief: the front by region, runs compared, many futures beside one story.

Plain functions of a model (or two), which the app (:mod:`ceasefire_sim.app`) shows and the tests
check without a browser:

- :func:`region_control` and :func:`front_map_svg`: a schematic map of the front, the Russian-held
  share of each region;
- :func:`run_summary`, :func:`runs_csv` and :func:`log_csv`: what a run came to, a table of runs
  and the decision log as CSV files;
- :func:`compare_settings`: two lever settings over the same many futures, side by side;
- :func:`distribution_html`: where the one world watched falls among many futures.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ceasefire_sim.model.model import STATUS_NAMES, CeasefireModel

# --------------------------------------------------------------------------- the front map
#: The regions of the map: (name, area km², share held by Russia on the map's day 0, column,
#: row of the schematic grid). Areas and shares as in ``docs/sources.md`` (oblast shares of
#: December 2024; Crimea, with Sevastopol, about 27,000 km² and wholly held since 2014).
REGIONS: tuple[tuple[str, float, float, int, int], ...] = (
    ("Luhansk", 26_684.0, 0.99, 3, 0),
    ("Donetsk", 26_517.0, 0.70, 3, 1),
    ("Zaporizhzhia", 27_183.0, 0.74, 2, 1),
    ("Kherson", 28_461.0, 0.72, 1, 1),
    ("Crimea", 27_000.0, 1.00, 1, 2),
)
#: Where the model's net gains go, first to last: the front of 2024-25 moved mostly in Donetsk.
#: Past the four oblasts, gains fall in "beyond" (Kharkiv, Dnipropetrovsk and the rest).
GAIN_ORDER = ("Donetsk", "Zaporizhzhia", "Kherson", "Luhansk")
BEYOND = "beyond the four oblasts"
MAP_RULE = (
    "Schematic: the model's front is one area, not a map. Each region starts at its share held "
    "in December 2024 (scaled to the scenario's Russian-held area on day 0); the model's net "
    "change since day 0 is placed in Donetsk first, then Zaporizhzhia, Kherson and Luhansk (a "
    "retreat is taken back in the same order), and after that elsewhere in Ukraine."
)


def region_control(control_km2: float, control_day0_km2: float) -> dict[str, tuple[float, float]]:
    """Russian-held area by region for a total held area, by the map's rule (:data:`MAP_RULE`).

    Args:
        control_km2: Area held by Russia now, km².
        control_day0_km2: Area held on day 0, km² (the map's day-0 holdings are scaled to it).

    Returns:
        Region -> (held km², area km²), the regions of :data:`REGIONS` and :data:`BEYOND` (whose
        area is the rest of Ukraine, 603,550 km² less the five regions). The held areas sum to
        ``control_km2`` (unless it exceeds the whole country).
    """
    ukraine_km2 = 603_550.0
    held0 = {name: area * share for name, area, share, _, _ in REGIONS}
    scale = control_day0_km2 / sum(held0.values()) if sum(held0.values()) else 1.0
    area = {name: a for name, a, _, _, _ in REGIONS}
    held = {name: min(area[name], h * scale) for name, h in held0.items()}
    beyond_area = ukraine_km2 - sum(area.values())
    beyond = max(0.0, control_day0_km2 - sum(held.values()))
    change = float(control_km2) - float(control_day0_km2)
    if change >= 0:
        for name in GAIN_ORDER:
            take = min(change, area[name] - held[name])
            held[name] += take
            change -= take
        beyond += change
    else:
        loss = -change
        take = min(loss, beyond)
        beyond -= take
        loss -= take
        for name in GAIN_ORDER:
            take = min(loss, held[name])
            held[name] -= take
            loss -= take
    out = {name: (held[name], area[name]) for name in area}
    out[BEYOND] = (min(beyond, beyond_area), beyond_area)
    return out


def front_map_svg(model: CeasefireModel, theme: dict[str, str]) -> str:
    """The schematic map: a tile per region, filled up to its Russian-held share.

    Args:
        model: The model; with one world the map is world 0's, with many the median's.
        theme: The page's colours (``fg``, ``bg``, ``muted``, ``panel``).

    Returns:
        An ``<svg>`` element with a tile per region (class ``region``, ``data-region`` and
        ``data-share`` = held share from 0 to 1) and a caption.
    """
    from ceasefire_sim.model.recorder import QUANTITIES
    from ceasefire_sim.plots import ACTOR_COLOURS

    q = model.recorder.quantiles[QUANTITIES.index("control_km2")]
    now, day0 = float(q[model.day, 2]), float(q[0, 2])
    regions = region_control(now, day0)
    w, h, gap = 112, 64, 8
    tiles = []
    places = {name: (col, row) for name, _, _, col, row in REGIONS}
    places[BEYOND] = (2, 0)
    colour = ACTOR_COLOURS["russia"]
    for name, (held, area) in regions.items():
        col, row = places[name]
        x, y = col * (w + gap) - w + 4, row * (h + 44) + 4
        share = held / area if area else 0.0
        fill_h = h * share
        label = name if name != BEYOND else "elsewhere"
        shown = f"{100 * share:.1f}%" if name == BEYOND else f"{100 * share:.0f}%"
        tiles.append(
            f'<g class="region" data-region="{html.escape(name)}" data-share="{share:.4f}">'
            f"<title>{html.escape(name)}: {held:,.0f} of {area:,.0f} km² held by Russia</title>"
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{theme["bg"]}" '
            f'stroke="{theme["muted"]}"/>'
            f'<rect x="{x}" y="{y + h - fill_h:.1f}" width="{w}" height="{fill_h:.1f}" '
            f'fill="{colour}" opacity="0.85"/>'
            f'<text x="{x + w / 2}" y="{y + h + 17}" text-anchor="middle" fill="{theme["fg"]}" '
            f'font-size="16">{html.escape(label)}</text>'
            f'<text x="{x + w / 2}" y="{y + h + 35}" text-anchor="middle" fill="{theme["fg"]}" '
            f'font-size="16" font-weight="600">{shown}</text></g>'
        )
    who = "world 0" if model.worlds == 1 else f"the median of {model.worlds} futures"
    width, height = 3 * (w + gap) + 8, 3 * (h + 44) + 4
    return (
        f'<svg class="front-map" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px" role="img" aria-label="Schematic map of the front, {who}">'
        + "".join(tiles)
        + "</svg>"
    )


# ------------------------------------------------------------------------------ a run's end
@dataclass(frozen=True)
class RunSummary:
    """What a run came to (at the day it reached).

    Attributes:
        label: Its lever setting in words.
        worlds: Worlds run.
        seed: Seed of its futures.
        day: Day reached.
        ever_ceasefire: Share of worlds that reached a ceasefire (0-1).
        at_war: Share of worlds at war on the day reached (0-1).
        first_ceasefire_day: Median first ceasefire day over the worlds that reached one (NaN if
            none did).
        control_km2: Median Russian-held area on the day reached, km².
        casualties: Median casualties so far (Ukraine, Russia).
        world0: World 0's status on the day reached.
    """

    label: str
    worlds: int
    seed: int
    day: int
    ever_ceasefire: float
    at_war: float
    first_ceasefire_day: float
    control_km2: float
    casualties: tuple[float, float]
    world0: str


def run_summary(model: CeasefireModel, label: str | None = None) -> RunSummary:
    """Summarise a run at the day it reached."""
    if label is None:
        levers = getattr(model, "levers", None)
        changes = levers.changes() if levers is not None else []
        label = "; ".join(changes) if changes else "as in the scenario"
    first = model.first_ceasefire_day[~np.isnan(model.first_ceasefire_day)]
    status = model.status()
    return RunSummary(
        label=label,
        worlds=int(model.worlds),
        seed=int(model.seed),
        day=int(model.day),
        ever_ceasefire=float(np.mean(model.ever_ceasefire)),
        at_war=float(np.mean(status == STATUS_NAMES.index("war"))),
        first_ceasefire_day=float(np.median(first)) if len(first) else float("nan"),
        control_km2=float(np.median(model.control_km2)),
        casualties=(
            float(np.median(model.ukraine.casualties)),
            float(np.median(model.russia.casualties)),
        ),
        world0=STATUS_NAMES[int(status[0])],
    )


RUN_COLUMNS = (
    "run",
    "levers",
    "worlds",
    "seed",
    "day reached",
    "share ever in a ceasefire",
    "share at war",
    "median first ceasefire day",
    "median Russian-held km2",
    "median casualties Ukraine",
    "median casualties Russia",
    "world 0",
)


def run_row(k: int, r: RunSummary) -> list[Any]:
    """One row of the runs table (the columns of :data:`RUN_COLUMNS`)."""
    first = "" if np.isnan(r.first_ceasefire_day) else f"{r.first_ceasefire_day:.0f}"
    return [
        k,
        r.label,
        r.worlds,
        r.seed,
        r.day,
        f"{r.ever_ceasefire:.3f}",
        f"{r.at_war:.3f}",
        first,
        f"{r.control_km2:.0f}",
        f"{r.casualties[0]:.0f}",
        f"{r.casualties[1]:.0f}",
        r.world0,
    ]


def _csv(header: tuple[str, ...] | list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def runs_csv(runs: list[RunSummary]) -> str:
    """The runs as a CSV file (a header row, then a row per run, numbered from 1)."""
    return _csv(RUN_COLUMNS, [run_row(k, r) for k, r in enumerate(runs, start=1)])


LOG_COLUMNS = ("day", "date", "world", "actor", "kind", "text", "why")


def log_csv(model: CeasefireModel) -> str:
    """The whole decision log (the narrated worlds) as a CSV file, oldest first."""
    rows = [
        [d, date, w, a or "", k, t, why or ""] for d, date, w, a, k, t, why in model.narrative.rows
    ]
    return _csv(LOG_COLUMNS, rows)


# --------------------------------------------------------------------- two settings, many worlds
@dataclass(frozen=True)
class Comparison:
    """Two lever settings run over the same futures (the same seed) to the horizon.

    Attributes:
        a: Setting A's summary.
        b: Setting B's summary.
        at_war: Share of worlds at war by day, ``(days + 1, 2)`` for A and B.
        control_end_km2: Russian-held area at the horizon per world, ``(worlds, 2)``.
        first_ceasefire_day: First ceasefire day per world (NaN if none), ``(worlds, 2)``.
    """

    a: RunSummary
    b: RunSummary
    at_war: np.ndarray
    control_end_km2: np.ndarray
    first_ceasefire_day: np.ndarray


def run_to_horizon(model: CeasefireModel) -> CeasefireModel:
    """Step ``model`` to its horizon (the model plays every role) and return it."""
    while model.running and model.day < model.days:
        model.step()
    return model


def compare_settings(
    factory: Callable[..., CeasefireModel],
    params_a: dict[str, Any],
    params_b: dict[str, Any],
    label_a: str,
    label_b: str,
) -> Comparison:
    """Run settings A and B to the horizon and put them side by side.

    Args:
        factory: Builds a model from keyword arguments (the app's ``ClassroomModel``).
        params_a: Setting A's keyword arguments (worlds and seed included; B should have the
            same, so that both run the same futures).
        params_b: Setting B's.
        label_a: A's name in the table.
        label_b: B's name.
    """
    runs = []
    for params in (params_a, params_b):
        model = run_to_horizon(factory(**params))
        war = STATUS_NAMES.index("war")
        traj = model.recorder.trajectories
        at_war = (
            np.mean(traj["status"] == war, axis=1)
            if traj is not None
            else model.recorder.shares[:, war]
        )
        runs.append((model, at_war, model.control_km2.copy(), model.first_ceasefire_day.copy()))
    (ma, wa, ca, fa), (mb, wb, cb, fb) = runs
    return Comparison(
        a=run_summary(ma, label_a),
        b=run_summary(mb, label_b),
        at_war=np.column_stack([wa, wb]),
        control_end_km2=np.column_stack([ca, cb]),
        first_ceasefire_day=np.column_stack([fa, fb]),
    )


def comparison_html(c: Comparison) -> str:
    """The two settings side by side: a table of what each came to."""

    def pct(x: float) -> str:
        return f"{100 * x:.0f}%"

    def day(x: float) -> str:
        return "none" if np.isnan(x) else f"day {x:.0f}"

    def spread(col: int) -> str:
        lo, hi = np.percentile(c.control_end_km2[:, col], [5, 95]) / 1000
        return f"{np.median(c.control_end_km2[:, col]) / 1000:,.1f} ({lo:,.1f}-{hi:,.1f})"

    rows = [
        ("setting", html.escape(c.a.label), html.escape(c.b.label)),
        ("futures that reached a ceasefire", pct(c.a.ever_ceasefire), pct(c.b.ever_ceasefire)),
        ("at war at the end", pct(c.a.at_war), pct(c.b.at_war)),
        ("median first ceasefire", day(c.a.first_ceasefire_day), day(c.b.first_ceasefire_day)),
        ("Russian-held, thousand km² (5-95%)", spread(0), spread(1)),
        (
            "median casualties (Ukraine / Russia)",
            f"{c.a.casualties[0]:,.0f} / {c.a.casualties[1]:,.0f}",
            f"{c.b.casualties[0]:,.0f} / {c.b.casualties[1]:,.0f}",
        ),
    ]
    body = "".join(
        f"<tr><th>{k}</th><td class='setting-a'>{a}</td><td class='setting-b'>{b}</td></tr>"
        for k, a, b in rows
    )
    return (
        f'<table class="comparison"><tr><th></th><th>A</th><th>B</th></tr>{body}</table>'
        f'<div class="muted">{c.a.worlds} futures each, seed {c.a.seed}: the same futures, so a '
        "difference is the levers' doing, not luck.</div>"
    )


def distribution_html(
    values_km2: np.ndarray, story_km2: float | None, story_label: str = "world 0"
) -> str:
    """Where one story falls among many futures: the Russian-held area at the horizon.

    Args:
        values_km2: Russian-held area at the horizon in each of the many futures, ``(worlds,)``.
        story_km2: The one world's area at the horizon (None: no story run to the end yet).
        story_label: What to call the one world.

    Returns:
        A sentence and a small histogram (``<svg class="distribution">``, a bar per bin and a
        line at the story's value).
    """
    v = np.asarray(values_km2, dtype=float) / 1000.0
    lo, hi = float(v.min()), float(v.max())
    if story_km2 is not None:
        lo, hi = min(lo, story_km2 / 1000), max(hi, story_km2 / 1000)
    hi = hi if hi > lo else lo + 1.0
    bins = 20
    counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
    width, height = 300, 80
    bar = width / bins
    top = max(int(counts.max()), 1)
    bars = "".join(
        f'<rect x="{k * bar:.1f}" y="{height - height * n / top:.1f}" width="{bar - 1:.1f}" '
        f'height="{height * n / top:.1f}" fill="#E69F00"><title>{edges[k]:,.1f}-{edges[k + 1]:,.1f}'
        f" thousand km²: {n} futures</title></rect>"
        for k, n in enumerate(counts)
    )
    words = (
        f"Russian-held area at the end over {len(v)} futures: median {np.median(v):,.1f}, 5-95% "
        f"{np.percentile(v, 5):,.1f}-{np.percentile(v, 95):,.1f} thousand km²."
    )
    marker = ""
    if story_km2 is not None:
        s = story_km2 / 1000
        below = float(np.mean(v < s))
        x = (s - lo) / (hi - lo) * width
        marker = (
            f'<line class="story" x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height}" '
            'stroke="currentColor" stroke-width="2" stroke-dasharray="4 2"/>'
        )
        words += (
            f" The story watched ({html.escape(story_label)}) ends at {s:,.1f}: "
            f"{100 * below:.0f}% of the futures end lower."
        )
    return (
        f'<div class="distribution-words">{words}</div>'
        f'<svg class="distribution" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px" role="img" aria-label="Histogram of the futures">'
        f"{bars}{marker}</svg>"
        f'<div class="muted">{lo:,.1f} to {hi:,.1f} thousand km²; the dashed line is the story.</div>'
    )
