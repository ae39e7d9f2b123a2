"""The scenario format: pydantic v2 models, ``extra="forbid"`` everywhere.

Every numeric field is a :func:`~ceasefire_sim.scenario.params.Num` (a number, a number with its
evidence, or a per-world distribution) with an allowed range. Defaults are the baseline's values
where a source gives them and documented assumptions otherwise; ``docs/model.md`` lists them all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ceasefire_sim.negotiation.space import BUILT_IN, LINE_RULES, OutcomeSpace
from ceasefire_sim.scenario.params import Evidence, Num, Param, fixed
from ceasefire_sim.scenario.partial import PartialTrucesConfig

#: The 31 NATO allies other than the United States (the mediator), in the order of the agents.
NATO_ALLIES: tuple[str, ...] = (
    "albania", "belgium", "bulgaria", "canada", "croatia", "czechia", "denmark", "estonia",
    "finland", "france", "germany", "greece", "hungary", "iceland", "italy", "latvia",
    "lithuania", "luxembourg", "montenegro", "netherlands", "north_macedonia", "norway",
    "poland", "portugal", "romania", "slovakia", "slovenia", "spain", "sweden", "turkiye",
    "united_kingdom",
)  # fmt: skip

BELLIGERENTS: tuple[str, ...] = ("ukraine", "russia")


class Strict(BaseModel):
    """Base of all scenario sections: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _outcome(info: ValidationInfo | None) -> OutcomeSpace:
    """The outcome space the document being validated defines (the built-in one by default)."""
    context = info.context if info is not None else None
    return (context or {}).get("outcome", BUILT_IN)


def _check_option_keys(
    keys: list[str] | dict[str, object], what: str, info: ValidationInfo | None = None
) -> None:
    known = _outcome(info).option_keys
    bad = [k for k in keys if k not in known]
    if bad:
        raise ValueError(f"unknown {what} {bad}; options are {', '.join(known)}")


class TerritoryConfig(Strict):
    """Territory of Ukraine (internationally recognised borders) and the line of contact."""

    ukraine_area_km2: Num(gt=0) = Field(
        fixed(603_550), description="Ukraine's area, km² (incl. Crimea)."
    )
    control_km2: Num(ge=0) = Field(fixed(112_400), description="Area held by Russia on day 0, km².")
    donetsk_unheld_km2: Num(ge=0) = Field(
        fixed(7_900, "Donetsk oblast (26,517 km²) x the 30% not held in Dec 2024"),
        description="Part of Donetsk oblast not held by Russia on day 0, km².",
    )
    four_oblasts_unheld_km2: Num(ge=0) = Field(
        fixed(23_000, "Donetsk, Luhansk, Zaporizhzhia, Kherson areas x (1 - share held)"),
        description="Part of the four claimed oblasts not held by Russia on day 0, km².",
    )
    line_2022_km2: Num(ge=0) = Field(
        fixed(43_000, "Crimea (27,000 km²) plus the areas of Donetsk and Luhansk held before 2022"),
        description="Area held by Russia before the full-scale invasion (23 February 2022), km²: "
        "the line a Russian withdrawal returns to (a case starting earlier gives the line held "
        "before its own start).",
    )


class FrontReference(Strict):
    """The reference state the front's constants are derived from, once (13 March 2025).

    The gain scale, the materiel attrition of each side, the force ratio casualties are measured
    against and the US aid Europe's compensation is measured against are computed from these
    values, not from a scenario's own day-0 state: a variant, ``--set``, a sweep or an event that
    changes a force, a budget or aid then moves the front as it would after day 0.
    """

    ukraine_personnel: Num(gt=0) = Field(
        fixed(800_000), description="Ukraine's troops in the theatre in the reference state."
    )
    ukraine_materiel_bn: Num(gt=0) = Field(
        fixed(60), description="Ukraine's equipment stock in the reference state, US$ bn."
    )
    ukraine_materiel_inflow_bn_per_year: Num(gt=0) = Field(
        fixed(57.12, "production 14.99 + US aid 22 + allied aid 20.13 in the baseline"),
        description="Ukraine's materiel inflow (production and aid) in the reference state, US$ bn/year.",
    )
    russia_personnel: Num(gt=0) = Field(
        fixed(600_000), description="Russia's troops in the theatre in the reference state."
    )
    russia_materiel_bn: Num(gt=0) = Field(
        fixed(150), description="Russia's equipment stock in the reference state, US$ bn."
    )
    russia_materiel_inflow_bn_per_year: Num(gt=0) = Field(
        fixed(60.06, "GDP 2,100 x defence share 7.15% (mean) x procurement 0.4 in the baseline"),
        description="Russia's materiel production in the reference state, US$ bn/year.",
    )
    us_aid_bn_per_year: Num(ge=0) = Field(
        fixed(22),
        description="US military aid being delivered in the reference state, US$ bn/year.",
    )
    observed_gain_km2_per_month: Num(ge=0) = Field(
        fixed(250, "front.initial_gain_km2_per_month's default: the sides read the front exactly"),
        description=(
            "Russian gain per month that the trackers showed in the year before the reference "
            "date, km²/month: the trend both sides observed there. Each side reads the change "
            "of drift a scenario's day-0 forces imply with the gain scale this trend gives "
            "(observed gain / 30.44 / (p_ref - theta)), not with a world's true gain scale, "
            "which no side can know."
        ),
    )


