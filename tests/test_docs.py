from ceasefire_sim.scenario.doc import END, MODEL_MD, START, reference_markdown, schema_rows


def test_model_md_parameter_reference_is_up_to_date(baseline):
    text = MODEL_MD.read_text()
    generated = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert generated == reference_markdown(baseline).strip(), (
        "docs/model.md is stale: run `python -m ceasefire_sim.scenario.doc` and commit the result"
    )


def test_every_setting_has_a_description():
    assert all(description for path, kind, description in schema_rows() if kind == "number")
