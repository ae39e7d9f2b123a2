"""The outcome space as data: the issues, their options, and the packages they make.

An :class:`OutcomeSpace` lists the issues in a fixed order, each with its options. An option says
what it means, as data: its label, how long a truce lasts (``days``), which line of control a
territory option leaves (:class:`LineRule`) and which options of other issues it needs
(``requires``). Everything that depends on the options -- the scenario schema, the model, the
compiled kernels, the narrative, the plots and the app -- reads them from here, so an option is
added in one place: :data:`BUILT_IN` for the model's own options, or the scenario's
``outcome_space`` section (:meth:`OutcomeSpace.extended`).

A package takes one option per issue. A :class:`PackageSpace` is the set of packages on the table
(some issues may be limited to some options); package rows run over the options in
``itertools.product`` order (the last issue varies fastest).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np

FloatArray = np.ndarray

#: The rules a territory option's line may follow.
LINE_RULES = ("keep", "withdraw", "line_2022", "km2")
#: Issues whose options' hazard ratios are scenario settings under ``truce``, by issue.
HAZARD_RATIOS = {"truce": "truce.hazard_ratio_type", "guarantees": "truce.hazard_ratio_guarantees"}


@dataclass(frozen=True)
class LineRule:
    """The Russian-held area (km²) a territory option leaves, as one rule of :data:`LINE_RULES`.

    Attributes:
        rule: ``keep`` (today's line), ``withdraw`` (Ukraine hands over the unheld rest of
            ``region``), ``line_2022`` (back to the line of 24 February 2022, never beyond today's)
            or ``km2`` (a fixed area).
        region: For ``withdraw``: the region, read as ``territory.<region>_unheld_km2``.
        km2: For ``km2``: the area held by Russia after the deal, km².
    """

    rule: Literal["keep", "withdraw", "line_2022", "km2"] = "keep"
    region: str | None = None
    km2: float | None = None

    def parameter(self) -> str | None:
        """The scenario parameter the rule reads (None for ``keep`` and ``km2``)."""
        if self.rule == "withdraw":
            return f"territory.{self.region}_unheld_km2"
        if self.rule == "line_2022":
            return "territory.line_2022_km2"
        return None

    def line_km2(self, control_km2: FloatArray, value: float | FloatArray | None) -> FloatArray:
        """``(n,)`` the line after a deal, given today's ``control_km2`` and :meth:`parameter`."""
        if self.rule == "withdraw":
            return control_km2 + value
        if self.rule == "line_2022":
            return np.minimum(control_km2, value)
        if self.rule == "km2":
            return np.full_like(control_km2, float(self.km2))
        return control_km2


@dataclass(frozen=True)
class Option:
    """One option of an issue.

    Attributes:
        name: Key within its issue (``days_30``).
        label: Words for the narrative, the figures and the app.
        days: Truce options: days the fighting stops (None: indefinitely).
        line: Territory options: the line it leaves.
        requires: Issue -> options this option is valid only together with (any of them).
        hazard_ratio: Scenario parameter holding the option's hazard ratio of a breakdown
            (None: 1).
    """

    name: str
    label: str
    days: float | None = None
    line: LineRule | None = None
    requires: tuple[tuple[str, tuple[str, ...]], ...] = ()
    hazard_ratio: str | None = None


@dataclass(frozen=True)
class Issue:
    """An issue on the table.

    Attributes:
        name: Key (``truce``).
        options: Its options, in order.
        war_option: What fighting on means on this issue (None: no term, as for the truce).
    """

    name: str
    options: tuple[Option, ...]
    war_option: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The options' names in order."""
        return tuple(o.name for o in self.options)


@dataclass(frozen=True)
class OutcomeSpace:
    """Issues and options; ``truce`` and ``territory`` come first (the kernels' two axes).

    >>> space = OutcomeSpace((
    ...     Issue("truce", (Option("short", "short truce", days=30), Option("long", "no end"))),
    ...     Issue("territory", (Option("keep", "freeze", line=LineRule("keep")),)),
    ... ))
    >>> space.option_keys
    ('truce.short', 'truce.long', 'territory.keep')
    >>> space.truce_days().tolist()
    [30.0, inf]
    """

    issues: tuple[Issue, ...]

    def __hash__(self) -> int:
        return _kept_hash(self, (self.issues,))

    def __getstate__(self) -> dict:
        return _state_without_hash(self)

    def __post_init__(self) -> None:
        if [i.name for i in self.issues[:2]] != ["truce", "territory"]:
            raise ValueError("an outcome space starts with the issues truce and territory")
        for option in self.issues[1].options:
            if option.line is None:
                raise ValueError(f"territory option {option.name!r} has no line")

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The issues' names in order."""
        return tuple(i.name for i in self.issues)

    @cached_property
    def by_issue(self) -> dict[str, tuple[str, ...]]:
        """Issue -> its options' names, in order."""
        return {i.name: i.names for i in self.issues}

    @cached_property
    def option_keys(self) -> tuple[str, ...]:
        """``issue.option`` of every option, issue by issue (the columns of the option matrices)."""
        return tuple(f"{i.name}.{o.name}" for i in self.issues for o in i.options)

    @cached_property
    def option_index(self) -> dict[str, int]:
        """``issue.option`` -> its column."""
        return {k: j for j, k in enumerate(self.option_keys)}

    def issue(self, name: str) -> Issue:
        """The issue called ``name``."""
        return self.issues[self.names.index(name)]

    def option(self, key: str) -> Option:
        """The option ``issue.option``."""
        issue, name = key.split(".", 1)
        options = self.issue(issue)
        return options.options[options.names.index(name)]

    def label(self, key: str) -> str:
        """Words for the option ``issue.option`` (the key itself if unknown)."""
        return self.option(key).label if key in self.option_index else key

    @cached_property
    def war_status_quo(self) -> dict[str, str]:
        """Issue -> the option fighting on amounts to (issues that have one)."""
        return {i.name: i.war_option for i in self.issues if i.war_option is not None}

    def truce_days(self) -> FloatArray:
        """``(T,)`` days each truce option stops the fighting (``inf``: indefinitely)."""
        return np.array(
            [np.inf if o.days is None else float(o.days) for o in self.issues[0].options]
        )

    def lines_km2(
        self, control_km2: FloatArray, parameter: Callable[[str], float | FloatArray]
    ) -> FloatArray:
        """``(n, R)`` the line after a deal under each territory option.

        Args:
            control_km2: ``(n,)`` today's line.
            parameter: ``path -> value`` (float or ``(n,)``) of the parameters the rules read.
        """
        control_km2 = np.asarray(control_km2, dtype=float)
        columns = []
        for option in self.issues[1].options:
            path = option.line.parameter()
            columns.append(
                option.line.line_km2(control_km2, None if path is None else parameter(path))
            )
        return np.stack(columns, axis=-1)

    def extended(self, added: Mapping[str, Mapping[str, Any]] | None) -> OutcomeSpace:
        """This space with the options a scenario adds (``outcome_space`` section).

        Args:
            added: Issue -> option name -> its settings (``label``, ``days``, ``line``, ``region``,
                ``km2``, ``requires``), objects or dicts.
        """
        if not added:
            return self
        issues = []
        for issue in self.issues:
            new = []
            for name, config in (added.get(issue.name) or {}).items():

                def get(key: str, config: Any = config) -> Any:
                    if isinstance(config, Mapping):
                        return config.get(key)
                    return getattr(config, key, None)

                line = None
                if issue.name == "territory":
                    line = LineRule(get("line") or "keep", get("region"), get("km2"))
                requires = tuple((i, tuple(o)) for i, o in (get("requires") or {}).items())
                new.append(
                    Option(
                        name,
                        get("label") or name.replace("_", " "),
                        days=get("days"),
                        line=line,
                        requires=requires,
                        hazard_ratio=(
                            f"{HAZARD_RATIOS[issue.name]}.{name}"
                            if issue.name in HAZARD_RATIOS
                            else f"outcome_space.{issue.name}.{name}.hazard_ratio"
                        ),
                    )
                )
            issues.append(Issue(issue.name, issue.options + tuple(new), issue.war_option))
        return OutcomeSpace(tuple(issues))


def _options(issue: str, *rows: tuple[str, str, dict[str, Any]]) -> tuple[Option, ...]:
    """Options of a built-in issue from ``(name, label, settings)`` rows."""
    return tuple(
        Option(
            name,
            label,
            hazard_ratio=f"{HAZARD_RATIOS[issue]}.{name}" if issue in HAZARD_RATIOS else None,
            **kw,
        )
        for name, label, kw in rows
    )


#: Settlement terms belong to a lasting agreement: a fixed-term truce cannot carry them.
LASTING = {"requires": (("truce", ("indefinite",)),)}

#: The model's own issues and options. Recognition (de jure or de facto), withdrawals (all four
#: oblasts, or graded: the rest of Donetsk oblast with a freeze elsewhere), a moratorium,
#: neutrality and lifting sanctions settle the war and hold only in an indefinite ceasefire
#: (``LASTING``); a fixed-term truce carries a freeze, the NATO status quo, guarantees, phased
#: relief and the rules on aid, which fit a pause.
BUILT_IN = OutcomeSpace(
    (
        Issue(
            "truce",
            _options(
                "truce",
                ("days_30", "30-day truce", {"days": 30}),
                ("days_90", "90-day truce", {"days": 90}),
                ("indefinite", "indefinite ceasefire", {}),
            ),
        ),
        Issue(
            "territory",
            _options(
                "territory",
                ("freeze", "freeze at the line of contact", {"line": LineRule("keep")}),
                (
                    "recognition",
                    "Russian control recognised de jure",
                    {"line": LineRule("keep"), **LASTING},
                ),
                (
                    "ukraine_withdraws",
                    "Ukrainian withdrawal from the four oblasts",
                    {"line": LineRule("withdraw", region="four_oblasts"), **LASTING},
                ),
                (
                    "russia_withdraws",
                    "Russian withdrawal to the 24 Feb 2022 line",
                    {"line": LineRule("line_2022"), **LASTING},
                ),
                (
                    "donetsk_withdrawal",
                    "Ukrainian withdrawal from the rest of Donetsk oblast, freeze elsewhere",
                    {"line": LineRule("withdraw", region="donetsk"), **LASTING},
                ),
                (
                    "de_facto",
                    "Russian control recognised de facto, not in law",
                    {"line": LineRule("keep"), **LASTING},
                ),
            ),
        ),
        Issue(
            "nato",
            _options(
                "nato",
                ("path_open", "NATO membership path open", {}),
                ("moratorium", "NATO moratorium", LASTING),
                ("neutrality", "permanent NATO exclusion", LASTING),
            ),
            war_option="path_open",
        ),
        Issue(
            "guarantees",
            _options(
                "guarantees",
                ("none", "no security guarantees", {}),
                ("european_force", "European reassurance force", {}),
                ("us_backed", "US-backed guarantee", {}),
            ),
            war_option="none",
        ),
        Issue(
            "sanctions",
            _options(
                "sanctions",
                ("maintained", "sanctions maintained", {}),
                ("phased_relief", "phased sanctions relief", {}),
                ("lifted", "sanctions lifted", LASTING),
            ),
            war_option="maintained",
        ),
        Issue(
            "aid_during_truce",
            _options(
                "aid_during_truce",
                ("continues", "aid continues during the truce", {}),
                ("frozen", "aid frozen during the truce", {}),
            ),
            war_option="continues",
        ),
    )
)


@dataclass(frozen=True)
class PackageSpace:
    """The packages that can be put on the table.

    Attributes:
        outcome: The outcome space.
        options: For each issue (in ``outcome`` order), the options on the table.
    """

    outcome: OutcomeSpace = BUILT_IN
    options: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())

    def __hash__(self) -> int:
        return _kept_hash(self, (self.outcome, self.options))

    def __getstate__(self) -> dict:
        return _state_without_hash(self)

    def __post_init__(self) -> None:
        if not self.options:
            object.__setattr__(self, "options", tuple(self.outcome.by_issue.items()))

    @classmethod
    def full(cls, outcome: OutcomeSpace = BUILT_IN) -> PackageSpace:
        """Every package of ``outcome``."""
        return cls(outcome)

    @classmethod
    def restricted(
        cls, on_table: dict[str, list[str]] | None, outcome: OutcomeSpace = BUILT_IN
    ) -> PackageSpace:
        """The space with some issues limited to the given options.

        Args:
            on_table: Issue -> allowed options; issues not named keep all options.
            outcome: The outcome space.
        """
        on_table = on_table or {}
        return cls(
            outcome, tuple((i, tuple(on_table.get(i, o))) for i, o in outcome.by_issue.items())
        )

    @cached_property
    def choices(self) -> np.ndarray:
        """``(P, n_issues)`` index of each package's option within each issue (outcome order)."""
        by_issue = self.outcome.by_issue
        per_issue = [[by_issue[i].index(o) for o in opts] for i, opts in self.options]
        return np.array(list(itertools.product(*per_issue)), dtype=np.int16)

    @cached_property
    def matrix(self) -> np.ndarray:
        """``(P, K)`` 0/1 matrix: package ``j`` takes option ``k``."""
        X = np.zeros((len(self.choices), len(self.outcome.option_keys)), dtype=np.float64)
        X[np.arange(len(self.choices))[:, None], self.package_columns] = 1.0
        return X

    @cached_property
    def package_columns(self) -> np.ndarray:
        """``(P, n_issues)`` column of ``option_keys`` that each package takes on each issue."""
        sizes = [len(o) for o in self.outcome.by_issue.values()]
        offsets = np.cumsum([0, *sizes[:-1]])
        return self.choices.astype(np.int64) + offsets[None, :]

    @cached_property
    def option_columns(self) -> tuple[np.ndarray, ...]:
        """Per issue, the ``option_keys`` columns of its options on the table."""
        index = self.outcome.option_index
        return tuple(
            np.array([index[f"{i}.{o}"] for o in opts], dtype=np.int64) for i, opts in self.options
        )

    def issue_options(self, issue: str) -> np.ndarray:
        """Indices (within the issue's options) of the options of ``issue`` on the table."""
        opts = dict(self.options)[issue]
        names = self.outcome.by_issue[issue]
        return np.array([names.index(o) for o in opts], dtype=np.int64)

    @property
    def size(self) -> int:
        """Number of packages ``P``."""
        return len(self.choices)

    def issue_choice(self, issue: str) -> np.ndarray:
        """``(P,)`` index of the option each package takes on ``issue``."""
        return self.choices[:, self.outcome.names.index(issue)]

    def has(self, key: str) -> np.ndarray:
        """``(P,)`` whether each package takes the option ``issue.option``."""
        return self.matrix[:, self.outcome.option_index[key]] > 0

    @cached_property
    def valid(self) -> np.ndarray:
        """``(P,)`` packages whose options meet every option's ``requires`` constraint."""
        ok = np.ones(self.size, dtype=bool)
        for key in self.outcome.option_keys:
            option = self.outcome.option(key)
            for issue, allowed in option.requires:
                together = np.zeros(self.size, dtype=bool)
                for other in allowed:
                    together |= self.has(f"{issue}.{other}")
                ok &= ~self.has(key) | together
        return ok

    def index_of(self, package: dict[str, str]) -> int:
        """Row of the package with the given options (issue -> option)."""
        by_issue = self.outcome.by_issue
        target = np.array([by_issue[i].index(package[i]) for i in by_issue], dtype=np.int16)
        hits = np.flatnonzero((self.choices == target).all(axis=1))
        if len(hits) == 0:
            raise KeyError(f"package {package} is not in the package space")
        return int(hits[0])

    def with_option(self, rows: np.ndarray, issue: str, option: str) -> np.ndarray:
        """For each package row, the row differing only in ``issue`` taking ``option`` (-1 if absent)."""
        target = self.choices[rows].astype(np.int64)
        target[:, self.outcome.names.index(issue)] = self.outcome.by_issue[issue].index(option)
        lookup = {tuple(c): r for r, c in enumerate(self.choices.tolist())}
        return np.array([lookup.get(tuple(t), -1) for t in target.tolist()], dtype=np.int64)

    def describe(self, row: int) -> dict[str, str]:
        """Issue -> option of package ``row``."""
        by_issue = self.outcome.by_issue
        return {i: by_issue[i][self.choices[row, c]] for c, i in enumerate(by_issue)}

    def labels(self, row: int) -> dict[str, str]:
        """Issue -> words for the option package ``row`` takes."""
        return {i: self.outcome.label(f"{i}.{o}") for i, o in self.describe(row).items()}


def _kept_hash(space: OutcomeSpace | PackageSpace, fields: tuple) -> int:
    """The hash a frozen dataclass gives ``fields``, computed once per object.

    Functions cached per space hash it on every call (dozens of times a day); the options it
    nests are hashed field by field in Python, so the hash is kept (the object cannot change).
    """
    kept = space.__dict__.get("_hash")
    if kept is None:
        kept = hash(fields)
        object.__setattr__(space, "_hash", kept)
    return kept


def _state_without_hash(space: OutcomeSpace | PackageSpace) -> dict:
    """The object's attributes without its kept hash (string hashes differ between processes)."""
    return {k: v for k, v in space.__dict__.items() if k != "_hash"}
