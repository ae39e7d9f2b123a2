"""The classroom app without a browser: levers, the model factory, decisions, figures, the page."""

from __future__ import annotations

import inspect
import subprocess
import sys

import ipyvuetify as v
import numpy as np
import pytest
import solara

from ceasefire_sim import CeasefireModel, ScenarioError
from ceasefire_sim.app import (
    FACTOR_PATHS,
    MANY_WORLDS,
    VEGA_ALIASES,
    ClassroomModel,
    Levers,
    Page,
    apply_levers,
    beliefs_spec,
    control_spec,
    ensure_chart_assets,
    explain_keys,
    latest_decision,
    lever_values,
    model_params,
    narrative_html,
    reasons_html,
    scenario_choices,
    status_spec,
)
from ceasefire_sim.classroom import reasons
from ceasefire_sim.cli.demo import server_command, server_environment
from tests.conftest import BASELINE, ROOT


def run_days(model, days):
    for _ in range(days):
        model.step()
    return model


# ------------------------------------------------------------------------------ levers
def test_default_levers_leave_the_scenario_unchanged(baseline):
    assert apply_levers(baseline, Levers()) is baseline
    assert Levers().changes() == []


@pytest.mark.parametrize(
    "bad",
    [
        {"us_pressure_on_russia": -1.0},
        {"european_aid": float("nan")},
        {"truce_offered": "days_60"},
        {"reassurance_force": "maybe"},
    ],
)
def test_bad_levers_say_what_to_change(bad):
    with pytest.raises(ScenarioError, match=next(iter(bad))):
        Levers(**bad)


@pytest.mark.parametrize("name", list(FACTOR_PATHS))
def test_a_factor_scales_its_parameter_from_day_one(baseline, name):
    path, label = FACTOR_PATHS[name]
    model = CeasefireModel(apply_levers(baseline, Levers(**{name: 2.5})), worlds=50, seed=3)
    plain = CeasefireModel(baseline, worlds=50, seed=3)
    concrete = path.replace("*", "france")
    np.testing.assert_allclose(model.params.column(concrete), plain.params.column(concrete))
    model.step()
    plain.step()
    np.testing.assert_allclose(
        model.params.column(concrete), 2.5 * plain.params.column(concrete), rtol=1e-12
    )
    event = [r for r in model.narrative.rows if r[2] == 0 and "Classroom levers" in r[5]]
    assert len(event) == 1 and f"{label} ×2.5" in event[0][5]


def test_lever_values_show_scenario_mean_and_value_used(baseline):
    values = lever_values(baseline, Levers(us_pressure_on_russia=3.0, european_aid=0.0))
    assert values["US pressure on Russia"] == pytest.approx((0.2, 0.6))
    # No ally of the baseline has its own aid share: all give 0.08% of GDP.
    gdp_bn = sum(ally.gdp_bn.value for ally in baseline.allies.values())
    assert values["European aid (US$ bn/year)"] == pytest.approx((0.08 / 100 * gdp_bn, 0.0))
    low, high = 1_500_000, 4_000_000  # uniform in the baseline
    assert values["Russia's cost tolerance"] == pytest.approx(((low + high) / 2,) * 2, rel=1e-3)


def test_european_aid_from_day_one_changes_the_war(baseline):
    # Common random numbers: the two runs differ only by the lever, world by world.
    kwargs = {"worlds": 200, "seed": 5, "days": 120}
    more = CeasefireModel(apply_levers(baseline, Levers(european_aid=3.0)), **kwargs)
    none = CeasefireModel(apply_levers(baseline, Levers(european_aid=0.0)), **kwargs)
    more.run()
    none.run()
    assert np.all(more.allied_aid_total_bn > none.allied_aid_total_bn)
    gain_more = more.control_km2 - more.initial_control_km2
    gain_none = none.control_km2 - none.initial_control_km2
    # Where a ceasefire came in one run only, the line froze there: compare the worlds at war
    # throughout in both, where the aid acts through the front alone.
    at_war = ~more.ever_ceasefire & ~none.ever_ceasefire
    assert at_war.sum() > 100
    diff = (gain_more - gain_none)[at_war]
    standard_error = diff.std(ddof=1) / np.sqrt(len(diff))
    assert diff.mean() < -4 * standard_error


@pytest.mark.parametrize(("setting", "expected"), [("available", True), ("unavailable", False)])
def test_reassurance_force_switch(baseline, setting, expected):
    model = CeasefireModel(
        apply_levers(baseline, Levers(reassurance_force=setting)), worlds=100, seed=2
    )
    as_scenario = CeasefireModel(baseline, worlds=100, seed=2)
    # The baseline puts the force on the table in some worlds only: the switch matters.
    assert 0 < as_scenario.alliance.reassurance_available().mean() < 1
    model.step()
    assert np.all(model.alliance.reassurance_available() == expected)