class FrontConfig(Strict):
    """The battlefield: contest success, offensive cycles, noise and casualties."""

    initial_gain_km2_per_month: Num(ge=0) = Field(
        fixed(250),
        description=(
            "Mean Russian gain at the reference force ratio, over phases and seasons, "
            "km²/month (sets kappa)."
        ),
    )
    defender_advantage: Num(gt=0, le=0.95) = Field(
        fixed(0.52, "defence is the stronger form of war; theta slightly above 0.5"),
        description="theta: contest success Russia needs to hold the line.",
    )
    contest_exponent: Num(gt=0, le=10) = Field(
        fixed(1.0), description="k in p = F_ru^k/(F_ru^k+F_ua^k)."
    )
    personnel_weight: Num(ge=0, le=1) = Field(
        fixed(0.5), description="Exponent of personnel in combat power (materiel gets the rest)."
    )
    noise_scale_km2: Num(ge=0) = Field(
        fixed(5.0), description="Scale of the daily Student-t noise, km²."
    )
    noise_df: Num(gt=1, le=1000) = Field(fixed(3.0), description="Degrees of freedom of the noise.")
    casualty_elasticity: Num(ge=0, le=5) = Field(
        fixed(0.5), description="Elasticity of casualties to the force ratio."
    )
    offensive_days: Num(ge=1, le=3650) = Field(
        fixed(120), description="Mean length of an offensive phase, days (Markov switching)."
    )
    consolidation_days: Num(ge=1, le=3650) = Field(
        fixed(90), description="Mean length of a consolidation phase, days."
    )
    consolidation_tempo: Num(ge=0, le=1) = Field(
        fixed(0.3), description="Tempo of a consolidation phase relative to an offensive one."
    )
    initial_offensive_probability: Num(ge=0, le=1) = Field(
        fixed(0.5), description="Probability that a world is in an offensive phase on day 1."
    )
    phase_intensity_sd: Num(ge=0, le=2) = Field(
        fixed(0.4),
        description="s.d. of the log intensity drawn for each phase (lognormal, mean 1).",
    )
    seasonal_amplitude: Num(ge=0, le=0.95) = Field(
        fixed(0.3), description="Relative amplitude of the seasonal cycle of tempo."
    )
    seasonal_peak_day_of_year: Num(ge=1, le=366) = Field(
        fixed(300), description="Day of the year at which the seasonal tempo peaks."
    )
    casualty_tempo_share: Num(ge=0, le=1) = Field(
        fixed(0.3),
        description=(
            "Share of casualties that rises and falls with the phase (offensive or "
            "consolidation) and the season; not with the phase's random intensity, which moves "
            "the gains only."
        ),
    )
    reference: FrontReference = Field(default_factory=FrontReference)


class BeliefConfig(Strict):
    """A side's prior about the front's daily drift and how it learns."""

    prior_mean_km2_per_day: Num() = Field(
        fixed(8.0),
        description=(
            "Prior mean of the drift in the reference state (front.reference), km²/day; a "
            "scenario whose day-0 forces differ shifts it by the drift they imply."
        ),
    )
    prior_sd_km2_per_day: Num(gt=0) = Field(
        fixed(4.0), description="Prior sd of the drift, km²/day."
    )
    process_sd_km2_per_day: Num(ge=0) = Field(
        fixed(0.05), description="Daily random-walk sd of the drift, km²/day."
    )
    observation_sd_km2: Num(gt=0) = Field(
        fixed(15.0), description="Noise of a day's observation, km²."
    )


class PreferenceConfig(Strict):
    """Preferences over the issues: salience, option values, red lines."""

    salience: dict[str, Num(ge=0)] = Field(
        default_factory=dict, description="Weight of each issue (issue -> weight)."
    )
    values: dict[str, dict[str, Num(ge=0, le=1)]] = Field(
        default_factory=dict,
        description="Value in [0, 1] of each option (issue -> option -> value).",
    )
    red_lines: list[str] = Field(
        default_factory=list, description="Options refused (issue.option)."
    )
    red_line_penalty: Num(ge=0) = Field(
        fixed(1.0),
        description="Penalty of a red line at no pain, as a multiple of its issue's salience.",
    )
    red_line_erosion: Num(ge=0) = Field(
        fixed(1.0), description="Rate at which pain erodes red lines: penalty x exp(-rate x pain)."
    )
    resolve_scale: Num(ge=0) = Field(
        fixed(0.05, "a persistent private resolve of about a tenth of the salience budget"),
        description="Scale of the side's private resolve: a Logistic(0, scale) shift of its "
        "reservation value (utility), drawn once per world and known only to the side.",
    )

    @field_validator("salience")
    @classmethod
    def _known_issues(cls, v: dict[str, object], info: ValidationInfo) -> dict[str, object]:
        issues = _outcome(info).names
        bad = [k for k in v if k not in issues]
        if bad:
            raise ValueError(f"unknown issue {bad}; issues are {', '.join(issues)}")
        return v

    @field_validator("values")
    @classmethod
    def _known_options(
        cls, v: dict[str, dict[str, object]], info: ValidationInfo
    ) -> dict[str, dict[str, object]]:
        _check_option_keys([f"{i}.{o}" for i, opts in v.items() for o in opts], "option", info)
        missing = [
            key
            for key in _outcome(info).option_keys
            if key.split(".", 1)[1] not in v.get(key.split(".", 1)[0], {})
        ]
        if missing:
            raise ValueError(
                f"no value for option {', '.join(missing)}: give each a value in [0, 1] under "
                "preferences.values.<issue>.<option> (a side never values an option at 0 by default)"
            )
        return v

    @field_validator("red_lines")
    @classmethod
    def _known_red_lines(cls, v: list[str], info: ValidationInfo) -> list[str]:
        _check_option_keys(v, "red line", info)
        return v


class BelligerentConfig(Strict):
    """Ukraine or Russia."""

    personnel: Num(gt=0) = Field(fixed(600_000), description="Troops in the theatre, persons.")
    materiel_bn: Num(gt=0) = Field(fixed(100.0), description="Equipment stock, US$ bn.")
    recruitment_per_day: Num(ge=0) = Field(fixed(700.0), description="Recruits per day, persons.")
    casualties_per_day: Num(ge=0) = Field(
        fixed(1000.0),
        description="Killed and wounded per day of fighting at the day-0 force ratio.",
    )
    permanent_loss_share: Num(ge=0, le=1) = Field(
        fixed(0.5, "killed, captured and not returning wounded as a share of casualties"),
        description="Share of casualties lost to the force for good.",
    )
    gdp_bn: Num(gt=0) = Field(fixed(200.0), description="GDP, US$ bn per year.")
    defence_share_pct: Num(ge=0, le=60) = Field(
        fixed(5.0), description="Defence spending, % of GDP."
    )
    procurement_share: Num(ge=0, le=1) = Field(
        fixed(0.35), description="Share of defence spending that becomes materiel."
    )
    cost_tolerance: Num(gt=0) = Field(
        fixed(1_000_000), description="Casualties that amount to one unit of pain (utility)."
    )
    casualties_before_start: Num(ge=0) = Field(
        fixed(0.0, "no casualties before the start"),
        description="Killed and wounded in the war before the start date (persons; from 24 Feb "
        "2022 in the baseline, from April 2014 for a start in the Donbas war); they count in the "
        "pain of day 0.",
    )
    planning_horizon_days: Num(ge=1, le=3650) = Field(fixed(180), description="H, days.")
    territory_value_per_10k_km2: Num(ge=0) = Field(
        fixed(0.3), description="Utility of 10,000 km² (gained for Russia, kept for Ukraine)."
    )
    risk_aversion: Num(ge=0) = Field(
        fixed(0.0), description="Penalty per sd of the territory outcome."
    )
    belief: BeliefConfig = Field(default_factory=BeliefConfig)
    preferences: PreferenceConfig = Field(default_factory=PreferenceConfig)