@pytest.mark.parametrize("option", ["days_90", "indefinite"])
def test_truce_offered_is_the_only_truce_proposed(baseline, option):
    scenario = apply_levers(baseline, Levers(truce_offered=option))
    assert scenario.talks.options_on_table["truce"] == [option]
    # Ukraine accepted the 30-day truce, not this one: its acceptance no longer counts.
    assert scenario.talks.initial_proposal.package.truce == option
    assert scenario.talks.initial_proposal.accepted_by == []
    model = run_days(CeasefireModel(scenario, worlds=1, seed=1), 60)
    proposals = [r[5] for r in model.narrative.rows if r[4] == "proposal"]
    label = {"days_90": "90-day truce", "indefinite": "indefinite ceasefire"}[option]
    assert len(proposals) >= 8
    assert all(label in text for text in proposals)


def test_truce_lever_keeps_a_matching_initial_acceptance(baseline):
    scenario = apply_levers(baseline, Levers(truce_offered="days_30"))
    assert scenario.talks.initial_proposal.accepted_by == ["ukraine"]


# ------------------------------------------------------------------------- model factory
def test_model_params_fit_the_model_factory():
    params = model_params(BASELINE)
    values = {k: (p["value"] if isinstance(p, dict) else p.value) for k, p in params.items()}
    model = ClassroomModel(**values)
    assert model.worlds == 1
    assert model.levers == Levers()
    assert set(inspect.signature(ClassroomModel).parameters) == set(params)
    assert params["scenario"]["value"] == BASELINE.name
    assert MANY_WORLDS in params["worlds"]["values"]


def test_classroom_model_takes_picker_labels():
    model = ClassroomModel(
        scenario=BASELINE.name,
        worlds=MANY_WORLDS,
        seed=4,
        us_pressure_on_russia=2.0,
        truce_offered="90-day truce",
        reassurance_force="not available",
    )
    assert model.worlds == MANY_WORLDS
    assert model.levers == Levers(
        us_pressure_on_russia=2.0, truce_offered="days_90", reassurance_force="unavailable"
    )
    assert model.narrative.worlds == 1


def test_unknown_scenario_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="no scenario file"):
        ClassroomModel(scenario="no_such_file.yaml")