class MediatorConfig(Strict):
    """The mediator (the United States in the baseline): aid, sanctions, leverage, patience, preferences.

    ``name`` says who mediates. ``aid_bn_per_year`` is US military aid to Ukraine whoever
    mediates; the threats the mediator can make are its ``leverage_on_ukraine`` (the share of
    Ukraine's inflow that is US aid, which only a US mediator can cut) and
    ``leverage_on_russia``, so a mediator that gives no aid and imposes no sanctions has
    leverage 0 and talks without threats.
    """

    name: str = Field(
        "the United States",
        min_length=1,
        description="Who mediates (words for the narrative and reports): the United States, "
        "Türkiye and the UN, the OSCE with Germany and France, ...",
    )

    gdp_bn: Num(gt=0) = Field(fixed(28_800), description="US GDP, US$ bn.")
    defence_share_pct: Num(ge=0, le=20) = Field(
        fixed(3.38), description="US defence spending, % GDP."
    )
    aid_bn_per_year: Num(ge=0) = Field(
        fixed(20.0), description="Military aid to Ukraine, US$ bn/year."
    )
    aid_before_start_bn_per_year: Num(ge=0) = Field(
        fixed(22.0, "the baseline's US aid of 13 March 2025 (front.reference.us_aid_bn_per_year)"),
        description="US military aid being delivered when the run starts, US$ bn/year: the aid "
        "in the pipeline on day 0 and the level a later shortfall (which Europe partly makes up) "
        "is measured against. A day-0 change of aid_bn_per_year is then a shortfall as a change "
        "on day 1 is; a case starting before 2025 gives the aid of its own time.",
    )
    aid_paused: Num(ge=0, le=1) = Field(fixed(0.0), description="1 while aid is paused, else 0.")
    aid_lag_days: Num(ge=1) = Field(fixed(60), description="Mean delivery lag of aid, days.")
    sanctions_pressure: Num(ge=0, le=1) = Field(
        fixed(0.5), description="Intensity of sanctions threat."
    )
    leverage_on_ukraine: Num(ge=0) = Field(
        fixed(0.2), description="Utility weight of the threat to cut aid when Ukraine is pressed."
    )
    leverage_on_russia: Num(ge=0) = Field(
        fixed(0.2), description="Utility weight of sanctions threats when Russia is pressed."
    )
    patience_days: Num(ge=0) = Field(
        fixed(180), description="Fruitless talk days before walking away."
    )
    reengage_days: Num(ge=0) = Field(
        fixed(1e9, "a mediator that walked away does not come back unless the scenario says so"),
        description="Days after walking away before the mediator re-engages.",
    )
    threat_credibility: Num(ge=0, le=1) = Field(
        fixed(0.0, "threats are never carried out unless the scenario says so"),
        description="Share of worlds whose mediator carries out a decisive threat (and the weight "
        "the sides give a threat not yet carried out).",
    )
    threat_cost_days: Num(ge=0) = Field(
        fixed(0.0),
        description="Patience (days) the mediator spends on each threat it executes (it executes "
        "one only while it has that much patience left).",
    )
    aid_cut_days: Num(ge=0) = Field(
        fixed(90.0),
        description="Days an executed aid cut lasts at most (Ukraine's yes or a ceasefire ends it).",
    )
    aid_cut_share: Num(ge=0, le=1) = Field(
        fixed(1.0), description="Share of US aid deliveries an executed aid cut holds back."
    )
    sanctions_production_cut: Num(ge=0, le=1) = Field(
        fixed(0.1),
        description="Share of Russia's materiel production executed sanctions remove (until a "
        "ceasefire).",
    )
    us_guarantee_share: Num(ge=0, le=1) = Field(
        fixed(1.0, "the US offers to back a guarantee in every world unless the scenario says"),
        description="Share of worlds in which the US would back a security guarantee.",
    )
    perception_sd: Num(ge=0) = Field(
        fixed(0.05), description="Sd of the mediator's error in perceiving each side's war utility."
    )
    engaged: Num(ge=0, le=1) = Field(
        fixed(1.0, "the US mediates until it walks away or an event ends its mediation"),
        description="1 while the US mediates, else 0.",
    )
    excluded_options: list[str] = Field(
        default_factory=list, description="Options the mediator will not propose (issue.option)."
    )
    preferences: dict[str, dict[str, Num(ge=0, le=1)]] = Field(
        default_factory=dict,
        description="The mediator's value of options (issue -> option -> value).",
    )
    preference_weight: Num(ge=0) = Field(fixed(0.05), description="Weight of its own preferences.")

    @field_validator("excluded_options")
    @classmethod
    def _known_excluded(cls, v: list[str], info: ValidationInfo) -> list[str]:
        _check_option_keys(v, "option", info)
        return v

    @field_validator("preferences")
    @classmethod
    def _known_prefs(
        cls, v: dict[str, dict[str, object]], info: ValidationInfo
    ) -> dict[str, dict[str, object]]:
        _check_option_keys([f"{i}.{o}" for i, opts in v.items() for o in opts], "option", info)
        return v


class AllyConfig(Strict):
    """One NATO ally other than the US."""

    gdp_bn: Num(ge=0) = Field(description="GDP, US$ bn per year.")
    defence_share_pct: Num(ge=0, le=20) = Field(description="Defence spending on day 0, % of GDP.")
    target_share_pct: Num(ge=0, le=20) | None = Field(
        None, description="Spending target, % GDP (default: the alliance-wide target)."
    )
    ramp_pct_per_year: Num(ge=0, le=5) | None = Field(
        None, description="Rise of spending toward the target, points of GDP per year."
    )
    aid_share_gdp_pct: Num(ge=0, le=5) | None = Field(
        None, description="Military aid to Ukraine, % of GDP per year."
    )
    reassurance_troops: Num(ge=0) = Field(
        fixed(0.0, "no troops pledged unless the scenario names them"),
        description="Troops pledged to a reassurance force.",
    )
    willingness: Num(ge=0, le=1) = Field(
        fixed(0.0, "no pledge to honour unless the scenario names one"),
        description="Probability that the pledge is honoured (drawn once per world).",
    )


class AlliancePolicyConfig(Strict):
    """Alliance-wide settings of the European allies and Canada."""

    target_share_pct: Num(ge=0, le=20) = Field(fixed(2.0), description="Spending target, % GDP.")
    ramp_pct_per_year: Num(ge=0, le=5) = Field(
        fixed(0.2), description="Rise toward target, points/yr."
    )
    aid_share_gdp_pct: Num(ge=0, le=5) = Field(
        fixed(0.08), description="Military aid, % GDP per year."
    )
    extra_spending_aid_share: Num(ge=0, le=1) = Field(
        fixed(0.1), description="Share of spending above day 0 that reaches Ukraine as aid."
    )
    production_delay_days: Num(ge=0) = Field(
        fixed(180), description="Delay before extra spending becomes deliverable materiel, days."
    )
    compensation_share: Num(ge=0, le=2) = Field(
        fixed(0.3), description="Share of a US aid shortfall the allies make up."
    )
    reassurance_threshold_troops: Num(ge=0) = Field(
        fixed(25_000),
        description="Pledged troops needed for a reassurance force to be on the table.",
    )


class PackageChoice(Evidence):
    """A package named option by option, with its evidence."""

    truce: str = "days_30"
    territory: str = "freeze"
    nato: str = "path_open"
    guarantees: str = "none"
    sanctions: str = "maintained"
    aid_during_truce: str = "continues"

    @model_validator(mode="after")
    def _known(self, info: ValidationInfo) -> PackageChoice:
        for issue, options in _outcome(info).by_issue.items():
            if getattr(self, issue) not in options:
                raise ValueError(f"{issue} must be one of {', '.join(options)}")
        return self

    def as_dict(self) -> dict[str, str]:
        """Issue -> option."""
        return {i: getattr(self, i) for i in BUILT_IN.names}


class InitialProposal(Evidence):
    """A proposal on the table on day 0 (e.g. the Jeddah 30-day truce)."""

    package: PackageChoice = Field(default_factory=PackageChoice)
    accepted_by: list[Literal["ukraine", "russia"]] = Field(
        default_factory=list, description="Sides that have already accepted it."
    )