def test_picker_lists_valid_scenarios_only(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(BASELINE.read_text())
    (tmp_path / "broken.yaml").write_text(
        BASELINE.read_text().replace("horizon_days: 365", "horizon_days: -1")
    )
    (tmp_path / "notes.txt").write_text("not a scenario")
    assert list(scenario_choices(tmp_path)) == ["good.yaml"]
    assert BASELINE.name in scenario_choices(ROOT / "scenarios")


# ------------------------------------------------------------------------------ decisions
class _ConstantRenderer:
    """A narrative renderer whose words carry no numbers at all."""

    def proposal(self, proposer, package):
        return "a proposal"

    def answer(self, side, accepted, net):
        return "an answer"

    def explanation(self, contributions):
        return "reasons"


def _panel(model):
    """What the decision panel shows, from the last round record of world 0."""
    _, date, record = model.narrative.rounds[-1]
    return reasons_html(model, reasons(model, record), f"The proposal of {date}")


def test_the_decision_panel_reads_the_round_records_not_the_narrative_text():
    plain = run_days(ClassroomModel(seed=1), 40)
    constant = ClassroomModel(seed=1)
    constant.narrative.renderer = _ConstantRenderer()
    run_days(constant, 40)
    assert {r[5] for r in constant.narrative.rows if r[4] == "proposal"} == {"a proposal"}
    panel = _panel(plain)
    assert _panel(constant) == panel
    assert "surplus" in panel and "pressure" in panel and "chance" in panel
    assert "says" in panel
    assert latest_decision(constant) == latest_decision(plain)


def test_the_app_imports_nothing_from_the_narrative_renderer():
    import ast

    import ceasefire_sim.app as app

    tree = ast.parse(inspect.getsource(app))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert not any("narrative" in name for name in imported)
    assert "narrative.rows" not in inspect.getsource(app.latest_decision)


def test_latest_decision_reads_the_last_proposal_of_world_zero():
    model = ClassroomModel(seed=1)
    assert latest_decision(model) is None
    run_days(model, 40)
    decision = latest_decision(model)
    proposals = [r for r in model.narrative.rows if r[4] == "proposal"]
    assert decision.day == proposals[-1][0]
    assert decision.proposal in proposals[-1][5]
    assert set(decision.answers) == {"ukraine", "russia"}
    for answer in decision.answers.values():
        assert {issue for issue, *_ in answer.contributions} == {
            "truce",
            "territory",
            "nato",
            "guarantees",
            "sanctions",
            "aid_during_truce",
            "resolve",
            "pressure",
            "durability",
        }
        # The record's contributions sum to its surplus.
        assert sum(c for *_, c in answer.contributions) == pytest.approx(answer.surplus, abs=1e-9)
        kinds = {
            r[3]: r[4] for r in model.narrative.rows if r[0] == decision.day and r[4] != "proposal"
        }
        assert answer.accepted == (kinds[answer.side] == "accept")


# --------------------------------------------------------------------------------- charts
def _values(spec):
    return spec["data"]["values"]


def test_charts_draw_the_days_so_far():
    model = run_days(ClassroomModel(seed=1), 40)
    control = _values(control_spec(model))
    assert len(control) == 41
    assert control[-1]["median"] == pytest.approx(model.control_km2[0] / 1000, abs=1e-3)
    status = _values(status_spec(model))
    assert len(status) == 41 * 4
    assert {r["status"] for r in status} == {"war", "ceasefire", "collapsed", "settled"}
    assert len(_values(beliefs_spec(model, "dark"))) == 41 * 3


def test_many_futures_draw_a_fan():
    model = run_days(ClassroomModel(worlds=MANY_WORLDS, seed=1), 30)
    spec = control_spec(model)
    assert len(spec["layer"]) == 4  # 5-95% and 25-75% bands, the median and world 0
    assert spec["layer"][-1]["encoding"]["y"]["field"] == "world0"
    world0 = [r["world0"] for r in _values(spec)]
    assert world0 == pytest.approx(
        model.recorder.trajectories["control_km2"][:31, 0] / 1000, abs=1e-3
    )
    assert world0[-1] == pytest.approx(model.control_km2[0] / 1000, abs=1e-3)
    assert world0 != [r["median"] for r in _values(spec)]  # one story, not the median
    assert f"{MANY_WORLDS} world(s)" in status_spec(model)["title"]


@pytest.mark.parametrize("name", ["control", "status", "beliefs"])
def test_chart_rows_from_a_day_are_the_tail_of_all_rows(name):
    from ceasefire_sim.app import CHARTS

    model = run_days(ClassroomModel(seed=1), 12)
    full, rows, _ = CHARTS[name]
    everything = _values(full(model))
    assert rows(model, 0) == everything
    tail = rows(model, 9)
    assert tail == [r for r in everything if r["day"] >= 9] and tail


def test_stream_chart_sends_only_the_new_days():
    from ceasefire_sim.app import CHARTS, stream_spec
    from ceasefire_sim.streamchart import StreamChart

    model = ClassroomModel(seed=1)
    chart = StreamChart("status")
    _, rows, title = CHARTS["status"]

    def show():
        chart.show(
            (id(model), "light"),
            lambda: stream_spec("status", model, "light"),
            lambda start: (rows(model, start), model.day + 1, title(model)),
        )

    show()
    assert chart.epoch == 1 and chart.spec["data"] == {"name": "rows"}
    assert chart.spec["title"] == {"text": {"expr": "chartTitle"}}
    assert chart.batch["start"] == 0 and len(chart.batch["rows"]) == 4
    for day in range(1, 31):
        model.step()
        show()
        # Each update carries the one new day (four statuses), whatever the day.
        assert (chart.batch["start"], chart.batch["end"]) == (day, day + 1)
        assert [r["day"] for r in chart.batch["rows"]] == [day] * 4
        assert chart.batch["title"] == title(model)
    assert chart.epoch == 1 and chart.rows_sent == 31 * 4
    chart.vue_need({"epoch": 1, "have": 20})  # the page missed days 20 to 30: sent again
    assert (chart.batch["start"], chart.batch["end"]) == (20, 31)
    chart.vue_need({"epoch": 0, "have": 0})  # an old chart's request: ignored
    assert chart.batch["start"] == 20
    show()  # nothing new: nothing sent
    assert chart.batch["start"] == 20
    chart.show((id(model), "dark"), lambda: stream_spec("status", model, "dark"), chart._source)
    assert chart.epoch == 2 and chart.batch["start"] == 0 and len(chart.batch["rows"]) == 31 * 4


def test_decision_panel_before_any_proposal_says_so():
    assert "No proposal yet" in reasons_html(ClassroomModel(seed=1), {}, "Why?")


def test_chart_assets_are_served_from_the_installed_copies(tmp_path):
    for source in VEGA_ALIASES.values():
        (tmp_path / source).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / source).write_text(f"// {source}")
    written = ensure_chart_assets(tmp_path)
    assert len(written) == len(VEGA_ALIASES)
    for alias, source in VEGA_ALIASES.items():
        assert (tmp_path / alias).read_text() == f"// {source}"
    assert ensure_chart_assets(tmp_path) == []