class TalksConfig(Strict):
    """How often the mediator proposes and how sides answer."""

    enabled: bool = Field(
        True,
        description=(
            "Whether there are talks at all; false gives front-only runs (no proposal, no "
            "ceasefire)."
        ),
    )
    interval_days: Num(ge=1, le=365) = Field(
        fixed(7), description="Days between negotiation rounds."
    )
    first_day: Num(ge=1) = Field(
        fixed(1), description="First negotiation day (day 1 is the day after start_date)."
    )
    summits: list[dt.date] = Field(default_factory=list, description="Extra negotiation dates.")
    cooldown_days: Num(ge=0, le=3650) = Field(
        fixed(30, "after a ceasefire breaks down, talks resume only after weeks of recrimination"),
        description="Days without talks after a ceasefire ends, days.",
    )
    logit_scale: Num(ge=0) = Field(
        fixed(0.05),
        description="Scale of the logistic hesitation of each answer (0: none); a side never "
        "accepts a package worth less to it than fighting on, whatever the noise.",
    )
    options_on_table: dict[str, list[str]] = Field(
        default_factory=dict, description="Issue -> options the mediator may propose (default all)."
    )
    initial_proposal: InitialProposal | None = None

    @field_validator("options_on_table")
    @classmethod
    def _known_table(cls, v: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
        by_issue = _outcome(info).by_issue
        for issue, opts in v.items():
            if issue not in by_issue:
                raise ValueError(f"unknown issue {issue!r}; issues are {', '.join(by_issue)}")
            bad = [o for o in opts if o not in by_issue[issue]]
            if bad or not opts:
                raise ValueError(
                    f"{issue} options must be a non-empty subset of {', '.join(by_issue[issue])}"
                )
        return v

    @field_validator("initial_proposal")
    @classmethod
    def _proposal_on_table(
        cls, v: InitialProposal | None, info: ValidationInfo
    ) -> InitialProposal | None:
        # The model looks the day-0 proposal up among the packages on the table.
        table = info.data.get("options_on_table")
        if v is None or not table:
            return v
        for issue, option in v.package.as_dict().items():
            if issue in table and option not in table[issue]:
                raise ValueError(
                    f"package.{issue} is {option!r}, which is not on the table "
                    f"(talks.options_on_table.{issue}: {', '.join(table[issue])}); "
                    "change the proposal or the options on the table"
                )
        return v


class TruceConfig(Strict):
    """Ceasefire durability: hazard of breakdown and violations."""

    base_hazard_per_day: Num(ge=0, le=1) = Field(
        fixed(1 / 14), description="h0 of a bare truce, 1/day."
    )
    hazard_ratio_guarantees: dict[str, Num(gt=0, le=10)] = Field(
        default_factory=lambda: {
            "none": fixed(1.0),
            "european_force": fixed(0.45),
            "us_backed": fixed(0.25),
        },
        description="Hazard ratio of each guarantees option.",
    )
    hazard_ratio_type: dict[str, Num(gt=0, le=10)] = Field(
        default_factory=lambda: {
            "days_30": fixed(1.0),
            "days_90": fixed(0.85),
            "indefinite": fixed(0.6),
        },
        description="Hazard ratio of each truce option (definitive outlast preliminary ceasefires).",
    )
    monitoring_hazard_ratio: Num(gt=0, le=10) = Field(fixed(1.0), description="HR of monitoring.")
    hazard_shape: Num(gt=0, le=2) = Field(
        fixed(1.0, "a constant hazard unless the scenario gives a shape"),
        description="k of the Weibull baseline hazard (k < 1: the hazard falls with time).",
    )
    pressure_hazard_beta: Num(ge=0) = Field(
        fixed(0.0, "deals made under pressure are no more fragile unless the scenario says so"),
        description="Hazard ratio exp(beta * threats standing at the deal) of a deal under pressure.",
    )
    breakdown_cost: Num(ge=0) = Field(
        fixed(0.0, "a breakdown costs nothing beyond the war resuming unless the scenario says so"),
        description="What a breakdown costs each side (utility), which it weighs when it agrees.",
    )
    recidivism_hazard_ratio: Num(gt=0, le=10) = Field(
        fixed(1.0, "earlier breakdowns do not change the hazard unless the scenario says so"),
        description="Hazard ratio per earlier breakdown in the world (anticipated and realised).",
    )
    violation_escalation: Num(ge=0) = Field(
        fixed(0.0, "violations do not escalate unless the scenario says so"),
        description="eta: hazard factor exp(eta * tension) of violations above the base rate.",
    )
    dissatisfaction_beta: Num(ge=0) = Field(
        fixed(2.0), description="beta: hazard per unit dissatisfaction."
    )
    violations_per_day: Num(ge=0) = Field(
        fixed(100.0), description="Mean violations per ceasefire day."
    )
    lapsed_violations_per_day: Num(ge=0) = Field(
        fixed(1000.0),
        description=(
            "Mean violations per day of an open-ended agreement still in force after its low "
            "violence has ended (a lapse)."
        ),
    )

    @field_validator("hazard_ratio_guarantees")
    @classmethod
    def _guarantees(cls, v: dict[str, object], info: ValidationInfo) -> dict[str, object]:
        options = _outcome(info).by_issue["guarantees"]
        if set(v) != set(options):
            raise ValueError(f"give a hazard ratio for each of {', '.join(options)}")
        return v

    @field_validator("hazard_ratio_type")
    @classmethod
    def _types(cls, v: dict[str, object], info: ValidationInfo) -> dict[str, object]:
        options = _outcome(info).by_issue["truce"]
        if set(v) != set(options):
            raise ValueError(f"give a hazard ratio for each of {', '.join(options)}")
        return v


class OptionConfig(Strict):
    """An option a scenario adds to an issue of the outcome space (``outcome_space``).

    Its values go under each side's ``preferences.values`` (required); a truce option's hazard
    ratio under ``truce.hazard_ratio_type`` and a guarantees option's under
    ``truce.hazard_ratio_guarantees``; any other option's here.
    """

    label: str = Field("", description="Words for the narrative, figures and app.")
    days: int | None = Field(
        None, ge=1, description="Truce options: days the fighting stops (none: indefinitely)."
    )
    line: Literal["keep", "withdraw", "line_2022", "km2"] | None = Field(
        None,
        description="Territory options: the line after a deal (keep the line; withdraw from "
        "`region`; return to the 2022 line; a fixed area `km2`).",
    )
    region: str | None = Field(
        None, description="For line `withdraw`: the region (territory.<region>_unheld_km2)."
    )
    km2: float | None = Field(None, ge=0, description="For line `km2`: Russian-held area, km².")
    requires: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Issue -> options this option is valid only together with (any of them).",
    )
    hazard_ratio: Num(gt=0, le=10) = Field(
        fixed(1.0, "no effect on the breakdown hazard unless the scenario gives one"),
        description="Hazard ratio of a breakdown (options other than truce and guarantees).",
    )


class EventConfig(Evidence):
    """A dated intervention: set or scale parameters on a date."""

    date: dt.date = Field(
        description="Date on which the event takes effect (the first day on or after it)."
    )
    note: str = Field("", description="What happens, for the narrative log.")
    set: dict[str, float] = Field(default_factory=dict, description="Dotted path -> new value.")
    scale: dict[str, float] = Field(default_factory=dict, description="Dotted path -> factor.")

    @field_validator("set", "scale", mode="before")
    @classmethod
    def _numbers_not_flags(cls, v: object) -> object:
        # true/false would otherwise be read as 1/0.
        if isinstance(v, dict):
            for key, number in v.items():
                if isinstance(number, bool):
                    raise ValueError(f"{key}: expected a number, not {str(number).lower()}")
        return v


def outcome_space_of(document: Any) -> OutcomeSpace:
    """The outcome space a scenario document defines (the built-in one if it adds nothing valid)."""
    added = document.get("outcome_space") if isinstance(document, dict) else None
    try:
        return BUILT_IN.extended(added if isinstance(added, dict) else None)
    except (AttributeError, TypeError, ValueError):
        return BUILT_IN  # the outcome_space section's own validation names the problem


class Scenario(Strict):
    """A complete scenario: the starting state and every parameter of the model."""

    name: str = Field(description="Short name.")
    description: str = Field("", description="What question the scenario answers.")
    start_date: dt.date = Field(dt.date(2025, 3, 13), description="Day 0.")
    horizon_days: int = Field(365, ge=1, le=3650, strict=True, description="Days simulated.")
    territory: TerritoryConfig = Field(default_factory=TerritoryConfig)
    front: FrontConfig = Field(default_factory=FrontConfig)
    belligerents: dict[Literal["ukraine", "russia"], BelligerentConfig]
    mediator: MediatorConfig = Field(default_factory=MediatorConfig)
    alliance: AlliancePolicyConfig = Field(default_factory=AlliancePolicyConfig)
    allies: dict[str, AllyConfig]
    talks: TalksConfig = Field(default_factory=TalksConfig)
    truce: TruceConfig = Field(default_factory=TruceConfig)
    partial_truces: PartialTrucesConfig = Field(
        default_factory=PartialTrucesConfig,
        description="Limited truces: the cost channels they pause and the scopes on the table.",
    )
    outcome_space: dict[str, dict[str, OptionConfig]] = Field(
        default_factory=dict,
        description="Options added to the built-in issues (issue -> option -> its settings).",
    )
    events: list[EventConfig] = Field(default_factory=list)

    @classmethod
    def validated(cls, document: Any) -> Scenario:
        """Validate a document, reading its options against the outcome space it defines."""
        return cls.model_validate(document, context={"outcome": outcome_space_of(document)})

    def outcome_space_of(self) -> OutcomeSpace:
        """The built-in outcome space with the options this scenario adds."""
        return BUILT_IN.extended(self.outcome_space)

    @field_validator("outcome_space")
    @classmethod
    def _new_options(
        cls, v: dict[str, dict[str, OptionConfig]]
    ) -> dict[str, dict[str, OptionConfig]]:
        for issue, options in v.items():
            if issue not in BUILT_IN.names:
                raise ValueError(f"unknown issue {issue!r}; issues are {', '.join(BUILT_IN.names)}")
            for name, option in options.items():
                where = f"{issue}.{name}"
                if name in BUILT_IN.by_issue[issue]:
                    raise ValueError(f"{where} is a built-in option already")
                if issue == "territory" and option.line is None:
                    raise ValueError(f"{where}: give its line ({', '.join(LINE_RULES)})")
                if option.line == "withdraw" and (
                    option.region is None
                    or f"{option.region}_unheld_km2" not in TerritoryConfig.model_fields
                ):
                    raise ValueError(
                        f"{where}: line withdraw needs a region with territory.<region>_unheld_km2 "
                        "(four_oblasts)"
                    )
                if option.line == "km2" and option.km2 is None:
                    raise ValueError(f"{where}: line km2 needs km2")
                if issue != "territory" and option.line is not None:
                    raise ValueError(f"{where}: only territory options have a line")
                if issue != "truce" and option.days is not None:
                    raise ValueError(f"{where}: only truce options have days")
        by_issue = BUILT_IN.extended(v).by_issue
        for issue, options in v.items():
            for name, option in options.items():
                for other, allowed in option.requires.items():
                    unknown = [o for o in allowed if o not in by_issue.get(other, ())]
                    if other == issue or other not in by_issue or unknown or not allowed:
                        raise ValueError(
                            f"{issue}.{name}: requires names {other}: {allowed}; give options of "
                            f"another issue ({', '.join(f'{i}: {list(o)}' for i, o in by_issue.items())})"
                        )
        return v

    @field_validator("talks")
    @classmethod
    def _something_to_propose(cls, v: TalksConfig, info: ValidationInfo) -> TalksConfig:
        mediator = info.data.get("mediator")
        if mediator is None:
            return v
        excluded = set(mediator.excluded_options)
        for issue, options in _outcome(info).by_issue.items():
            left = [
                o for o in v.options_on_table.get(issue, options) if f"{issue}.{o}" not in excluded
            ]
            if not left:
                raise ValueError(
                    f"no {issue} option is left to propose: mediator.excluded_options removes "
                    f"every option of talks.options_on_table.{issue}; keep at least one"
                )
        return v

    @field_validator("belligerents")
    @classmethod
    def _both_sides(cls, v: dict[str, BelligerentConfig]) -> dict[str, BelligerentConfig]:
        missing = [b for b in BELLIGERENTS if b not in v]
        if missing:
            raise ValueError(f"missing belligerent(s): {', '.join(missing)}")
        return v

    @field_validator("allies")
    @classmethod
    def _all_allies(cls, v: dict[str, AllyConfig]) -> dict[str, AllyConfig]:
        unknown = sorted(set(v) - set(NATO_ALLIES))
        missing = [a for a in NATO_ALLIES if a not in v]
        if unknown:
            raise ValueError(f"unknown ally {unknown}; allies are {', '.join(NATO_ALLIES)}")
        if missing:
            raise ValueError(
                f"missing ally(ies): {', '.join(missing)} (all 31 allies besides the US)"
            )
        return v