def test_raw_keys_are_explained_on_hover():
    text = explain_keys("US mediation ends: mediator.engaged = 0 <b>")
    assert '<abbr class="gloss" title="1 while the US mediates, else 0."' in text
    assert "<b>" not in text


def test_narrative_html_escapes_and_explains():
    model = run_days(ClassroomModel(seed=1), 12)
    text = narrative_html(model)
    assert text.count('class="narrative-row"') == len(model.narrative.rows)
    only = narrative_html(model, kind="proposal")
    assert only.count('class="narrative-row"') == sum(
        r[4] == "proposal" for r in model.narrative.rows
    )
    assert "narrative-empty" in narrative_html(model, query="no such words")
    assert "why: " in text
    model.narrative.rows.append(
        (12, "2025-03-25", 0, "scenario", "event", "<script>x</script>", "")
    )
    assert "<script>" not in narrative_html(model)


# ----------------------------------------------------------------------------------- page
def _render_page():
    @solara.component
    def Wrapped():  # noqa: N802 (solara component)
        with solara.AppLayout():
            Page()

    return solara.render(Wrapped(), handle_error=False)


def _html_with(rc, css_class):
    return next(
        w.unsafe_innerHTML
        for w in rc.find(solara.widgets.HTML).widgets
        if css_class in w.attributes.get("class", "")
    )


def test_page_steps_runs_to_the_end_and_resets():
    _, rc = _render_page()
    assert "Thursday 13 March 2025" in _html_with(rc, "date-banner")
    step = rc.find(v.Btn, children=["Step"])
    for _ in range(6):
        step.widget.click()
    assert "Wednesday 19 March 2025" in _html_with(rc, "date-banner")
    assert 'class="narrative-row"' in _html_with(rc, "narrative-log")
    from ceasefire_sim.streamchart import StreamChart

    charts = rc.find(StreamChart).widgets
    assert sorted(c.name for c in charts) == ["beliefs", "control", "status"]
    # Embedded once, then a batch per click with the one new day.
    assert all(c.epoch == 1 and c.sent == 7 for c in charts)
    assert all({r["day"] for r in c.batch["rows"]} == {6} for c in charts)
    rc.find(v.Btn, children=["Run to the end"]).widget.click()
    banner = _html_with(rc, "date-banner")
    assert 'Day <span class="sim-day">365</span>' in banner and "the end of the run" in banner
    assert all(c.epoch == 1 and c.sent == 366 and c.batch["start"] == 7 for c in charts)
    step.widget.click()  # at the horizon: nothing happens
    assert 'sim-day">365<' in _html_with(rc, "date-banner")
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert "Thursday 13 March 2025" in _html_with(rc, "date-banner")
    assert all(c.epoch == 2 and c.sent == 1 for c in charts)  # a new run: drawn afresh


# ------------------------------------------------------------------------------------ CLI
def test_server_runs_offline_in_production_mode(tmp_path):
    command = server_command("127.0.0.1", 9999)
    assert command[:4] == [sys.executable, "-m", "solara", "run"]
    assert {"--production", "--no-open", "--no-check-version"} <= set(command)
    env = server_environment(BASELINE, base={})
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["CEASEFIRE_SIM_SCENARIO"] == str(BASELINE.resolve())
    assert env["PYTHONWARNINGS"] == "ignore:Cookies with samesite=none:UserWarning"
    kept = server_environment(BASELINE, base={"PYTHONWARNINGS": "error"})["PYTHONWARNINGS"]
    assert kept.split(",") == ["error", "ignore:Cookies with samesite=none:UserWarning"]


def test_demo_with_a_bad_scenario_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASELINE.read_text().replace("horizon_days: 365", "horizon_days: many"))
    for scenario in (bad, tmp_path / "missing.yaml"):
        result = subprocess.run(
            [sys.executable, "-m", "ceasefire_sim.cli", "demo", str(scenario), "--port", "1"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert result.returncode == 2
        assert scenario.name in result.stderr
        assert "Traceback" not in result.stderr + result.stdout


def test_a_rendered_page_lets_the_program_exit():
    """The page's play loop runs in a thread; a program that rendered the page must still end."""
    import subprocess
    import sys

    code = (
        "import solara\n"
        "from ceasefire_sim.app import Page\n"
        "solara.render(Page(), handle_error=False)\n"
        "print('rendered')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "rendered" in done.stdout