_PARAM_KEYS = frozenset(Param.model_fields)
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, for editors (``# yaml-language-server: $schema=...``).

    A file with ``extends`` is checked against a *partial* form of the scenario (no key is
    required: the base file supplies them, and mappings merge key by key); a file without it must
    be complete. List items (``events``) are always complete, because an override replaces a list
    whole. Numeric values accept a bare number within the allowed range or the object form with
    ``value``/``dist`` and ``quote``/``source``/``assumption``. Python validation (``ceasefire-sim
    validate``) remains the authority: it also checks cross-references, quotes and distributions.

    Returns:
        The schema as a JSON-compatible dict (draft 2020-12).
    """
    generated = Scenario.model_json_schema(ref_template="#/$defs/{model}")
    defs: dict[str, Any] = generated.pop("$defs")
    defs["Scenario"] = generated
    defs = _simplify_defaults(defs)
    partial = {f"{name}Partial": _partial(schema) for name, schema in defs.items()}
    top = partial["ScenarioPartial"]
    properties = {
        "extends": {
            "type": "string",
            "description": "A scenario file (relative to this one) whose values this file "
            "overrides; mappings merge key by key, lists and numbers are replaced.",
        },
        **top["properties"],
    }
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": "ceasefire-sim scenario",
        "description": "A ceasefire-sim scenario file. See scenarios/README.md.",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "if": {"not": {"required": ["extends"]}},
        "then": {"$ref": "#/$defs/Scenario"},
        "$defs": {**defs, **partial},
    }


def _simplify_defaults(node: Any) -> Any:
    """Show a default Param as its number (or distribution), not as every field of the model."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "default":
                out[key] = _plain_default(value)
            else:
                out[key] = _simplify_defaults(value)
        return out
    if isinstance(node, list):
        return [_simplify_defaults(v) for v in node]
    return node


def _plain_default(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == _PARAM_KEYS:
        if value.get("dist") is None and value.get("value") is not None:
            return value["value"]
        return {k: v for k, v in value.items() if v is not None}
    if isinstance(value, dict):
        return {k: _plain_default(v) for k, v in value.items()}
    return value


def _partial(node: Any, in_items: bool = False) -> Any:
    """A copy of a schema with nothing required and references to the partial definitions.

    Under ``items`` (list elements, which an override replaces whole) references stay on the
    complete definitions.
    """
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "required" and isinstance(value, list):
                continue
            if key == "$ref" and not in_items:
                out[key] = f"{value}Partial"
            else:
                out[key] = _partial(value, in_items or key == "items")
        return out
    if isinstance(node, list):
        return [_partial(v, in_items) for v in node]
    return node
